"""Per-chat notice switches (`notice_prefs`: one row per kind switched, no row = on) and quiet
hours (`notice_quiet`: minutes after the chat's local midnight). Fills and orders keep their
switches in the `chats` table (ChatStore.set_notify); every other kind lives here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class StoredPrefs:
    off: frozenset[str] = frozenset()  # kinds switched off
    quiet: tuple[int, int] | None = None  # (start, end) minutes; None: no quiet hours


class NoticePrefStore:
    """Reads and writes `notice_prefs` and `notice_quiet`; an unknown chat reads as all on."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, chat_id: int) -> StoredPrefs:
        off = frozenset(
            str(r["kind"]) for r in self._db.query(
                "SELECT kind FROM notice_prefs WHERE chat_id = ? AND enabled = 0", [chat_id])
        )  # fmt: skip
        rows = list(self._db.query(
            "SELECT start_min, end_min FROM notice_quiet WHERE chat_id = ?", [chat_id]))
        quiet = (int(rows[0]["start_min"]), int(rows[0]["end_min"])) if rows else None
        return StoredPrefs(off, quiet)

    def set_enabled(self, chat_id: int, kind: str, enabled: bool) -> None:
        self._db.execute(
            "INSERT INTO notice_prefs (chat_id, kind, enabled) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id, kind) DO UPDATE SET enabled = excluded.enabled",
            [chat_id, kind, int(enabled)],
        )

    def set_quiet(self, chat_id: int, window: tuple[int, int] | None) -> None:
        """Store the quiet window, or remove it (None)."""
        if window is None:
            self._db.execute("DELETE FROM notice_quiet WHERE chat_id = ?", [chat_id])
            return
        self._db.execute(
            "INSERT INTO notice_quiet (chat_id, start_min, end_min) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET start_min = excluded.start_min,"
            " end_min = excluded.end_min",
            [chat_id, window[0], window[1]],
        )
