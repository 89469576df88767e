"""`margin-desk backup PATH`: copy the configured database to PATH (see docs/storage.md)."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.errors import ConfigError
from storage.backup import backup
from storage.preflight import DatabaseFault


def run_backup(settings: Settings, path: str) -> int:
    """Back the database up, print what the copy holds; a fault is one line (exit code 2)."""
    try:
        counts = backup(settings.bot_db_path, path)
    except (DatabaseFault, sqlite3.Error, OSError) as exc:
        raise ConfigError(f"backup failed: {exc}") from None
    rows = ", ".join(f"{n} {table}" for table, n in counts.items())
    print(f"backed up {settings.bot_db_path} to {path} ({rows})")
    return 0
