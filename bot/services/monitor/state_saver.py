"""Saving the monitor's alert states without holding the event loop.

The monitor hands over what changed after each update; the saver queues it at once on the
storage's writer thread as one transaction (one per mark update, not one per position), so it
keeps its place in order with the commands' writes (a /snooze after an alert lands after that
alert's state). While MAX_IN_FLIGHT batches are still being written — the database is locked,
say — newer changes gather and the next batch carries only the latest state of each position:
a long lock costs memory bounded by the watch count, and nothing is lost, as a failed batch is
kept (unless superseded) and tried again.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from bot.domain.alert_policy import PolicyState
from bot.services.monitor import alert_state_codec as alert_codec
from storage.alert_state import AlertStateStore
from storage.worker import Storage

log = logging.getLogger(__name__)
WatchKey = tuple[int, str, str]  # (chat_id, symbol, margin_mode)
Change = tuple[PolicyState, Decimal | None] | None  # the state and distance to save, or delete
MAX_IN_FLIGHT = 2
RETRY_SECONDS = 1.0


class StateSaver:
    """Ordered, coalescing persistence of alert states (see the module doc)."""

    def __init__(self, storage: Storage, retry_seconds: float = RETRY_SECONDS) -> None:
        self._db, self._retry = storage, retry_seconds
        self._store = AlertStateStore(storage.db)
        self._pending: dict[WatchKey, Change] = {}
        self._stamp = 0.0
        self._in_flight: set[asyncio.Future[None]] = set()
        self._retry_at: asyncio.TimerHandle | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.batches = 0  # transactions written (for tests and the benchmark)

    @property
    def backlog(self) -> int:
        """States waiting for a transaction (not yet handed to the writer)."""
        return len(self._pending)

    def add(self, changes: dict[WatchKey, Change], now: float) -> None:
        """Queue these changes (a later change of a key replaces an earlier one)."""
        if not changes:
            return
        self._pending.update(changes)
        self._stamp = now
        self._pump()

    async def flush(self) -> None:
        """Wait until everything queued so far is written (retrying while it fails)."""
        await self._idle.wait()

    def _pump(self) -> None:
        if not self._pending or len(self._in_flight) >= MAX_IN_FLIGHT or self._retry_at:
            if not self._pending and not self._in_flight:
                self._idle.set()
            return
        batch, self._pending = self._pending, {}
        future = self._db.submit(self._write, batch, self._stamp)
        self._in_flight.add(future)
        self._idle.clear()
        future.add_done_callback(lambda f: self._done(f, batch))

    def _done(self, future: asyncio.Future[None], batch: dict[WatchKey, Change]) -> None:
        self._in_flight.discard(future)
        exc = None if future.cancelled() else future.exception()
        if future.cancelled() or exc is not None:
            for key, change in batch.items():
                self._pending.setdefault(key, change)  # a newer change of the key wins
            log.warning("monitor: saving %d alert states failed (%s); retrying in %.0f s",
                        len(batch), exc or "cancelled", self._retry)  # fmt: skip
            if self._retry_at is None:
                self._retry_at = asyncio.get_running_loop().call_later(self._retry, self._again)
        else:
            self.batches += 1
        self._pump()

    def _again(self) -> None:
        self._retry_at = None
        self._pump()

    def _write(self, batch: dict[WatchKey, Change], now: float) -> None:
        """On the writer thread: deletes and saves of one batch in one transaction."""
        gone = [key for key, change in batch.items() if change is None]
        rows = [alert_codec.to_row(*key, change[0], change[1])
                for key, change in batch.items() if change is not None]  # fmt: skip
        with self._db.db.atomic():
            self._store.delete_many(gone)
            self._store.save_many(rows, now)
