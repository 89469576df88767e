"""Per-chat default margin mode per symbol (`/mode`): the mode a command uses when it omits one.

Modes are stored as the exchange spells them (`CROSS` / `ISOLATED`); a symbol without a row has
no explicit default (the caller applies the desk's own default, isolated).
"""

from __future__ import annotations

from sqlite_utils import Database

MODES = ("CROSS", "ISOLATED")


class DefaultModeStore:
    """Reads and writes the `default_modes` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, chat_id: int, symbol: str) -> str | None:
        """The chat's default mode for `symbol` (`CROSS`/`ISOLATED`), or None when never set."""
        rows = list(self._db.query(
            "SELECT margin_mode FROM default_modes WHERE chat_id = ? AND symbol = ?",
            [chat_id, symbol],
        ))
        return str(rows[0]["margin_mode"]) if rows else None

    def set(self, chat_id: int, symbol: str, mode: str, now: float) -> None:
        """Make `mode` the chat's default for `symbol`."""
        if mode not in MODES:
            raise ValueError(f"unknown margin mode {mode!r}")
        self._db.execute(
            "INSERT INTO default_modes (chat_id, symbol, margin_mode, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (chat_id, symbol) DO UPDATE SET"
            " margin_mode = excluded.margin_mode, updated_at = excluded.updated_at",
            [chat_id, symbol, mode, now],
        )
