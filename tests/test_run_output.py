"""Real `margin-desk` processes that fail: each says one clear line, and no secret is ever in
their output (stdout and stderr, whole), raw or URL-encoded.

Telegram is the in-repo Bot API emulator served on loopback (answering getMe with 401
Unauthorized as Telegram does for a refused token, or serving it); the exchange is the paper
exchange on loopback, asked with a key it never registered (it refuses auth) or given a secret
that is not a key at all.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.botapi import BotApiEmulator
from bot.botapi.server import serve_emulator
from bot.orderly.signing import generate_keypair
from bot.paper.runner import PaperExchange
from tests.test_config import ENV

TOKEN = "7712345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"  # shaped like a real one
ODD_TOKEN = "4242:short-secret-half-xyz"  # not token-shaped: only the configured value tells
REFUSED = "margin-desk: Telegram refused the bot token; check TELEGRAM_BOT_TOKEN"
ACCOUNT = "0x" + "ab" * 32
WAIT = 30.0


def forbidden(*secrets: str) -> list[str]:
    """Every form a secret could leak in: whole, a token's secret half, ed25519-less, encoded."""
    forms = set()
    for secret in secrets:
        for form in (secret, secret.partition(":")[2], secret.removeprefix("ed25519:")):
            forms |= {form, quote(form, safe=""), quote(form)}
    return sorted(f for f in forms if len(f) >= 6)


def assert_clean(output: str, *secrets: str) -> None:
    for form in forbidden(*secrets):
        assert form not in output, f"{form!r} leaked:\n{output}"
    assert "Traceback" not in output, output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env.update(BOT_DB_PATH=str(tmp_path / "data" / "bot.db"), BOT_ALLOWED_USER_IDS="42",
               LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")  # fmt: skip
    return env


@pytest.fixture
async def paper() -> AsyncIterator[PaperExchange]:
    async with PaperExchange(None, simulate_market=False) as exchange:
        yield exchange


def refused_key_env(paper: PaperExchange, secret: str | None = None) -> dict[str, str]:
    """A testnet configuration pointing at the paper exchange with a key it never registered."""
    key, generated = generate_keypair()
    return {
        "ORDERLY_NETWORK": "testnet", "ORDERLY_BASE_URL": paper.base_url,
        "ORDERLY_WS_PUBLIC_URL": paper.ws_public_url,
        "ORDERLY_WS_PRIVATE_URL": paper.ws_private_url,
        "ORDERLY_ACCOUNT_ID": ACCOUNT, "ORDERLY_KEY": key,
        "ORDERLY_SECRET": secret or generated, "MONITOR_POLL_SECONDS": "0.5",
    }  # fmt: skip


async def margin_desk(
    env: dict[str, str], *args: str, stop_after: float | None = None
) -> tuple[int, str]:
    """Run `python -m bot ARGS` to its end (or SIGTERM after stop_after s): (exit code, output)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=env["BOT_DB_PATH"].rsplit("/", 2)[0],
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    if stop_after is not None:
        await asyncio.sleep(stop_after)
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode is not None
    return proc.returncode, out.decode() + err.decode()


def refusing() -> BotApiEmulator:
    """A Bot API that refuses the token: getMe (PTB's first call) answers 401 Unauthorized."""
    emulator = BotApiEmulator()
    emulator.fail_next("getMe", 401, count=100)
    return emulator


@pytest.mark.parametrize("token", [TOKEN, ODD_TOKEN])
async def test_a_refused_token_is_one_line_and_exit_2(base_env, token: str) -> None:
    telegram = refusing()
    async with serve_emulator(telegram) as base_url:
        env = {**base_env, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": base_url}
        code, output = await margin_desk(env, "run")
    assert [c.status for c in telegram.calls_of("getMe")] == [401]
    assert code == 2
    assert output.strip() == REFUSED
    assert_clean(output, token)


async def test_an_unreachable_bot_api_is_one_line(base_env) -> None:
    env = {**base_env, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{free_port()}/bot"}  # fmt: skip
    code, output = await margin_desk(env, "run")
    assert code == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "margin-desk: cannot reach the Telegram Bot API at 127.0.0.1:"), output  # fmt: skip
    assert lines[0].endswith("check the network and TELEGRAM_API_BASE_URL")
    assert_clean(output, TOKEN)


async def test_a_secret_that_is_not_a_key_is_one_line_and_exit_2(base_env, paper) -> None:
    secret = "ed25519:0OIl-not-base58-but-secret-all-the-same"
    async with serve_emulator(refusing()) as base_url:
        env = {**base_env, **refused_key_env(paper, secret), "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": base_url}  # fmt: skip
        code, output = await margin_desk(env, "run")
        check_code, check_output = await margin_desk(env, "check")
    assert code == 2
    assert output.strip() == ("margin-desk: ORDERLY_SECRET is not a base58 ed25519 secret "
                              "(with or without 'ed25519:')")  # fmt: skip
    assert check_code == 1 and "[FAIL] ORDERLY_SECRET is not a base58" in check_output
    assert_clean(output + check_output, TOKEN, secret)


async def test_an_exchange_refusing_the_key_leaks_nothing_while_running(base_env, paper) -> None:
    exchange = refused_key_env(paper)
    telegram = BotApiEmulator()
    async with serve_emulator(telegram) as base_url:
        env = {**base_env, **exchange, "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": base_url, "LOG_LEVEL": "DEBUG"}  # fmt: skip
        code, output = await margin_desk(env, "run", stop_after=4.0)
    assert telegram.calls_of("getMe")  # it did reach Telegram with the token
    assert code == 0, output
    assert "-1002" in output or "refused" in output, output  # the auth failure was met, and said
    assert_clean(output, TOKEN, exchange["ORDERLY_SECRET"])


async def test_check_with_a_refused_key_fails_without_printing_the_secret(base_env, paper) -> None:
    exchange = refused_key_env(paper)
    code, output = await margin_desk({**base_env, **exchange, "TELEGRAM_BOT_TOKEN": TOKEN},
                                     "check")  # fmt: skip
    assert code == 1
    assert "[FAIL] the exchange refused the key" in output, output
    assert_clean(output, TOKEN, exchange["ORDERLY_SECRET"])
