"""An online copy of the database with SQLite's backup API: consistent, and safe while the bot
runs (it reads through its own connection; the bot's writes go on meanwhile)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.files import private_file
from storage.preflight import DatabaseFault, preflight

COUNTED = ("approvals", "audit_log", "chats", "thresholds", "alert_state")


def backup(source: Path | str, target: Path | str) -> dict[str, int]:
    """Copy the database at source to a new file target (0600); return its rows per table."""
    src, dst = Path(source), Path(target)
    if not src.exists():
        raise DatabaseFault(f"database {src} does not exist; check BOT_DB_PATH")
    preflight(src, writable=False)  # a reader: the running bot may hold the write lock
    if dst.exists() and dst.stat().st_size > 0:
        raise DatabaseFault(f"{dst} already exists; choose a new backup file name")
    private_file(dst)
    reader = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    try:
        copy = sqlite3.connect(str(dst))
        try:
            reader.backup(copy)  # one consistent snapshot; WAL writers go on
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise DatabaseFault(f"the copy in {dst} failed its integrity check ({verdict})")
            tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master")}
            return {t: copy.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in COUNTED if t in tables}  # fmt: skip
        finally:
            copy.close()
    finally:
        reader.close()
