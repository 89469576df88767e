"""Look at the database file before the bot uses it, and refuse what would lose data silently.

    preflight(path, new_database=args.new_database)   # raises DatabaseFault: one clear line

Refused, the file left exactly as it was: not a SQLite database, corrupt, read-only, locked by
another process. Refused unless `--new-database` is given: an empty (0-byte) file, a missing
file, or a database without Margin Desk's schema, when a marker beside it says a database was
created here before — a truncated or replaced file would otherwise start empty and silently
drop every chat's subscription. The marker (`<db>.created`) is written when a database is
created and stays, like the instance lock file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

from storage.files import private_file

HEADER = b"SQLite format 3\x00"
SCHEMA_MARKER = "_sqlite_migrations"  # sqlite-utils' migration record: our schema is there
LOCK_PROBE_SECONDS = 2.0
NEW = "start with --new-database to begin an empty one"


class DatabaseFault(Exception):
    """The database file cannot be used as it is; the message is one line for the operator."""


def marker_path(db_path: Path | str) -> Path:
    return Path(f"{db_path}.created")


def preflight(path: Path | str, *, new_database: bool = False, writable: bool = True) -> None:
    """Raise DatabaseFault when the file at path must not be opened (see the module doc);
    `writable=False` checks only what a reader needs (for a backup)."""
    db = Path(path)
    marker = marker_path(db)
    if not db.exists():
        if marker.exists() and not new_database:
            raise DatabaseFault(f"database {db} is missing, but one was created there before "
                                f"({marker.name}); restore it from a backup, or {NEW}")
        return
    size = db.stat().st_size
    if size == 0:
        if not new_database:
            raise DatabaseFault(f"database {db} is empty (0 bytes): it was truncated or never "
                                f"written; restore it from a backup, or {NEW}")
        return
    with open(db, "rb") as handle:
        if handle.read(len(HEADER)) != HEADER:
            raise DatabaseFault(f"database {db} is not a SQLite database file; check BOT_DB_PATH")
    if writable and _read_only(db):
        raise DatabaseFault(f"database {db} is read-only; make it writable by this user")
    has_schema = _inspect(db)
    if not has_schema and marker.exists() and not new_database:
        raise DatabaseFault(f"database {db} has no Margin Desk schema, but one was created "
                            f"there before; restore it from a backup, or {NEW}")
    if writable:
        _probe_write(db)


def record_created(path: Path | str) -> None:
    """Leave the marker that a database lives at path (after opening it successfully)."""
    marker = marker_path(path)
    if marker.exists() and marker.stat().st_size > 0:
        private_file(marker)  # tightened if it was readable by others
        return
    private_file(marker)
    marker.write_text(f"a Margin Desk database was created here at {time.ctime()}\n")


def _read_only(db: Path) -> bool:
    # Permission bits count even for root (who could write anyway): a file with no write bit
    # was made read-only on purpose. The write probe catches read-only mounts and directories.
    mode = stat.S_IMODE(db.stat().st_mode)
    return not mode & stat.S_IWUSR or not os.access(db, os.W_OK)


def _inspect(db: Path) -> bool:
    """Integrity check over a read-only connection; True when our schema marker is present."""
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True,
                               timeout=LOCK_PROBE_SECONDS)  # fmt: skip
        try:
            (verdict,) = conn.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _fault(db, exc) from None
    if verdict != "ok":
        raise DatabaseFault(f"database {db} is corrupt ({verdict}); restore it from a backup")
    return SCHEMA_MARKER in tables


def _probe_write(db: Path) -> None:
    """Take and release the write lock: read-only or locked shows now, not at the first write."""
    try:
        conn = sqlite3.connect(str(db), timeout=LOCK_PROBE_SECONDS, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _fault(db, exc) from None


def _fault(db: Path, exc: sqlite3.DatabaseError) -> DatabaseFault:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseFault(f"database {db} is locked by another process (a sqlite3 shell, "
                             "a backup tool?); close it and start again")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return DatabaseFault(f"database {db} is read-only or its directory is not writable; "
                             "make both writable by this user")
    if "not a database" in text:
        return DatabaseFault(f"database {db} is not a SQLite database file; check BOT_DB_PATH")
    return DatabaseFault(f"database {db} is corrupt ({exc}); restore it from a backup")
