"""Fill and order notices: follow the private `executionreport` stream, fall back to REST.

    watcher = FillWatcher(db, sink, client=link.client, clock=clock, websocket=True)
    monitor.private_listeners.append(watcher.on_stream_event)  # one private connection
    task = asyncio.create_task(watcher.run(streamed=True))

The pushes come from the monitor's private stream (subscribed to `executionreport` too).
Every observation of an order — a push, a REST row — goes into OrderNoticeStore, which keeps
the order's totals as seen and as told; news is the difference (bot.domain.fills), so the two
sources can overlap, repeat or miss pushes without a fill being told twice or lost. Notices
are held for `group_window` seconds so several that arrive together go out as one message.

REST is read when WebSocket is off (every poll_seconds), while the private stream is down
(every stale_poll_interval), once after it (re)connects, and at start-up (to catch up with what
happened while the bot was stopped), and every RECONCILE seconds in any case (a push lost on a
connection that stayed up): the open orders, the latest finished ones, and each order
last seen open that has left the open list. The very first read only records a baseline.

Orders the bot placed and reported on their card (`reported`) and cancels the user asked for
(`cancelling`) count as told: their card or reply already said it. While the press that placed
an order is still running, its notices wait (the card is about to say what happened).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlite_utils import Database

from bot.domain import fills
from bot.domain.algo import AlgoExecution
from bot.domain.fills import FillNotice
from bot.domain.models import MarginMode, Order, Position, PositionsSnapshot
from bot.errors import ExchangeRejected
from bot.orderly.stream import (
    AlgoReportEvent,
    ConnectionEvent,
    ConnectionState,
    ExecutionEvent,
    LiquidationEvent,
    StreamEvent,
)
from bot.timing import DEFAULT_TIMINGS, Clock, Timings
from storage.order_notices import OrderNoticeStore

log = logging.getLogger(__name__)
GROUP_WINDOW = 1.0  # seconds: notices arriving together go out as one message
RECENT = 50  # finished orders (per status) read on each REST round
POSITIONS_TIMEOUT = 3.0  # seconds a batch waits for "position after"; then it goes without
RECONCILE = 60.0  # seconds: with the stream up, a REST round this often catches a lost push
SYNCED = "orders_synced_ms"  # the newest order update a REST round has seen
NOT_FOUND = -1006
PosKey = tuple[str, MarginMode]


class OrderFeed(Protocol):
    """The REST reads the watcher needs (OrderlyClient has them)."""

    async def get_orders(
        self, symbol: str | None = None, status: str = "INCOMPLETE", *, page: int = 1,
        size: int = 100, pages: int = 10,
    ) -> list[Order]: ...  # fmt: skip
    async def get_order(self, order_id: int) -> Order: ...
    async def get_positions(self) -> PositionsSnapshot: ...


@dataclass(frozen=True, slots=True)
class NoticeBatch:
    notices: list[FillNotice]  # oldest first
    positions: dict[PosKey, Position] | None  # after the fills; None when not known


NoticeSink = Callable[[NoticeBatch], Awaitable[None]]


class FillWatcher:
    """Turns order updates from the stream or REST into batches of notices, each told once."""

    def __init__(
        self, db: Database, sink: NoticeSink, *, clock: Clock, client: OrderFeed | None = None,
        timings: Timings = DEFAULT_TIMINGS, poll_seconds: float = 5.0, websocket: bool = True,
        group_window: float = GROUP_WINDOW,
    ) -> None:  # fmt: skip
        self._store = OrderNoticeStore(db)
        self._sink, self._clock, self._client, self._t = sink, clock, client, timings
        self._poll_seconds, self._websocket, self._window = poll_seconds, websocket, group_window
        self._streaming = False  # a private stream is followed (set by run)
        self._private_up: bool | None = None
        self._sync_wanted = True
        self._last_poll: float | None = None
        self._due: float | None = None  # when the held notices go out (monotonic)
        self._liquidations: list[FillNotice] = []
        self._algo_reports: list[AlgoExecution] = []  # algoexecutionreport rows since a flush
        self._algo_told: set[int] = set()  # legs and stops whose firing was announced
        self._flushing = asyncio.Lock()
        self._wake = asyncio.Event()

    # ---- what the bot's own actions report ----------------------------------------------------
    def reported(self, order: Order) -> None:
        """A card has shown this state of an order it placed: nothing up to it is news."""
        self._store.observe(order, told_too=True)

    def cancelling(self, orders: Iterable[Order]) -> None:
        """The user asked the bot to cancel these orders: the reply tells, not a notice."""
        for order in orders:
            self._store.mark_user_cancelled(order)

    # ---- inputs -------------------------------------------------------------------------------
    async def on_stream_event(self, event: StreamEvent) -> None:
        """Take one push of the private stream (executions, liquidations, connection)."""
        if isinstance(event, ExecutionEvent):
            self._take(event.order)
        elif isinstance(event, AlgoReportEvent):  # a TP/SL leg or stop fired: told with its fill
            self._algo_reports.extend(event.reports)
            self._schedule()
        elif isinstance(event, LiquidationEvent):
            for liq in event.liquidations:
                if self._store.tell_liquidation(liq, self._clock.time()):
                    self._liquidations.append(fills.liquidation_notice(liq))
                    self._schedule()
        elif isinstance(event, ConnectionEvent):
            up = event.state is ConnectionState.CONNECTED
            if up and self._private_up is not True:
                self._sync_wanted = True  # pushes may have been missed while it was down
            self._private_up = up
            self._wake.set()

    async def poll_once(self) -> None:
        """One REST round: open orders, the latest finished ones, and those that left."""
        if self._client is None:
            return
        self._last_poll = self._clock.monotonic()
        try:
            open_now = await self._client.get_orders(status="INCOMPLETE", size=500)
            recent = [o for status in ("COMPLETED", "REJECTED")
                      for o in await self._client.get_orders(status=status, size=RECENT,
                                                             pages=1)]  # fmt: skip
            listed = {o.order_id for o in (*open_now, *recent)}
            left = [o for i in self._store.open_ids() if i not in listed
                    and (o := await self._read_order(i)) is not None]  # fmt: skip
        except Exception as exc:  # the next round tries again
            log.warning("fills: REST read of orders failed: %s", exc)
            return
        synced = self._store.meta(SYNCED)
        since = int(synced) if synced is not None else None
        newest = since or 0
        for order in (*open_now, *recent, *left):
            newest = max(newest, order.updated_time)
            known = self._store.get(order.order_id) is not None
            if not known and (since is None or (order.status not in fills.OPEN
                                                and order.updated_time < since)):
                self._store.observe(order, told_too=True)  # history, not news
            else:
                self._take(order)
        self._store.set_meta(SYNCED, str(newest))
        self._sync_wanted = False

    async def tick(self) -> None:
        """Run what is due: a REST round, then the held notices."""
        if self._poll_due(self._clock.monotonic()):
            await self.poll_once()
        if self._due is not None and self._clock.monotonic() >= self._due:
            await self.flush()

    async def flush(self) -> None:
        """Send what is news now as one batch, and count it as told."""
        async with self._flushing:
            self._due = None
            notices: list[FillNotice] = fills.algo_notices(self._algo_reports, self._algo_told)
            self._algo_reports = []
            held = False
            for item in self._store.pending():
                cid = item.order.client_order_id
                if cid and self._store.in_flight(cid):
                    held = True  # its card is about to report it: wait for that
                    continue
                notices += fills.notices(item.order, item.seen, item.told,
                                         user_cancelled=item.user_cancelled)  # fmt: skip
                self._store.mark_told(item.order.order_id, item.seen)
            notices += self._liquidations
            self._liquidations = []
            if held:
                self._schedule()
            if not notices:
                return
            moved = any(n.kind.is_fill or n.kind is fills.NoticeKind.TRIGGERED for n in notices)
            positions = await self._positions() if moved else None
            try:
                await self._sink(NoticeBatch(notices, positions))
            except Exception:  # the sink's failure must not end the watching
                log.exception("fills: sink failed on %d notices", len(notices))

    # ---- production loop ----------------------------------------------------------------------
    async def run(self, streamed: bool = False) -> None:
        """Catch up over REST, then tick until cancelled. streamed: the private stream's pushes
        and connection changes reach on_stream_event (the monitor's stream forwards them)."""
        if self._websocket and streamed:
            self._streaming, self._private_up = True, False
        await self.poll_once()
        while True:
            try:
                await self.tick()
            except Exception:  # one bad round must not end the watching
                log.exception("fills tick failed")
            await self._nap()

    def wake(self) -> None:
        self._wake.set()

    # ---- internals ----------------------------------------------------------------------------
    def _take(self, order: Order) -> None:
        if self._store.observe(order).pending:
            self._schedule()

    def _schedule(self) -> None:
        if self._due is None:
            self._due = self._clock.monotonic() + self._window
        self._wake.set()

    def _poll_due(self, now: float) -> bool:
        if self._client is None:
            return False
        if not self._streaming:
            interval = self._poll_seconds
        elif self._sync_wanted or self._private_up is False:
            interval = self._t.stale_poll_interval
        else:
            interval = RECONCILE
        return self._last_poll is None or now - self._last_poll >= interval or (
            self._sync_wanted and self._private_up is True)

    async def _nap(self) -> None:
        now = self._clock.monotonic()
        wait = 0.25 if self._due is None else min(0.25, self._due - now)
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.01, wait)):
                await self._wake.wait()

    async def _read_order(self, order_id: int) -> Order | None:
        """One order by id; None (and no longer followed) when the exchange does not know it."""
        assert self._client is not None
        try:
            return await self._client.get_order(order_id)
        except ExchangeRejected as exc:
            if exc.code != NOT_FOUND:
                raise
            log.warning("fills: order %s is unknown to the exchange; no longer followed", order_id)
            self._store.forget(order_id)
            return None

    async def _positions(self) -> dict[PosKey, Position] | None:
        if self._client is None:
            return None
        try:
            async with asyncio.timeout(POSITIONS_TIMEOUT):
                snap = await self._client.get_positions()
        except Exception as exc:  # the message goes without "position now"
            log.warning("fills: could not read positions for a fill notice: %s", exc)
            return None
        return {(p.symbol, p.margin_mode): p for p in snap.positions}
