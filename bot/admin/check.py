"""Wires `margin-desk check`: settings, database and exchange checks, one line per finding."""

from __future__ import annotations

import sys

from bot.admin.check_probes import CheckReport, Level, check_database, check_exchange
from bot.config import Settings
from bot.errors import ConfigError
from bot.logs import redact
from bot.timing import DEFAULT_TIMINGS, SystemClock, Timings
from bot.wiring import exchange_link
from storage.db import open_database
from storage.preflight import preflight, record_created


async def run_check(settings: Settings, *, timings: Timings = DEFAULT_TIMINGS) -> int:
    """Run every check, print the report, return 0 when nothing failed."""
    report = CheckReport()
    clock = SystemClock()
    report.add(Level.OK, f"network {settings.orderly_network.value}")
    if settings.telegram_bot_token is None:
        report.add(Level.WARN, "TELEGRAM_BOT_TOKEN not set: `run` needs it (`demo` does not)")
    if not settings.bot_allowed_user_ids:
        report.add(Level.WARN, "BOT_ALLOWED_USER_IDS is empty: the bot will refuse everyone")
    db_ok = check_database(lambda: _open_checked(settings), str(settings.bot_db_path), report)
    embedded = settings.is_paper and not settings.orderly_base_url
    if db_ok or not embedded:  # the embedded paper exchange keeps its state beside the database
        try:
            async with exchange_link(
                settings, clock=clock, timings=timings, simulate_market=False
            ) as link:
                await check_exchange(link.client, report, clock, link.signer.orderly_key)
        except ConfigError as exc:
            report.add(Level.FAIL, str(exc))
    print(redact(report.render()))  # an exchange's message could quote what it was sent
    if report.failed:
        print("margin-desk check: FAILED", file=sys.stderr)
        return 1
    print("margin-desk check: all good")
    return 0


def _open_checked(settings: Settings) -> object:
    """The file checks `run` makes (storage.preflight), then open and migrate it."""
    preflight(settings.bot_db_path)
    db = open_database(settings.bot_db_path)
    record_created(settings.bot_db_path)
    return db
