"""The mark history's recorder: follows every mark the monitor takes (pushed or polled), keeps
the current 10 s bucket of each symbol in memory, and hands closed buckets to the storage's
writer thread in batches (at most once a second), so SQLite never runs on the event loop."""

from __future__ import annotations

from decimal import Decimal

from storage.mark_history import FINE_STEP, MarkHistoryStore
from storage.worker import Storage

WRITE_EVERY = 1.0  # seconds: closed buckets of every symbol go to the writer together
PRUNE_EVERY = 60.0
CAUGHT_UP = 0.5  # seconds a chart waits for queued points before it reads


class MarkRecorder:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._writes = MarkHistoryStore(storage.db)
        self._reads = MarkHistoryStore(storage.reader)
        self._open: dict[str, tuple[float, Decimal]] = {}  # symbol → (bucket start, last mark)
        self._pending: list[tuple[str, float, str]] = []  # closed buckets not yet handed over
        self._written_at = self._pruned_at = 0.0

    def record(self, symbol: str, price: Decimal, now: float) -> None:
        """Take one mark update (on the event loop: memory only, writes are queued)."""
        if price <= 0:
            return
        bucket = now - now % FINE_STEP
        held = self._open.get(symbol)
        if held is not None and held[0] != bucket:
            self._pending.append((symbol, held[0], str(held[1])))
        self._open[symbol] = (bucket, price)
        if self._pending and now - self._written_at >= WRITE_EVERY:
            self._hand_over(now)
        if now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            self._storage.post(self._writes.prune, now)

    def flush(self) -> None:
        """Queue every closed and open bucket (at stop, before the storage closes)."""
        self._pending.extend((s, b, str(p)) for s, (b, p) in self._open.items())
        self._hand_over(self._written_at)

    async def points(self, symbol: str, since: float) -> list[tuple[float, Decimal]]:
        """(time, mark) from `since` on, oldest first, ending with the open bucket's mark."""
        self._hand_over(self._written_at)
        await self._storage.caught_up(CAUGHT_UP)  # a lock only makes the path a little short
        path = await self._storage.read(self._reads.points, symbol, since)
        held = self._open.get(symbol)
        if held is not None and held[0] >= since:
            if path and path[-1][0] == held[0]:
                path.pop()
            path.append(held)
        return path

    def _hand_over(self, now: float) -> None:
        if self._pending:
            rows, self._pending, self._written_at = self._pending, [], now
            self._storage.post(self._writes.write, rows)
