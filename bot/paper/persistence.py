"""SQLite persistence of paper-engine snapshots (sqlite-utils, WAL), so positions survive restarts.

The snapshot is stored whole, as JSON text, in one row: it is saved atomically and Decimals stay
exact strings (sqlite-utils would turn a Decimal column into a REAL).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.files import private_file

TABLE = "paper_snapshot"
ROW_ID = 1


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a paper snapshot")


class PaperStore:
    """One SQLite file holding the latest engine snapshot."""

    def __init__(self, path: str | Path) -> None:
        # The server may save from a worker thread; the lock serialises use of the connection.
        private_file(path)  # account state: 0600, like the bot's database
        conn = sqlite3.connect(str(path), check_same_thread=False)
        self._db = sqlite_utils.Database(conn)
        self._db.enable_wal()
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._lock = threading.Lock()
        if TABLE not in self._db.table_names():
            self._db.table(TABLE).create({"id": int, "saved_ms": int, "data": str}, pk="id")

    def load(self) -> dict[str, Any] | None:
        """The last saved snapshot, or None when nothing was saved yet."""
        with self._lock:
            rows = list(self._db.table(TABLE).rows_where("id = ?", [ROW_ID]))
        if not rows:
            return None
        data: dict[str, Any] = json.loads(rows[0]["data"])
        return data

    def save(self, snapshot: dict[str, Any], saved_ms: int = 0) -> None:
        """Replace the stored snapshot (Decimals, if any, are written as strings)."""
        text = json.dumps(snapshot, default=_default, separators=(",", ":"))
        with self._lock, self._db.conn:
            row = {"id": ROW_ID, "saved_ms": saved_ms, "data": text}
            self._db.table(TABLE).upsert(row, pk="id")

    def close(self) -> None:
        with self._lock:
            self._db.close()
