"""The crash matrix: the real bot process is SIGKILLed at each step of a confirmed order and
margin add, restarted at once on the same database, and must then tell the truth.

Steps: `claimed` (before the intent row), `intent_recorded` (after it, nothing sent),
`in_flight` (the exchange holds the request and runs it only after the restarted bot's
start-up settlement — the reported bug), `applied` (the exchange ran it, the answer is held),
`answered` (the bot has the answer, the outcome is not recorded), `finished` (recorded, not
shown yet), `told` (the card shows the result, recorded as shown). For each: the exchange saw
at most one such write, the effect happened at most once (exactly when the write ran), the
chat gets a true final message, and no approval is left pending, executing or unknown.
Timestamp window 15 s and client timeout 2 s (BOT_TIMINGS), so "it can no longer land" is a
fact 17 s after sending instead of 310 s. The cells of one kind run side by side; first bot
starts (~1.5 s of imports each) are taken two at a time, restarts come at once.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from bot.botapi import BotApiEmulator, BotMessage
from bot.botapi.server import serve_emulator
from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from bot.paper.runner import PaperExchange
from bot.timing import Timings
from tests.e2e_crash.kit import BotProcess, Wire

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

ALICE = 1001
TOKEN = "1001:crash-matrix-token"
ETH = "PERP_ETH_USDC"
WINDOW_MS, HTTP_TIMEOUT = 15_000, 2.0  # the restart must come well inside the window
LIFETIME = WINDOW_MS / 1000 + HTTP_TIMEOUT
BOT_TIMINGS = (f"http_timeout={HTTP_TIMEOUT},max_clock_skew_ms={WINDOW_MS},settle_interval=0.3,"
               "read_retries=1,retry_base_delay=0.05")  # fmt: skip
WAIT = 30.0  # a bot start on a busy 2-core machine, with room to spare
SETTLED = "ℹ️ An earlier action whose outcome was unknown has been checked: "
CHECKING = "⏳ After a restart, "
UNREPORTED = "ℹ️ The bot restarted before showing this result: "
PAUSED = ("claimed", "intent_recorded", "answered", "finished")  # TEST_PAUSE_AT, in the bot
STEPS = ("claimed", "intent_recorded", "in_flight", "applied", "answered", "finished", "told")
SENT = ("in_flight", "applied", "answered", "finished", "told")  # the write reached it


@dataclass(frozen=True)
class Kind:
    name: str
    command: str
    write: tuple[str, str]
    applied: str  # regex of the settled text when it applied
    not_applied: str  # exact settled text when it never ran
    recorded: str  # regex of the text of a recorded outcome never shown


ORDER = Kind(
    "order", "/buy eth 0.5 isolated", ("POST", "/v1/order"),
    r"the order BUY 0\.5 ETH \(isolated\) was placed \(id \d+, filled at 2500\)\.",
    "the order BUY 0.5 ETH (isolated) never reached the exchange; nothing was placed.",
    r"the order BUY 0\.5 ETH \(isolated\) was placed \(id \d+\)\.",
)
MARGIN = Kind(
    "margin", "/margin add eth 50", ("POST", "/v1/position_margin"),
    r"the margin add of 50 USDC to ETH isolated applied: margin 250\.00 → 300\.00 USDC, "
    r"est\. liq now \d+\.\d{2}\.",
    "the margin add of 50 USDC to ETH isolated did not apply: margin still 250.00 USDC; "
    "nothing was resent.",
    r"the margin add of 50 USDC to ETH isolated applied\.",
)


def _env(exchange: PaperExchange, telegram: str, db: Path, pause: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERLY_", "TELEGRAM_",
                                                                       "BOT_", "TEST_"))}
    env.update(dict(line.split("=", 1) for line in exchange.credentials.credential_lines()))
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram,
        "BOT_ALLOWED_USER_IDS": str(ALICE),
        "BOT_DB_PATH": str(db),
        "ORDERLY_NETWORK": "paper",
        "ORDERLY_BASE_URL": exchange.base_url,
        "ORDERLY_WS_PUBLIC_URL": "off",
        "ORDERLY_WS_PRIVATE_URL": "off",
        "MONITOR_POLL_SECONDS": "60",
        "BOT_TIMINGS": BOT_TIMINGS,
        "LOG_LEVEL": "WARNING",
    })  # fmt: skip
    if pause is not None:
        env["TEST_PAUSE_AT"] = pause
    return env


def _open_long(exchange: PaperExchange) -> None:
    """LONG 1 ETH isolated at 2,500, 10x: margin 250 (placed on the engine, not over HTTP)."""
    exchange.set_price(ETH, Decimal(2500))
    exchange.engine.create_order(exchange.account_id, OrderRequest(
        ETH, Side.BUY, OrderType.MARKET, Decimal(1), MarginMode.ISOLATED))  # fmt: skip
    exchange.engine.drain_events()


def _workdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _reported(db: Path) -> bool:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return bool(conn.execute(
            "SELECT 1 FROM approvals WHERE reported_at IS NOT NULL").fetchall())  # fmt: skip


async def _until_reported(db: Path) -> None:
    """Until the bot has recorded that the card's result was shown (polls the file)."""
    for _ in range(int(WAIT / 0.02)):
        if _reported(db):
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("the shown result was never recorded")


