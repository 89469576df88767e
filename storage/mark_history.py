"""Mark price history for `/chart`, kept bounded by downsampling as it ages.

Fed by every mark update the monitor takes (stream or REST). In memory each symbol keeps the
last mark of the current 10 s bucket; a closed bucket is written as one point stamped with the
bucket's start. Points older than an hour are thinned to one per minute (the one at the
minute's start), points older than 24 h are deleted: at most 360 + 1,380 points per symbol.
Prices are TEXT (exact Decimal).
"""

from __future__ import annotations

from decimal import Decimal

from sqlite_utils import Database

FINE_STEP = 10.0  # seconds between points of the last hour
COARSE_STEP = 60.0  # … and beyond it
FINE_FOR = 3600.0
KEEP_FOR = 86_400.0
PRUNE_EVERY = 60.0
WRITE_EVERY = 1.0  # closed buckets are written together, in one transaction


class MarkHistory:
    """Records marks (downsampled) and reads a symbol's path back."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._open: dict[str, tuple[float, Decimal]] = {}  # symbol → (bucket start, last mark)
        self._pending: list[tuple[str, float, str]] = []  # closed buckets not yet written
        self._pruned_at = self._written_at = 0.0

    def record(self, symbol: str, price: Decimal, now: float) -> None:
        """Take one mark update; a bucket that has closed is written."""
        if price <= 0:
            return
        bucket = now - now % FINE_STEP
        held = self._open.get(symbol)
        if held is not None and held[0] != bucket:
            self._pending.append((symbol, held[0], str(held[1])))
        self._open[symbol] = (bucket, price)
        if self._pending and now - self._written_at >= WRITE_EVERY:
            self._write_pending(now)
        if now - self._pruned_at >= PRUNE_EVERY:
            self.prune(now)

    def flush(self) -> None:
        """Write every closed and open bucket (at stop)."""
        self._pending.extend((s, b, str(p)) for s, (b, p) in self._open.items())
        self._write_pending(self._written_at)

    def points(self, symbol: str, since: float) -> list[tuple[float, Decimal]]:
        """(time, mark) from `since` on, oldest first, with the open bucket's latest mark."""
        self._write_pending(self._written_at)
        rows = self._db.query(
            "SELECT ts, price FROM mark_history WHERE symbol = ? AND ts >= ? ORDER BY ts",
            [symbol, since],
        )
        path = [(float(r["ts"]), Decimal(r["price"])) for r in rows]
        held = self._open.get(symbol)
        if held is not None and held[0] >= since:
            if path and path[-1][0] == held[0]:
                path.pop()
            path.append(held)
        return path

    def prune(self, now: float) -> None:
        """Thin points older than FINE_FOR to one per minute; drop those older than KEEP_FOR."""
        self._pruned_at = now
        self._db.execute("DELETE FROM mark_history WHERE ts < ?", [now - KEEP_FOR])
        self._db.execute(
            "DELETE FROM mark_history WHERE ts < ? AND CAST(ts AS INTEGER) % ? != 0",
            [now - FINE_FOR, int(COARSE_STEP)],
        )

    def _write_pending(self, now: float) -> None:
        if not self._pending:
            return
        rows, self._pending, self._written_at = self._pending, [], now
        with self._db.conn:  # one transaction (one WAL commit) for every symbol's point
            self._db.conn.executemany(
                "INSERT INTO mark_history (symbol, ts, price) VALUES (?, ?, ?)"
                " ON CONFLICT (symbol, ts) DO UPDATE SET price = excluded.price",
                rows,
            )
