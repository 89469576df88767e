"""`margin-desk check` against a served paper exchange, the embedded default, and broken set-ups."""

from __future__ import annotations

import dataclasses
import re
import socket
import time
from pathlib import Path

import pytest

from bot.admin.check import run_check
from bot.config import Settings
from bot.orderly.signing import generate_keypair
from bot.paper.engine import KeyRecord
from bot.paper.runner import PaperExchange
from bot.timing import DEFAULT_TIMINGS
from tests.e2e_exchange import paper

DAY_MS = 86_400_000
ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "BOT_ALLOWED_USER_IDS", "BOT_DB_PATH",
       "ORDERLY_NETWORK", "ORDERLY_ACCOUNT_ID", "ORDERLY_KEY", "ORDERLY_SECRET",
       "ORDERLY_BASE_URL", "ORDERLY_WS_PUBLIC_URL", "ORDERLY_WS_PRIVATE_URL",
       "MONITOR_POLL_SECONDS", "PAPER_START_BALANCE", "LOG_LEVEL")
QUICK = dataclasses.replace(DEFAULT_TIMINGS, read_retries=0)  # pacing would add ~1 s per retry


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment (no .env, no ORDERLY_* from outside) with a temp BOT_DB_PATH."""
    monkeypatch.chdir(tmp_path)
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "margin-desk.db"))
    monkeypatch.setenv("BOT_ALLOWED_USER_IDS", "42")
    return monkeypatch


def use_served(env: pytest.MonkeyPatch, ex: PaperExchange, key: str | None = None,
               secret: str | None = None) -> None:
    """Set the environment from the lines `margin-desk paper-exchange` prints."""
    for line in ex.credentials.credential_lines():
        name, value = line.split("=", 1)
        env.setenv(name, value)
    env.setenv("ORDERLY_NETWORK", "paper")
    env.setenv("ORDERLY_BASE_URL", ex.base_url)
    if key is not None and secret is not None:
        env.setenv("ORDERLY_KEY", key)
        env.setenv("ORDERLY_SECRET", secret)


def extra_key(ex: PaperExchange, scope: set[str], expires_in_ms: int) -> tuple[str, str]:
    """Register another key of the paper account on the engine; returns (key, secret)."""
    key, secret = generate_keypair()
    expiration = int(time.time() * 1000) + expires_in_ms
    ex.engine.add_key(KeyRecord(ex.account_id, key, frozenset(scope), expiration))
    return key, secret


async def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = await run_check(Settings(), timings=QUICK)
    return code, capsys.readouterr().out.splitlines()


def having(lines: list[str], level: str) -> list[str]:
    return [line for line in lines if line.startswith(f"[{level:>4}]")]


async def test_served_paper_exchange_passes_every_check(env, capsys) -> None:
    async with paper() as (ex, _):
        use_served(env, ex)
        code, lines = await check(capsys)
    assert code == 0, lines
    text = "\n".join(lines)
    assert not having(lines, "FAIL")
    assert "exchange reachable" in text
    assert re.search(r"\[  ok\] clock skew [+-]0\.\d{3} s", text)
    assert f"account {ex.account_id}" in text
    assert "key scope read,trading" in text
    assert "key valid until" in text and "(365 days)" in text
    assert "5 symbols: BTC, ETH, SOL, ARB, DOGE" in text
    assert "margin-desk.db opened and migrated" in text
    assert lines[-1] == "margin-desk check: all good"


async def test_embedded_default_passes(env, capsys) -> None:
    code, lines = await check(capsys)
    assert code == 0, lines
    assert any(line.startswith("[  ok] account 0x") for line in lines)
    assert any("symbols:" in line for line in lines)


async def test_testnet_without_keys_names_the_missing_variables(env, capsys) -> None:
    env.setenv("ORDERLY_NETWORK", "testnet")
    env.setenv("ORDERLY_ACCOUNT_ID", "0x" + "ab" * 32)
    code, lines = await check(capsys)
    (fail,) = having(lines, "FAIL")
    assert code == 1
    assert "ORDERLY_KEY, ORDERLY_SECRET not set" in fail and "ORDERLY_NETWORK=testnet" in fail
    assert "ORDERLY_ACCOUNT_ID" not in fail.split("not set")[0]


async def test_wrong_secret_fails_with_one_line(env, capsys) -> None:
    async with paper() as (ex, _):
        use_served(env, ex)
        env.setenv("ORDERLY_SECRET", generate_keypair()[1])
        code, lines = await check(capsys)
    (fail,) = having(lines, "FAIL")
    assert code == 1 and "ORDERLY_SECRET does not belong to ORDERLY_KEY" in fail


async def test_unreachable_base_url_fails_with_one_line(env, capsys) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with paper() as (ex, _):
        use_served(env, ex)
    env.setenv("ORDERLY_BASE_URL", f"http://127.0.0.1:{port}")
    code, lines = await check(capsys)
    (fail,) = having(lines, "FAIL")
    assert code == 1 and "exchange unreachable" in fail and "ORDERLY_BASE_URL" in fail


@pytest.mark.parametrize(
    ("scope", "expires_in", "code", "level", "says"),
    [
        ({"read", "trading"}, 5 * DAY_MS, 0, "warn", "key expires in 5 days"),
        ({"read", "trading"}, -DAY_MS, 1, "FAIL", "key has expired"),
        ({"read", "trading", "asset"}, 200 * DAY_MS, 0, "warn", "more than the bot needs"),
        ({"read"}, 200 * DAY_MS, 1, "FAIL", "key scope lacks trading"),
    ],
)
async def test_key_scope_and_expiry(env, capsys, scope, expires_in, code, level, says) -> None:
    async with paper() as (ex, _):
        use_served(env, ex, *extra_key(ex, scope, expires_in))
        result, lines = await check(capsys)
    (finding,) = having(lines, level) if level == "FAIL" else [
        line for line in having(lines, level) if "key" in line]
    assert result == code and says in finding, lines


async def test_unwritable_database_path_fails_with_one_line(env, capsys, tmp_path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    env.setenv("BOT_DB_PATH", str(blocker / "margin-desk.db"))
    async with paper() as (ex, _):
        use_served(env, ex)
        code, lines = await check(capsys)
    (fail,) = having(lines, "FAIL")
    assert code == 1 and fail.startswith(f"[FAIL] database {blocker}") and "BOT_DB_PATH" in fail
    assert any(line.startswith("[  ok] account") for line in lines)  # the rest still checked
    env.delenv("ORDERLY_BASE_URL")  # the embedded exchange would store its state there too
    code, lines = await check(capsys)
    (fail,) = having(lines, "FAIL")
    assert code == 1 and "BOT_DB_PATH" in fail