def _unsettled(db: Path) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [s for (s,) in conn.execute("SELECT state FROM approvals")]


async def _text(emulator: BotApiEmulator, since: int, prefix: str, timeout: float) -> str:  # noqa: ASYNC109
    message = await emulator.wait_for_message(
        ALICE, lambda m: m.text.startswith(prefix), timeout, since=since)
    return message.text[len(prefix):]


async def _start(env: dict[str, str], cwd: Path, starting: asyncio.Semaphore,
                 ready: asyncio.Event) -> BotProcess:
    """Start a bot; the next start waits until this one is ready (or 10 s have passed)."""
    await starting.acquire()
    bot = await BotProcess(env, cwd).start()

    async def done() -> None:
        try:
            async with asyncio.timeout(10):
                await ready.wait()
        except TimeoutError:
            pass
        finally:
            starting.release()

    _background.add(task := asyncio.create_task(done()))
    task.add_done_callback(_background.discard)
    return bot


_background: set[asyncio.Task[None]] = set()


async def _crash(kind: Kind, step: str, tmp: Path, starting: asyncio.Semaphore) -> None:
    """One cell of the matrix; raises AssertionError naming it when the truth is not told."""
    emulator = BotApiEmulator()
    exchange = PaperExchange(None, simulate_market=False, seed=7,
                             timings=Timings(max_clock_skew_ms=WINDOW_MS))  # fmt: skip
    wire = Wire(exchange.app)
    exchange.app = wire  # type: ignore[assignment]
    db = _workdir(tmp) / "data" / "margin-desk.db"  # not ./bot: `python -m bot` imports it
    first: BotProcess | None = None
    second: BotProcess | None = None
    async with exchange, serve_emulator(emulator) as telegram:
        _open_long(exchange)
        try:
            up = asyncio.Event()
            first = await _start(_env(exchange, telegram, db, step if step in PAUSED else None),
                                 tmp, starting, up)  # fmt: skip
            since = emulator.mark()
            emulator.push_text(ALICE, ALICE, kind.command)
            card = await emulator.wait_for_message(ALICE, timeout=WAIT, since=since)
            up.set()
            gate = None
            if step == "in_flight":
                gate = wire.hold_before(kind.write)
            elif step == "applied":
                gate = wire.hold_answer(kind.write)
            since = emulator.mark()
            emulator.press(ALICE, ALICE, card.message_id, _confirm(card))
            async with asyncio.timeout(WAIT):
                if step in PAUSED:
                    await first.paused(WAIT)
                elif step == "in_flight":
                    await wire.arrived.wait()
                elif step == "applied":
                    await wire.applied.wait()
                else:
                    await emulator.wait_for_message(
                        ALICE, lambda m: m.message_id == card.message_id and "✅" in m.text,
                        WAIT, since=since)
                    await _until_reported(db)
            await first.kill()
            if step == "applied" and gate is not None:
                gate.set()  # the answer goes to a dead process
            since = emulator.mark()
            # restarted at once (not queued behind other cells' first starts)
            second = await BotProcess(_env(exchange, telegram, db, None), tmp).start()
            if step in ("intent_recorded", "in_flight"):
                # start-up settlement must not conclude anything while the request may land
                checking = await _text(emulator, since, CHECKING, WAIT)
                assert "is being checked with the exchange; it was not resent." in checking
                if gate is not None:
                    gate.set()  # ... and here it lands, after start-up settlement
            if step in ("finished", "told"):  # the press recorded its own outcome
                if step == "finished":  # ... but the chat never saw it: told at start-up
                    final = await _text(emulator, since, UNREPORTED, WAIT)
                    assert re.fullmatch(kind.recorded, final), final
                history = await _history(emulator)
                assert "afterwards" not in history and "✅" in history, history
                told = [m.text for m in _since(emulator, since)
                        if m.text.startswith((SETTLED, CHECKING, UNREPORTED))]
                assert len(told) == (1 if step == "finished" else 0), told
            else:
                final = await _text(emulator, since, SETTLED, LIFETIME + WAIT)
                if step == "claimed":
                    assert final == "was interrupted before anything was sent; nothing changed."
                elif step in SENT:
                    assert re.fullmatch(kind.applied, final), final
                else:
                    assert final == kind.not_applied
                history = await _history(emulator)  # /history tells the same story
                assert ("✅" if step in SENT else "❌") in history, history
                assert ("confirmed afterwards" if step in SENT
                        else "found not done afterwards") in history, history
            assert wire.count(*kind.write) == (1 if step in SENT else 0)  # never resent
            _assert_effect(exchange, kind, applied=step in SENT)
        except (AssertionError, TimeoutError) as exc:
            said = [m.text for m in _since(emulator, 0)]
            logs = [*(first.lines if first else []), *(second.lines if second else [])]
            raise AssertionError(f"{exc!r}\nchat: {said}\nbot stderr: {logs[-20:]}") from exc
        finally:
            wire.release()
            for bot in (first, second):
                if bot is not None:
                    await bot.stop()
    states = _unsettled(db)
    assert len(states) == 1 and states[0] in ("done", "failed"), states  # nothing left open
    assert states[0] == ("done" if step in SENT else "failed")


