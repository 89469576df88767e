"""Open the SQLite database (WAL, busy timeout, foreign keys, migrations) and the value codecs.

Storage conventions, shared by every repository in this package:

- money, prices and percentages are ``Decimal`` in Python and fixed-point TEXT in SQLite, so
  they round-trip exactly; sqlite-utils would otherwise write a ``Decimal`` as REAL (a float);
- times are REAL epoch seconds, exactly what ``Clock.time()`` returns; repositories never read a
  clock themselves, every write takes ``now``;
- structured values (approval actions, audit params, alert extras) are JSON TEXT, with Decimals
  written as strings and JSON numbers read back as Decimal (never float).
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.files import private_file
from storage.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 5000
MEMORY = ":memory:"


def open_database(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path`, ready to use with every migration applied.

    `":memory:"` gives a private in-memory database for tests. The connection may be handed to
    another thread (storage.worker runs it on its writer thread) but must be used by one thread
    at a time. The file (and its -wal/-shm, which SQLite creates with the file's mode) is 0600.
    """
    target = str(path)
    if target != MEMORY:
        private_file(target)
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if target != MEMORY:
        db.enable_wal()
    MIGRATIONS.apply(db)
    return db


def open_reader(path: Path | str) -> sqlite_utils.Database:
    """A read-only connection to the (already opened, WAL) database at path: it sees the last
    committed state and never waits for a writer."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


def dec_to_text(value: Decimal | None) -> str | None:
    """Turn a Decimal into the exact TEXT stored in SQLite (None stays NULL)."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise TypeError(f"expected Decimal, got {type(value).__name__}")
    return format(value, "f")  # exact, and never exponent notation ("1E-8") in the file


def text_to_dec(value: str | None) -> Decimal | None:
    """Turn stored TEXT back into the exact Decimal (NULL stays None)."""
    return None if value is None else Decimal(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def dump_json(value: Any) -> str | None:
    """Serialise `value` to JSON TEXT, Decimals as exact strings (None stays NULL)."""
    if value is None:
        return None
    return json.dumps(value, default=_json_default, separators=(",", ":"), sort_keys=True)


def load_json(text: str | None) -> Any:
    """Parse stored JSON TEXT; a JSON number with a fraction comes back as Decimal, not float."""
    if text is None:
        return None
    return json.loads(text, parse_float=Decimal)
