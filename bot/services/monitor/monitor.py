"""The liquidation monitor: watches every isolated position for every chat and emits alert events.

    monitor = Monitor(db, sink, client=link.client, clock=clock, websocket=link.ws_public_url
                      is not None, poll_seconds=settings.monitor_poll_seconds)  # fmt: skip
    task = asyncio.create_task(monitor.run(link.ws_public_url, link.ws_private_url, link.signer))

Watched: every (chat, isolated position) where the chat started the bot, has alerts on, and has
the symbol enabled. Inputs are pushes (`on_stream_event`), REST reads (`poll_once`) and timers
(`tick`); each evaluates only the watches whose state can change (watch_index), persists the
states that changed, and hands decisions to the sink grouped per chat (alert_events.Grouper).

The event loop is never held for long: inputs are taken one at a time (a lock), and a long
round — the first look at start-up, a mark update that many positions cross — yields to the
loop once it has run for SLICE seconds, so replies and other chats' alerts interleave. SQLite never
runs here: states load on the storage's reader thread and are saved by the StateSaver.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from bot.domain import alert_policy
from bot.domain.alert_policy import Observation, PolicyState, Thresholds
from bot.domain.models import (
    Liquidation,
    MarginMode,
    MarketInfo,
    Position,
    PositionsSnapshot,
    Ticker,
)
from bot.orderly.stream import (
    ConnectionEvent,
    ConnectionState,
    LiquidationEvent,
    MarkPricesEvent,
    OrderlyStream,
    PositionsEvent,
    StreamEvent,
)
from bot.services.monitor.alert_events import GROUP_WINDOW, Batch, Grouper, Sink
from bot.services.monitor.feed_health import FeedHealth
from bot.services.monitor.liq_book import LiqBook, PosKey
from bot.services.monitor.state_saver import StateSaver
from bot.services.monitor.watch_index import WatchIndex
from bot.services.monitor.watch_set import WatchSet
from bot.timing import DEFAULT_TIMINGS, Clock, Timings
from storage.worker import Storage

log = logging.getLogger(__name__)
ISOLATED = MarginMode.ISOLATED
MARK_TOPICS = ("markprices",)
PRIVATE_TOPICS = ("position", "liquidationsaccount", "executionreport", "algoexecutionreport")
WatchView = tuple[Position, Decimal | None, PolicyState, Thresholds]
SLICE = 0.001  # seconds of evaluation between two yields to the event loop
YIELD_EVERY = 200  # watches bound between two yields while a new position is bound
SAVE_GRACE = 5.0  # seconds a stopping monitor waits for its last alert states to be written
BIG_BOOK = 10_000  # new watches in one positions update: a big first look (hold_collector)


def hold_collector() -> bool:
    """Hold Python's cyclic collector while a big book is built and first saved: building 100k
    watches set off full collections of everything so far, each stalling the loop (and the
    writer thread) up to ~150 ms. False if it was not running (then there is nothing to undo)."""
    if not gc.isenabled():
        return False
    gc.disable()
    return True


def release_collector() -> None:
    """Freeze the long-lived book out of later full collections, then collect again."""
    gc.freeze()
    gc.enable()


class RestFeed(Protocol):
    """The REST calls the monitor needs (OrderlyClient has them)."""

    async def get_positions(self) -> PositionsSnapshot: ...
    async def get_tickers(self) -> list[Ticker]: ...
    async def get_markets(self) -> list[MarketInfo]: ...


class Monitor:
    """Decides, per chat and isolated position, when to alert; emits events to an async sink."""

    def __init__(
        self, storage: Storage, sink: Sink, *, clock: Clock, client: RestFeed | None = None,
        timings: Timings = DEFAULT_TIMINGS, poll_seconds: float = 5.0, websocket: bool = True,
        markets: Iterable[MarketInfo] = (),
        policy: Any = alert_policy,  # anything with evaluate / quiet_band / next_deadline
        group_window: float = GROUP_WINDOW,
    ) -> None:  # fmt: skip
        self._sink, self._clock, self._client, self._timings = sink, clock, client, timings
        self._book = LiqBook({m.symbol: m for m in markets})
        self._index = WatchIndex()
        self._db = storage
        self._watches = WatchSet(storage, self._book, self._index, policy)
        self._feed = FeedHealth(timings, poll_seconds, websocket, clock.monotonic())
        self._grouper = Grouper(group_window)
        self._pushes = 0  # position pushes seen: a REST answer that raced one is dropped
        self._wake = asyncio.Event()
        self._turn = asyncio.Lock()  # one input at a time, even across yields
        self._tasks: set[asyncio.Task[None]] = set()
        self._yielded_at = 0.0
        self._started = False
        # Other features that follow the same private stream (fill notices): each gets every
        # private push and connection change after the monitor has taken it.
        self.private_listeners: list[Callable[[StreamEvent], Awaitable[None]]] = []
        # Every fresh mark (symbol, price, epoch seconds), pushed or polled: the chart history.
        self.mark_listeners: list[Callable[[str, Decimal, float], None]] = []

    # ---- what /status and /alert read ---------------------------------------------------------

    def feed_age(self) -> float | None:
        """Seconds since the last fresh mark price; None before the first."""
        return self._feed.age(self._clock.monotonic())

    def watched_count(self) -> int:
        """How many (chat, isolated position) pairs are watched."""
        return len(self._watches)

    def snapshot(self, chat_id: int) -> list[WatchView]:
        """This chat's watched positions (with the monitor's mark and liq price), by symbol."""
        return [(self._book.view(w.pos), self._book.distance(w.pos), w.state, w.thresholds)
                for w in self._watches.of_chat(chat_id)]  # fmt: skip

    # ---- inputs -------------------------------------------------------------------------------

    @property
    def saver(self) -> StateSaver:
        """The StateSaver of the alert states (flush it to wait for what was decided so far)."""
        return self._watches.saver

    async def start(self) -> None:
        """Load chats, thresholds and stored alert states; read markets and positions over REST."""
        self._watches.load(await self._db.read(self._watches.read_all, self._db.reader))
        self._started = True
        if self._client is not None:
            markets = None if self._book.markets else await self._read(self._client.get_markets)
            self._book.markets.update({m.symbol: m for m in markets or ()})
            await self.poll_once()

    async def on_stream_event(self, event: StreamEvent, *, private: bool = False) -> None:
        """Take one push from a stream (marks, positions, liquidations, connection changes)."""
        async with self._turn:
            await self._on_event(event, private)

    async def _on_event(self, event: StreamEvent, private: bool) -> None:
        now, now_m = self._clock.time(), self._clock.monotonic()
        if isinstance(event, MarkPricesEvent):
            self._feed.last_push_at = now_m
            for mp in event.prices:
                await self._on_mark(mp.symbol, mp.price, now, now_m)
        elif isinstance(event, PositionsEvent):
            self._pushes += 1
            await self._apply_positions(event.positions, now)
        elif isinstance(event, LiquidationEvent):
            self._pushes += 1
            for liq in event.liquidations:
                if liq.margin_mode is ISOLATED:
                    self._end((liq.symbol, ISOLATED), now, liquidated=True, liquidation=liq)
        elif isinstance(event, ConnectionEvent) and private:
            up = event.state is ConnectionState.CONNECTED
            if up and self._feed.private_up is not True:
                self._feed.positions_wanted = True  # pushes may have been missed meanwhile
            self._feed.private_up = up
        await self._drain()

    async def poll_once(self, *, marks: bool = True, positions: bool = True) -> None:
        """Read marks and funding and/or positions over REST, and take them like pushes."""
        async with self._turn:
            await self._poll(marks, positions)

    async def _poll(self, marks: bool, positions: bool) -> None:
        if self._client is None:
            return
        started = self._feed.last_poll_at = self._clock.monotonic()
        pushes, push_at = self._pushes, self._feed.last_push_at
        self._turn.release()  # the reads take a while: pushes may be taken meanwhile
        try:
            tickers = await self._read(self._client.get_tickers) if marks else None
            snap = await self._read(self._client.get_positions) if positions else None
        finally:
            await self._turn.acquire()
        now, now_m = self._clock.time(), self._clock.monotonic()
        if tickers is not None:
            self._feed.last_funding_at = started
            await self._apply_funding(tickers, now)
            if self._feed.last_push_at == push_at:  # else the stream gave newer marks meanwhile
                for t in tickers:
                    await self._on_mark(t.symbol, t.mark_price, now, now_m)
        if snap is not None and self._pushes == pushes:
            self._feed.positions_wanted = False
            await self._apply_positions(snap.positions, now)
        await self._drain()

    async def tick(self) -> None:
        """Run what time makes due: REST fallback, reminders and holds, degraded notes, batches."""
        async with self._turn:
            await self._tick()

    async def _tick(self) -> None:
        now_m = self._clock.monotonic()
        plan = self._feed.poll_plan(now_m)
        if plan is not None:
            self._turn.release()  # poll_once takes its own turn (and gives it up while reading)
            try:
                await self.poll_once(marks=plan[0], positions=plan[1])
            finally:
                await self._turn.acquire()
        elif self._client is not None and self._feed.websocket and self._feed.funding_due(now_m):
            self._feed.last_funding_at = now_m  # marks come from the stream; only funding here
            self._turn.release()
            try:
                tickers = await self._read(self._client.get_tickers)
            finally:
                await self._turn.acquire()
            await self._apply_funding(tickers or (), self._clock.time())
        if self._feed.should_degrade(now_m):  # as of the round's start: its poll has had its say
            self._watches.out.extend(self._feed.degrade(self._watches.chats(), now_m))
        now, now_m = self._clock.time(), self._clock.monotonic()
        for key in self._index.due(now):
            watch = self._watches.get(key)
            if watch is not None:
                fresh = self._feed.fresh(self._book.mark_at.get(watch.pos[0]), now_m)
                obs = self._watches.observe(watch.pos, fresh=fresh, timer=True)
                self._watches.evaluate(watch, obs, now)
                await self._pace()
        await self._drain()

    async def reload_chat(self, chat_id: int) -> None:
        """Re-read a chat's settings, thresholds and states (call after /start, /alert, /snooze)."""
        async with self._turn:
            self._watches.persist(self._clock.time())
            await self.saver.flush()  # what it reads back includes every state decided so far
            loaded = await self._db.write(self._watches.read_chat, self._db.db, chat_id)
            self._watches.reload_chat(chat_id, loaded, self._clock.time())
            await self._drain()

    def wake(self) -> None:
        """Re-plan the run loop's nap now (the clock moved, or a timer may be due earlier)."""
        self._wake.set()

    # ---- production loop ----------------------------------------------------------------------

    async def run(
        self, public_url: str | None = None, private_url: str | None = None, signer: Any = None,
        *, stream_factory: Callable[..., Any] = OrderlyStream,
    ) -> None:  # fmt: skip
        """Start, follow the streams (when WebSocket is on) and tick until cancelled."""

        async def on_private(event: StreamEvent) -> None:
            await self.on_stream_event(event, private=True)
            for listener in self.private_listeners:
                try:
                    await listener(event)
                except Exception:  # another feature's bug must not stop the monitor
                    log.exception("private stream listener failed on %s", type(event).__name__)

        common, streams = {"clock": self._clock, "timings": self._timings}, []
        if self._feed.websocket and public_url:
            streams.append(stream_factory(public_url, topics=MARK_TOPICS,
                                          on_message=self.on_stream_event, **common))  # fmt: skip
        if self._feed.websocket and private_url:
            self._feed.private_up = False
            streams.append(stream_factory(private_url, signer=signer, topics=PRIVATE_TOPICS,
                                          on_message=on_private, **common))  # fmt: skip
        if not self._started:
            await self.start()
        tasks = [asyncio.create_task(s.run(), name="monitor-stream") for s in streams]
        try:
            while True:
                try:
                    await self.tick()
                except Exception:  # one bad round must not end the watching
                    log.exception("monitor tick failed")
                await self._nap()
        finally:
            for s in streams:
                with contextlib.suppress(Exception):
                    await s.stop()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._watches.persist(self._clock.time())
            for batch in self._grouper.flush_all():
                await self._send(batch)
            try:
                async with asyncio.timeout(SAVE_GRACE):
                    await self.saver.flush()
            except TimeoutError:
                log.warning("monitor: %d alert states not saved (database busy)",
                            self.saver.backlog)  # fmt: skip

    async def _nap(self) -> None:
        """Sleep until the next timer, batch or REST poll is due (at most 1 s), or until woken."""
        deadline, due = self._index.next_deadline(), self._grouper.next_due()
        now, now_m = self._clock.time(), self._clock.monotonic()
        wait = min(1.0, self._feed.next_poll_at(now_m) - now_m,
                   1.0 if deadline is None else deadline - now,
                   1.0 if due is None else due - now_m)  # fmt: skip
        self._wake.clear()
        # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel racing the wake-up
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.01, wait)):
                await self._wake.wait()

    # ---- internals ----------------------------------------------------------------------------

    async def _read(self, call: Callable[[], Any]) -> Any:
        try:
            return await call()
        except Exception as exc:  # the next poll tries again; staleness is judged by time
            log.warning("monitor: REST %s failed: %s", getattr(call, "__name__", "read"), exc)
            return None

    async def _pace(self) -> None:
        """Let the event loop run other work once this round has run for SLICE seconds."""
        if self._watches.evaluations & 15:  # the clock is read every 16th watch
            return
        now = time.perf_counter()
        if now - self._yielded_at >= SLICE:
            await asyncio.sleep(0)
            self._yielded_at = time.perf_counter()

    async def _on_mark(self, symbol: str, price: Decimal, now: float, now_m: float) -> None:
        if price <= 0:
            return
        self._watches.out.extend(self._feed.recover(now_m))
        self._feed.last_mark_at = now_m
        self._book.set_mark(symbol, price, now_m)
        for listener in self.mark_listeners:
            listener(symbol, price, now)
        looks: dict[PosKey, Observation] = {}  # every chat watching a position sees one look
        for key in self._index.crossed(symbol, price):
            watch = self._watches.get(key)
            if watch is not None:
                obs = looks.get(watch.pos)
                if obs is None:
                    obs = looks[watch.pos] = self._watches.observe(watch.pos)
                self._watches.evaluate(watch, obs, now)
                await self._pace()

    async def _evaluate_position(self, pos: PosKey, now: float) -> None:
        obs = self._watches.observe(pos)  # the same look for every chat watching it
        for watch in self._watches.of_position(pos):
            self._watches.evaluate(watch, obs, now)
            await self._pace()

    async def _apply_funding(self, tickers: Sequence[Ticker], now: float) -> None:
        for t in tickers:
            for pos in self._book.set_funding(t.symbol, t.sum_unitary_funding):
                await self._evaluate_position(pos, now)

    async def _apply_positions(self, positions: Iterable[Position], now: float) -> None:
        """Replace the account's isolated positions: evaluate new/changed ones, end gone ones."""
        rows = {p.key: p for p in positions if p.margin_mode is ISOLATED and p.position_qty != 0}
        new = [k for k in rows if k not in self._book.held]
        held = len(new) * len(self._watches.active_chats()) >= BIG_BOOK and hold_collector()
        try:
            await self._take_positions(rows, now)
            more = held
            while more:  # a big first save is handed over in parts
                more = self._watches.persist(now, limit=BIG_BOOK)
                await asyncio.sleep(0)
        finally:
            if held:
                self._release_after_save()

    def _release_after_save(self) -> None:
        async def release() -> None:
            try:
                await self.saver.flush()
            finally:
                release_collector()

        self._tasks.add(task := asyncio.get_running_loop().create_task(release()))
        task.add_done_callback(self._tasks.discard)

    async def _take_positions(self, rows: dict[PosKey, Position], now: float) -> None:
        for pos in [k for k in self._book.held if k not in rows]:
            # Over REST a liquidation is just a vanished position: a mark through its liq tells.
            self._end(pos, now, liquidated=self._book.distance(pos) == 0)
        for pos, row in rows.items():
            new = pos not in self._book.held
            if self._book.upsert(row):
                if new:
                    chats = self._watches.active_chats()
                    for at in range(0, len(chats), YIELD_EVERY):  # a big book binds in parts
                        self._watches.bind(pos, chats[at:at + YIELD_EVERY])
                        await asyncio.sleep(0)
                await self._evaluate_position(pos, now)
        self._watches.settle_orphans()

    def _end(
        self, pos: PosKey, now: float, *, liquidated: bool, liquidation: Liquidation | None = None
    ) -> None:
        """The position closed or was liquidated: one last decision per chat, then forget it."""
        if pos not in self._book.held:
            return
        last = self._watches.observe(pos)
        obs = Observation(last.distance, fingerprint=last.fingerprint, closed=not liquidated,
                          liquidated=liquidated)  # fmt: skip
        self._watches.end(pos, obs, now, liquidation)
        self._book.remove(pos)

    async def _drain(self) -> None:
        """Persist what changed, then pass new events through the grouper to the sink."""
        self._watches.persist(self._clock.time())
        now_m = self._clock.monotonic()
        events, self._watches.out = self._watches.out, []
        batches: list[Batch] = []
        for event in events:
            batches.extend(self._grouper.add(event, now_m))
        batches.extend(self._grouper.due(now_m))
        for batch in batches:
            await self._send(batch)
        if events:
            self._wake.set()  # the run loop re-plans its nap around new batches and timers

    async def _send(self, batch: Batch) -> None:
        try:
            await self._sink(batch)
        except Exception:  # the sink's failure must not end the watching
            log.exception("monitor sink failed on a batch for chat %s", batch[0].chat_id)
