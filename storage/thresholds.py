"""Per-chat alert thresholds: a chat default, per-symbol overrides and an on/off per symbol.

Percentages are distance-to-liquidation in % of mark (`Decimal("5")` means 5 %), stored exactly.
Validation (warn > critical > 0, symbol spelling) is the caller's job; symbols are stored as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.domain.records import SymbolOverride, ThresholdPercents
from storage.db import dec_to_text, text_to_dec

DEFAULT_WARN_PCT = Decimal("5")
DEFAULT_CRITICAL_PCT = Decimal("2.5")
CHAT_DEFAULT = "*"  # the symbol key of a chat's default row


@dataclass(frozen=True, slots=True)
class ChatLevels:
    """One chat's stored threshold rows (symbol, or CHAT_DEFAULT -> row), resolved in memory:
    the monitor loads every chat's rows at once instead of one query per watch."""

    rows: dict[str, dict[str, Any]]

    def default(self) -> ThresholdPercents:
        """The chat's default thresholds (5 % / 2.5 % when the chat never set any)."""
        row = self.rows.get(CHAT_DEFAULT)
        warn = None if row is None else text_to_dec(row["warn_pct"])
        critical = None if row is None else text_to_dec(row["critical_pct"])
        if warn is None or critical is None:
            return ThresholdPercents(DEFAULT_WARN_PCT, DEFAULT_CRITICAL_PCT)
        return ThresholdPercents(warn, critical, source="chat")

    def effective(self, symbol: str) -> ThresholdPercents:
        """The thresholds that apply to `symbol` in this chat, overrides first."""
        base = self.default()
        row = self.rows.get(symbol)
        if row is None:
            return base
        warn = text_to_dec(row["warn_pct"])
        critical = text_to_dec(row["critical_pct"])
        return ThresholdPercents(
            warn_pct=base.warn_pct if warn is None else warn,
            critical_pct=base.critical_pct if critical is None else critical,
            enabled=bool(row["enabled"]),
            source=base.source if warn is None and critical is None else "symbol",
        )


NO_LEVELS = ChatLevels({})  # a chat that stored nothing: the built-in defaults everywhere


class ThresholdStore:
    """Reads and writes the `thresholds` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def default(self, chat_id: int) -> ThresholdPercents:
        """The chat's default thresholds (5 % / 2.5 % when the chat never set any)."""
        return self._levels(chat_id, CHAT_DEFAULT).default()

    def effective(self, chat_id: int, symbol: str) -> ThresholdPercents:
        """The thresholds that apply to `symbol` in this chat, overrides first."""
        return self._levels(chat_id, symbol).effective(symbol)

    def levels(self, chat_id: int | None = None) -> dict[int, ChatLevels]:
        """Every chat's rows (or one chat's), in one query; a chat without rows is absent."""
        where, params = ("WHERE chat_id = ?", [chat_id]) if chat_id is not None else ("", [])
        found: dict[int, dict[str, dict[str, Any]]] = {}
        for row in self._db.query(f"SELECT * FROM thresholds {where}", params):
            found.setdefault(row["chat_id"], {})[row["symbol"]] = row
        return {chat: ChatLevels(rows) for chat, rows in found.items()}

    def set_default(self, chat_id: int, warn_pct: Decimal, critical_pct: Decimal) -> None:
        """Set the chat's default thresholds."""
        self._upsert_pcts(chat_id, CHAT_DEFAULT, warn_pct, critical_pct)

    def set_symbol(
        self, chat_id: int, symbol: str, warn_pct: Decimal, critical_pct: Decimal
    ) -> None:
        """Override the thresholds for one symbol, keeping its on/off flag."""
        self._upsert_pcts(chat_id, symbol, warn_pct, critical_pct)

    def clear_symbol(self, chat_id: int, symbol: str) -> None:
        """Drop a symbol's threshold override so it inherits the default again (keeps on/off)."""
        self._db.execute(
            "UPDATE thresholds SET warn_pct = NULL, critical_pct = NULL"
            " WHERE chat_id = ? AND symbol = ?",
            [chat_id, symbol],
        )
        self._db.execute(
            "DELETE FROM thresholds WHERE chat_id = ? AND symbol = ? AND enabled = 1",
            [chat_id, symbol],
        )

    def set_enabled(self, chat_id: int, symbol: str, enabled: bool) -> None:
        """Turn alerts for one symbol on or off in this chat."""
        self._db.execute(
            "INSERT INTO thresholds (chat_id, symbol, enabled) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id, symbol) DO UPDATE SET enabled = excluded.enabled",
            [chat_id, symbol, int(enabled)],
        )

    def overrides(self, chat_id: int) -> list[SymbolOverride]:
        """Every symbol of this chat with an override or an on/off flag, by symbol."""
        rows = self._db.query(
            "SELECT * FROM thresholds WHERE chat_id = ? AND symbol != ? ORDER BY symbol",
            [chat_id, CHAT_DEFAULT],
        )
        return [
            SymbolOverride(
                symbol=r["symbol"],
                warn_pct=text_to_dec(r["warn_pct"]),
                critical_pct=text_to_dec(r["critical_pct"]),
                enabled=bool(r["enabled"]),
            )
            for r in rows
        ]

    def _upsert_pcts(self, chat_id: int, symbol: str, warn: Decimal, critical: Decimal) -> None:
        self._db.execute(
            "INSERT INTO thresholds (chat_id, symbol, warn_pct, critical_pct) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id, symbol) DO UPDATE SET warn_pct = excluded.warn_pct,"
            " critical_pct = excluded.critical_pct",
            [chat_id, symbol, dec_to_text(warn), dec_to_text(critical)],
        )

    def _levels(self, chat_id: int, symbol: str) -> ChatLevels:
        rows = self._db.query(
            "SELECT * FROM thresholds WHERE chat_id = ? AND symbol IN (?, ?)",
            [chat_id, CHAT_DEFAULT, symbol],
        )
        return ChatLevels({r["symbol"]: r for r in rows})
