"""Per-chat settings: which chats started the bot, their top-up caps and notification prefs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.domain.records import ChatSettings
from storage.db import dec_to_text, text_to_dec


class ChatStore:
    """Reads and writes the `chats` table; an unknown chat reads as the defaults."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register(self, chat_id: int, user_id: int | None, now: float) -> ChatSettings:
        """Remember that `user_id` started the bot in `chat_id`, keeping any existing settings."""
        self._db.execute(
            "INSERT INTO chats (chat_id, user_id, started_at) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET user_id = excluded.user_id,"
            " started_at = COALESCE(chats.started_at, excluded.started_at)",
            [chat_id, user_id, now],
        )
        return self.get(chat_id)

    def get(self, chat_id: int) -> ChatSettings:
        """The chat's settings, or the defaults if nothing is stored."""
        rows = list(self._db.query("SELECT * FROM chats WHERE chat_id = ?", [chat_id]))
        return _to_settings(rows[0]) if rows else ChatSettings(chat_id)

    def known_chats(self) -> list[ChatSettings]:
        """Every chat that has started the bot, oldest first."""
        rows = self._db.query(
            "SELECT * FROM chats WHERE started_at IS NOT NULL ORDER BY started_at, chat_id"
        )
        return [_to_settings(r) for r in rows]

    def set_limits(
        self, chat_id: int, per_action: Decimal | None, per_day: Decimal | None
    ) -> ChatSettings:
        """Set both top-up caps (None turns a cap off)."""
        self._db.execute(
            "INSERT INTO chats (chat_id, per_action_cap, per_day_cap) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET per_action_cap = excluded.per_action_cap,"
            " per_day_cap = excluded.per_day_cap",
            [chat_id, dec_to_text(per_action), dec_to_text(per_day)],
        )
        return self.get(chat_id)

    def set_prefs(
        self,
        chat_id: int,
        *,
        alerts_enabled: bool | None = None,
        info_notes: bool | None = None,
    ) -> ChatSettings:
        """Change the notification prefs that are given; leave the others as they are."""
        current = self.get(chat_id)
        alerts = current.alerts_enabled if alerts_enabled is None else alerts_enabled
        notes = current.info_notes if info_notes is None else info_notes
        self._db.execute(
            "INSERT INTO chats (chat_id, alerts_enabled, info_notes) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET alerts_enabled = excluded.alerts_enabled,"
            " info_notes = excluded.info_notes",
            [chat_id, int(alerts), int(notes)],
        )
        return self.get(chat_id)


    def set_notify(
        self, chat_id: int, *, fills: bool | None = None, orders: bool | None = None
    ) -> ChatSettings:
        """Change the /notify switches that are given; leave the others as they are."""
        current = self.get(chat_id)
        new_fills = current.notify_fills if fills is None else fills
        new_orders = current.notify_orders if orders is None else orders
        self._db.execute(
            "INSERT INTO chats (chat_id, notify_fills, notify_orders) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET notify_fills = excluded.notify_fills,"
            " notify_orders = excluded.notify_orders",
            [chat_id, int(new_fills), int(new_orders)],
        )
        return self.get(chat_id)


def _to_settings(row: dict[str, Any]) -> ChatSettings:
    return ChatSettings(
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        started_at=row["started_at"],
        per_action_cap=text_to_dec(row["per_action_cap"]),
        per_day_cap=text_to_dec(row["per_day_cap"]),
        alerts_enabled=bool(row["alerts_enabled"]),
        info_notes=bool(row["info_notes"]),
        notify_fills=bool(row.get("notify_fills", 1)),
        notify_orders=bool(row.get("notify_orders", 1)),
    )
