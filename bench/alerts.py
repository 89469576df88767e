"""Alert benchmarks: evaluation and persistence per mark update, start-up, another chat's reply
latency during a crossing storm on a locked database, alert latency, delivery time, memory.

    .venv/bin/python bench/alerts.py [--quick]

No network: SQLite in a temporary directory, the Bot API emulator in process. Prints a table
with each target beside the figure. One "update" is one `markprices` push carrying all 20
symbols (Orderly sends it every second).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.domain.models import MarginMode, MarketInfo, MarkPrice, Position
from bot.orderly.stream import MarkPricesEvent, PositionsEvent
from bot.services.monitor.alert_events import AlertEvent, Batch
from bot.services.monitor.monitor import Monitor
from bot.timing import FakeClock, OffsetClock
from storage.chats import ChatStore
from storage.db import open_database
from storage.thresholds import ThresholdStore
from storage.worker import Storage

D = Decimal
SYMBOLS = 20
ROWS: list[tuple[str, str, str]] = []  # (measure, figure, target)


def market(symbol: str) -> MarketInfo:
    return MarketInfo(symbol, D(0), D(10**7), D("0.01"), D("0.001"), D(10**4), D("0.001"), D(10),
                      D("0.03"), D("0.01"), D("0.006"), D("0.0000001724"))  # fmt: skip


def position(symbol: str, liq: Decimal, is_long: bool) -> Position:
    qty = D(1) if is_long else D(-1)
    mark = mark_at(liq, D("0.2"), is_long)
    return Position(symbol, MarginMode.ISOLATED, qty, qty * mark, mark, mark, liq, D(0), D(0),
                    D("0.1"), D("0.006"), 10, D(200))  # fmt: skip


def mark_at(liq: Decimal, distance: Decimal, is_long: bool) -> Decimal:
    """The mark at which the position sits `distance` from liquidation."""
    return liq / (1 - distance) if is_long else liq / (1 + distance)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def symbols() -> list[str]:
    return [f"PERP_S{k:02d}_USDC" for k in range(SYMBOLS)]


Limits = tuple[Decimal, Decimal] | None


def seed(db: Any, chats: int, per_watch: Callable[[int, int], Limits]) -> None:
    """Register chats; give each (chat, symbol) its thresholds (None = off for that symbol)."""
    chat_store, limits = ChatStore(db), ThresholdStore(db)
    with db.atomic():
        for c in range(chats):
            chat_store.register(1000 + c, c, 0.0)
            for k, s in enumerate(symbols()):
                t = per_watch(c, k)
                if t is None:
                    limits.set_enabled(1000 + c, s, False)
                else:
                    limits.set_symbol(1000 + c, s, *t)


async def noop(batch: Batch) -> None:
    return None


# ---- (1) evaluation cost per update, start-up, and (4) memory ------------------------------


def thresholds_spread(c: int, k: int) -> Limits:
    """Warning thresholds 3.00 % … 7.95 % spread over (chat, symbol): 1 % sit at each step."""
    warn = D("3") + D((c + 7 * k) % 100) * D("0.05")
    return warn, warn / 2


# distance of a crossing update: every watch whose warning line is at or above it crosses
CROSSING = {"0 %": None, "1 %": D("0.0792"), "10 %": D("0.0747")}


class LoopWatch:
    """Measures the longest the event loop went without running a 1 ms ticker (a stall)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopWatch:
        async def tick() -> None:
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                self.longest = max(self.longest, now - last)
                last = now

        self._task = asyncio.create_task(tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def built(n: int, tmp: Path, name: str, sink: Any = None, storage: Storage | None = None
                ) -> tuple[Monitor, Storage, Any]:  # fmt: skip
    """A storage seeded with n // 20 chats and a monitor over it that has taken its first look
    at 20 positions (n watches); returns it with (start-up seconds, longest loop stall)."""
    chats = n // SYMBOLS
    storage = storage or Storage.open(tmp / f"{name}.db")
    seed(storage.db, chats, thresholds_spread)
    clock = FakeClock()
    async with LoopWatch() as loop:
        started = time.perf_counter()
        monitor = Monitor(storage, sink or noop, clock=clock,
                          markets=[market(s) for s in symbols()])
        await monitor.start()
        await monitor.on_stream_event(PositionsEvent(tuple(
            position(s, LIQS[s], SIDES[s]) for s in symbols())))  # fmt: skip
        looked = time.perf_counter() - started
        await monitor.saver.flush()
        saved = time.perf_counter() - started
    assert monitor.watched_count() == n, monitor.watched_count()
    return monitor, storage, (clock, looked, saved, loop.longest)


LIQS = {s: D(1000 + 37 * k) for k, s in enumerate(symbols())}
SIDES = {s: k % 2 == 0 for k, s in enumerate(symbols())}


def update(distance: Decimal) -> MarkPricesEvent:
    """One markprices push: every symbol's mark at `distance` from its positions' liq."""
    return MarkPricesEvent(tuple(MarkPrice(s, mark_at(LIQS[s], distance, SIDES[s]), 0)
                                 for s in symbols()))  # fmt: skip


def updates(share: str, count: int, rng: random.Random) -> list[MarkPricesEvent]:
    """Quiet updates (18-22 % from liq), or ones alternating 20 % / the crossing distance, so
    each moves `share` of the watches across their warning line and back."""
    low = CROSSING[share]
    if low is None:
        return [update(D(rng.randint(1800, 2200)) / 10000) for _ in range(count)]
    return [update(D("0.2") if i % 2 else low) for i in range(count)]


async def memory(n: int, tmp: Path) -> None:
    gc.collect()
    tracemalloc.start()
    _, storage, _ = await built(n, tmp, f"memory{n}")
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    storage.close()
    ROWS.append((f"memory, {n:,} watched (Python heap, tracemalloc)",
                 f"{current / 2**20:.0f} MiB held, {peak / 2**20:.0f} MiB peak", "report"))


async def cost(n: int, tmp: Path, samples: int) -> None:
    monitor, storage, (clock, looked, saved, stall) = await built(n, tmp, f"cost{n}")
    ROWS.append((f"start-up to the first full look, {n:,} watched",
                 f"{looked:.2f} s (its states saved by {saved:.2f} s); longest the event loop "
                 f"waited meanwhile: {stall * 1000:.0f} ms", "never blocks replies"))  # fmt: skip
    writer_ns = [0]
    write = monitor.saver._write

    def timed_write(*args: Any) -> None:  # on the writer thread: the persistence share
        t0 = time.perf_counter_ns()
        write(*args)
        writer_ns[0] += time.perf_counter_ns() - t0

    monitor.saver._write = timed_write  # type: ignore[method-assign]
    watches = monitor._watches
    rng = random.Random(n)
    await run_updates(monitor, clock, updates("0 %", 20, rng))  # warm-up
    for share, target in (("0 %", "≤ 1 ms at 100k"), ("1 %", "≤ 10 ms at 100k"),
                          ("10 %", "≤ 100 ms at 100k")):
        events = updates(share, samples if share == "0 %" else max(20, samples // 2), rng)
        before, writer_ns[0] = watches.evaluations, 0
        times = await run_updates(monitor, clock, events)
        await monitor.saver.flush()
        evals = (watches.evaluations - before) / len(events)
        saving = writer_ns[0] / 1000 / len(events)
        ROWS.append((f"update, {n:,} watched, {share} cross",
                     f"median {fmt_us(statistics.median(times))}, p99 {fmt_us(pct(times, 0.99))}"
                     f" on the loop ({evals:.0f} evaluated); + {fmt_us(saving)} saving on the "
                     f"writer thread", target))  # fmt: skip
    storage.close()


def fmt_us(us: float) -> str:
    return f"{us:.0f} µs" if us < 10_000 else f"{us / 1000:.1f} ms"


async def run_updates(monitor: Monitor, clock: FakeClock, events: list[MarkPricesEvent]
                      ) -> list[float]:  # fmt: skip
    """µs per update, as the event loop spends it. Persistence runs on the writer thread; it is
    let finish before the next update (Orderly pushes marks once a second), so the figure is the
    evaluation's own and the writer's time is measured apart."""
    times = []
    gc.collect()  # start from a settled heap; a full collection of 100k watches takes ms
    for ev in events:
        clock.advance(1.0)
        t0 = time.perf_counter_ns()
        await monitor.on_stream_event(ev)
        times.append((time.perf_counter_ns() - t0) / 1000)
        await monitor.saver.flush()
    return times


# ---- (5) another chat's reply latency during a crossing storm on a locked database -----------


async def storm(n: int, tmp: Path, samples: int, cadence: float | None) -> None:
    """The real bot (PTB over the emulator, the paper exchange) sharing its storage with a
    monitor of n watches. An allowed user in a chat of their own sends /limits (it reads the
    database) one at a time; latency from the update to the reply's sendMessage. Idle first,
    then while 10 %-crossing updates come every `cadence` seconds (Orderly pushes marks once
    a second) or, with None, back to back (the loop always has evaluation to do), and another
    connection holds the database's write lock (every write waits)."""
    from pydantic import SecretStr

    from bot.app import BotRuntime
    from bot.botapi import BotApiEmulator, ptb_requests
    from bot.config import Network, Settings
    from bot.orderly.client import OrderlyClient
    from bot.paper.runner import PaperExchange
    from bot.wiring import ExchangeLink

    owner, token = 42, "4242:bench-token"
    path = tmp / "storm.db"
    storage = Storage.open(path)
    monitor, storage, (clock, *_) = await built(n, tmp, "storm", storage=storage)
    settings = Settings(_env_file=None, telegram_bot_token=SecretStr(token),  # type: ignore[call-arg]
                        bot_allowed_user_ids=frozenset({owner}), bot_db_path=path,
                        orderly_ws_public_url="off", orderly_ws_private_url="off")  # fmt: skip
    emulator = BotApiEmulator()
    async with PaperExchange(tmp / "paper", simulate_market=False) as paper, OrderlyClient(
            paper.base_url, paper.credentials.signer()) as client:  # fmt: skip
        link = ExchangeLink(Network.PAPER, client, paper.credentials.signer(), None, None, paper)
        runtime = BotRuntime(settings, link, storage, token=token,
                             requests=ptb_requests(emulator), watch=False)  # fmt: skip
        await runtime.start(poll_timeout=1)

        async def reply_ms() -> float:
            since = emulator.mark()
            emulator.push_text(owner, owner, "/limits")
            t0 = time.perf_counter()
            await emulator.wait_for_message(owner, since=since, timeout=30.0)
            return (time.perf_counter() - t0) * 1000

        async def rounds() -> list[float]:
            out = []
            for _ in range(samples):
                out.append(await reply_ms())
                await asyncio.sleep(1.05)  # past the notifier's 1 message/s per chat
            return out

        await reply_ms()  # warm-up
        await asyncio.sleep(1.05)
        idle = await rounds()
        running, count = True, [0]

        async def crossing() -> None:
            rng = random.Random(5)
            while running:
                for ev in updates("10 %", 2, rng):
                    clock.advance(1.0)
                    due = time.perf_counter() + (cadence or 0.0)
                    await monitor.on_stream_event(ev)
                    count[0] += 1
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))

        holder = sqlite3.connect(path, isolation_level=None, timeout=0)
        holder.execute("BEGIN EXCLUSIVE")  # every write of the bot now waits for this lock
        task = asyncio.create_task(crossing())
        started = time.perf_counter()
        try:
            busy = await rounds()
        finally:
            running = False
            await task
            holder.execute("ROLLBACK")
            holder.close()
        took = time.perf_counter() - started
        await monitor.saver.flush()
        await runtime.stop()
    storage.close()
    ratio = statistics.median(busy) / statistics.median(idle)
    p90 = pct(busy, 0.9) / pct(idle, 0.9)
    pace = "back to back" if cadence is None else f"one per {cadence:g} s"
    ROWS.append((f"reply in another chat (/limits), {n:,} watched: idle vs 10 % crossing "
                 f"updates {pace}, database locked",
                 f"median {statistics.median(idle):.1f} → {statistics.median(busy):.1f} ms = "
                 f"{ratio:.2f} ×, p90 {pct(idle, 0.9):.1f} → {pct(busy, 0.9):.1f} ms = {p90:.2f} ×"
                 f" ({count[0] / took:.1f} updates/s)", "≤ 2 ×"))  # fmt: skip


# ---- (2) latency from a mark update to sendMessage at the (emulated) Bot API -----------------


async def latency(tmp: Path, trials: int) -> None:
    from telegram import Bot

    from bot.botapi import BotApiEmulator, ptb_request
    from bot.services.delivery.notifier import Notifier, Priority
    from bot.timing import SystemClock

    chats = 40  # chat c watches symbol c only, so each chat gets a message every 40 trials
    names = [f"PERP_L{k:02d}_USDC" for k in range(chats)]
    db = open_database(tmp / "latency.db")
    with db.atomic():
        for c in range(chats):
            ChatStore(db).register(1000 + c, c, 0.0)
            for k, s in enumerate(names):
                if k != c:
                    ThresholdStore(db).set_enabled(1000 + c, s, False)
    emulator = BotApiEmulator()
    bot = Bot("123456:BENCH-token", request=ptb_request(emulator))
    await bot.initialize()
    notifier = Notifier(bot, clock=SystemClock())
    await notifier.start()
    arrived: dict[int, float] = {}
    waiting: dict[int, asyncio.Event] = {}

    def on_send(ev: Any) -> None:
        if ev.method == "sendMessage":
            arrived[ev.chat_id] = time.perf_counter()
            waiting.setdefault(ev.chat_id, asyncio.Event()).set()

    emulator.on_send(on_send)

    async def sink(batch: Batch) -> None:
        for e in batch:
            if isinstance(e, AlertEvent) and e.urgent:
                text = f"<b>CRITICAL</b> {e.position.symbol}: {e.distance:.2%} from liquidation"
                await notifier.send(e.chat_id, text, priority=Priority.CRITICAL,
                                    coalesce_key=e.position.symbol)  # fmt: skip

    clock = OffsetClock()
    storage = Storage(db)
    monitor = Monitor(storage, sink, clock=clock, markets=[market(s) for s in names])
    await monitor.start()
    liq = D(1000)
    await monitor.on_stream_event(PositionsEvent(tuple(position(s, liq, True) for s in names)))
    safe = mark_at(liq, D("0.2"), True)
    await monitor.on_stream_event(MarkPricesEvent(tuple(MarkPrice(s, safe, 0) for s in names)))
    lat: list[float] = []
    missed = 0
    for i in range(trials):
        c, started = i % chats, time.perf_counter()
        symbol, chat = names[c], 1000 + c
        waiting[chat] = asyncio.Event()
        t0 = time.perf_counter()
        await monitor.on_stream_event(MarkPricesEvent((MarkPrice(symbol, D(1010), 0),)))
        try:
            await asyncio.wait_for(waiting[chat].wait(), 2.0)
            lat.append((arrived[chat] - t0) * 1000)
        except TimeoutError:
            missed += 1
        for _ in range(2):  # re-arm: above the lines, held 60 s on fresh marks
            await monitor.on_stream_event(MarkPricesEvent((MarkPrice(symbol, safe, 0),)))
            clock.offset += 61
            await monitor.on_stream_event(MarkPricesEvent((MarkPrice(symbol, safe, 0),)))
            await monitor.tick()
        await asyncio.sleep(max(0.0, 0.04 - (time.perf_counter() - started)))  # ≤ 25 sends/s
    await notifier.stop()
    await bot.shutdown()
    ROWS.append((f"mark update -> sendMessage, {len(lat)} critical alerts",
                 f"p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms"
                 + (f", {missed} missed" if missed else ""), "p99 ≤ 50 ms"))  # fmt: skip
    await monitor.saver.flush()
    storage.close()  # its writer thread first: a connection closed under it would crash


# ---- (3) 1,000 alerts to 1,000 chats against Telegram's ~30/s, in simulated time -------------


async def delivery(tmp: Path, total: int = 1000) -> None:
    from bot.services.delivery.notifier import Notifier, Priority

    db = open_database(tmp / "delivery.db")
    # 30 % of chats use 5 % / 4 %: at 3 % from liq they are critical, the others warned.
    seed(db, total // SYMBOLS, lambda c, k: (D(5), D(4)) if (c * SYMBOLS + k) % 10 < 3
         else (D(5), D("2.5")))  # fmt: skip
    events: list[AlertEvent] = []

    async def collect(batch: Batch) -> None:
        events.extend(e for e in batch if isinstance(e, AlertEvent))

    mclock = FakeClock()
    names = symbols()
    storage = Storage(db)
    monitor = Monitor(storage, collect, clock=mclock, markets=[market(s) for s in names])
    await monitor.start()
    liq = D(1000)
    await monitor.on_stream_event(PositionsEvent(tuple(position(s, liq, True) for s in names)))
    for d in ("0.2", "0.03", "0.03"):
        mclock.advance(1.0)
        await monitor.on_stream_event(MarkPricesEvent(tuple(
            MarkPrice(s, mark_at(liq, D(d), True), 0) for s in names)))  # fmt: skip
    mclock.advance(6.0)
    await monitor.tick()
    # The monitor raised one alert per watch (50 chats × 20 positions); deliver each to its own
    # chat so that 1,000 chats each get one, queued at once in random order.
    assert len(events) == total, len(events)
    alerts = events
    chats = list(range(total))
    random.Random(3).shuffle(chats)

    clock = FakeClock()

    async def sleep(seconds: float) -> None:
        clock.advance(max(seconds, 0.0))
        await asyncio.sleep(0)

    sent: list[tuple[float, bool]] = []

    class FakeBot:
        async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
            sent.append((clock.monotonic(), text.startswith("C")))
            return type("M", (), {"message_id": len(sent)})()

    notifier = Notifier(FakeBot(), clock=clock, sleep=sleep)
    start = clock.monotonic()
    for i in chats:  # all queued at once, in random order
        a = alerts[i]
        urgent = a.urgent
        await notifier.send(5000 + i, ("C" if urgent else "W") + f" {a.position.symbol}",
                            priority=Priority.CRITICAL if urgent else Priority.WARNING)  # fmt: skip
    await notifier.start()
    await notifier.stop(drain=True)
    took = max(t for t, _ in sent) - start
    floor = total / 30
    flags = [c for _, c in sent]
    ordered = flags == sorted(flags, reverse=True)
    ROWS.append((f"deliver {total:,} alerts to {total:,} chats ({sum(flags)} critical)",
                 f"{took:.1f} s simulated = {took / floor:.2f} × floor ({floor:.1f} s); "
                 f"criticals first: {'yes' if ordered else 'NO'}", "≤ 1.10 × floor"))  # fmt: skip
    await monitor.saver.flush()
    storage.close()  # its writer thread first: a connection closed under it would crash


async def main(quick: bool) -> None:
    logging.getLogger().addHandler(logging.NullHandler())  # "locked, retrying" is expected here
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for n in sizes:
            print(f"… {n:,} watched", file=sys.stderr, flush=True)
            await cost(n, tmp, samples=100 if n == 100_000 else 200)
        print("… reply latency during a storm", file=sys.stderr, flush=True)
        for cadence in (1.0, None):
            await storm(sizes[-1], tmp, 10 if quick else 20, cadence)
        print("… memory", file=sys.stderr, flush=True)
        await memory(sizes[-1], tmp)
        print("… latency", file=sys.stderr, flush=True)
        await latency(tmp, 60 if quick else 200)
        print("… delivery", file=sys.stderr, flush=True)
        await delivery(tmp)
    width = max(len(r[0]) for r in ROWS)
    fig = max(len(r[1]) for r in ROWS)
    print(f"{'measure':<{width}}  {'figure':<{fig}}  target")
    for name, figure, target in ROWS:
        print(f"{name:<{width}}  {figure:<{fig}}  {target}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 100k; fewer latency trials")
    asyncio.run(main(parser.parse_args().quick))