def _confirm(card: BotMessage) -> str:
    data = card.button("Confirm").callback_data
    assert data is not None, card.text
    return data


def _since(emulator: BotApiEmulator, since: int) -> list[BotMessage]:
    return [e.message for e in emulator.events[since:]
            if e.chat_id == ALICE and e.message is not None]


async def _history(emulator: BotApiEmulator) -> str:
    since = emulator.mark()
    emulator.push_text(ALICE, ALICE, "/history")
    reply = await emulator.wait_for_message(
        ALICE, lambda m: m.text.startswith(("Recent actions", "No actions")), WAIT, since=since)
    return reply.text


def _assert_effect(exchange: PaperExchange, kind: Kind, *, applied: bool) -> None:
    position = exchange.engine.position(exchange.account_id, ETH, MarginMode.ISOLATED)
    assert position is not None
    if kind is ORDER:
        assert position.position_qty == (Decimal("1.5") if applied else Decimal(1))
    else:
        assert position.position_qty == Decimal(1)
        assert position.margin == (Decimal(300) if applied else Decimal(250))


async def _matrix(kind: Kind, tmp: Path) -> None:
    starting = asyncio.Semaphore(2)
    results = await asyncio.gather(
        *(_crash(kind, step, tmp / step, starting) for step in STEPS), return_exceptions=True)
    failed = {step: r for step, r in zip(STEPS, results, strict=True) if r is not None}
    assert not failed, "\n".join(f"{kind.name} killed at {s}: {r!r}" for s, r in failed.items())


async def test_an_order_killed_at_every_step_is_never_resent_and_settled_truly(
    tmp_path: Path,
) -> None:
    await _matrix(ORDER, tmp_path)


async def test_a_margin_add_killed_at_every_step_is_never_resent_and_settled_truly(
    tmp_path: Path,
) -> None:
    await _matrix(MARGIN, tmp_path)
