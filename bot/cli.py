"""The `margin-desk` command: run, demo, paper-exchange, check, health. The composition root."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot import __version__
from bot.config import Settings
from bot.errors import ConfigError, MarginDeskError
from bot.logs import loop_exception_handler, setup_logging

log = logging.getLogger("margin_desk")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="margin-desk",
        description="Telegram operations assistant for isolated-margin perps on Orderly Network.",
    )
    parser.add_argument("--version", action="version", version=f"margin-desk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the Telegram bot (long polling, or a webhook)")
    run.add_argument("--webhook", action="store_true",
                     help="serve a webhook at TELEGRAM_WEBHOOK_URL instead of long polling "
                          "(implied when TELEGRAM_WEBHOOK_URL is set)")  # fmt: skip
    run.add_argument("--new-database", action="store_true",
                     help="start with an empty database where one was created before (the file "
                          "is missing, empty, or has no Margin Desk schema)")  # fmt: skip
    sub.add_parser("demo", help="the whole bot as a terminal chat: no token, no network")
    paper = sub.add_parser("paper-exchange", help="serve the paper exchange (REST + WebSocket)")
    paper.add_argument("--port", type=int, default=8090, help="port on 127.0.0.1 (default 8090)")
    paper.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback)")
    sub.add_parser("check", help="validate config, reach the exchange, check key and database")
    sub.add_parser("health", help="is the running bot receiving updates and reaching the "
                                  "exchange (exit 0) or not (exit 1): a container healthcheck")
    backup = sub.add_parser("backup", help="copy the database to PATH, safely while the bot runs")
    backup.add_argument("path", metavar="PATH", help="the new backup file (must not exist)")
    return parser


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'config'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"configuration: {problems}") from None


def _secrets(settings: Settings) -> list[str]:
    values = [settings.telegram_bot_token, settings.orderly_secret]
    return [v.get_secret_value() for v in values if v is not None] + [
        s for s in (settings.webhook_secret(),) if s
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = _parser().parse_args(argv)
    setup_logging("WARNING")  # redaction (token-shaped strings) before anything can fail
    try:
        settings = _settings()
        setup_logging(settings.log_level, _secrets(settings))
        return asyncio.run(_dispatch(args, settings))
    except ConfigError as exc:  # something to fix in the configuration: one line, exit 2
        print(f"margin-desk: {exc}", file=sys.stderr)
        return 2
    except MarginDeskError as exc:  # e.g. a service unreachable at start-up: one line, exit 1
        print(f"margin-desk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:  # never a raw traceback: it goes through the redacting log handler
        log.critical("stopped on an unexpected error", exc_info=True)
        return 1


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.get_running_loop().set_exception_handler(loop_exception_handler)
    if args.command == "check":
        from bot.admin.check import run_check

        return await run_check(settings)
    if args.command == "paper-exchange":
        from bot.paper.runner import serve_forever

        await serve_forever(
            port=args.port,
            host=args.host,
            data_dir=settings.bot_db_path.parent,
            start_balance=settings.paper_start_balance,
        )
        return 0
    if args.command == "health":
        from bot.runtime.heartbeat import health

        return health(settings.bot_db_path)
    if args.command == "backup":
        from bot.admin.backup import run_backup

        return run_backup(settings, args.path)
    if args.command == "demo":
        from bot.demo import run_demo

        return await run_demo(settings)
    from bot.app import run_bot

    return await run_bot(settings, webhook_requested=args.webhook,
                         new_database=args.new_database)


if __name__ == "__main__":
    raise SystemExit(main())
