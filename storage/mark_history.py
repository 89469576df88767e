"""Mark price history for `/chart`, kept bounded by downsampling as it ages.

One point per symbol per 10 s bucket (the bucket's last mark, stamped with its start) for the
last hour; older points are thinned to one per minute (the one at the minute's start) and
points older than 24 h are deleted: at most 360 + 1,380 points per symbol. Prices are TEXT
(exact Decimal). The buckets are filled in memory by the recorder that follows the monitor
(bot/services/risk/history.py); this table only stores and prunes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlite_utils import Database

FINE_STEP = 10.0  # seconds between points of the last hour
COARSE_STEP = 60.0  # … and beyond it
FINE_FOR = 3600.0
KEEP_FOR = 86_400.0


class MarkHistoryStore:
    """Reads and writes the `mark_history` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def write(self, rows: Iterable[tuple[str, float, str]]) -> None:
        """Store (symbol, bucket start, price) points in one transaction (a bucket written
        again keeps its newest price)."""
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT INTO mark_history (symbol, ts, price) VALUES (?, ?, ?)"
                " ON CONFLICT (symbol, ts) DO UPDATE SET price = excluded.price",
                list(rows),
            )

    def points(self, symbol: str, since: float) -> list[tuple[float, Decimal]]:
        """(time, mark) from `since` on, oldest first."""
        rows = self._db.query(
            "SELECT ts, price FROM mark_history WHERE symbol = ? AND ts >= ? ORDER BY ts",
            [symbol, since],
        )
        return [(float(r["ts"]), Decimal(r["price"])) for r in rows]

    def prune(self, now: float) -> None:
        """Thin points older than FINE_FOR to one per minute; drop those older than KEEP_FOR."""
        with self._db.atomic():
            self._db.conn.execute("DELETE FROM mark_history WHERE ts < ?", [now - KEEP_FOR])
            self._db.conn.execute(
                "DELETE FROM mark_history WHERE ts < ? AND CAST(ts AS INTEGER) % ? != 0",
                [now - FINE_FOR, int(COARSE_STEP)],
            )
