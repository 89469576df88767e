"""Alert state per chat and position, so a restart mid-episode neither resends nor forgets.

A position is keyed by (symbol, margin_mode) as in alert-policy.md. The columns the policy always
needs are typed; anything else the policy keeps (debounce counters, re-arm timers) goes in `extra`
as JSON. Decimals inside `extra` come back as strings.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from storage.db import dec_to_text, dump_json, load_json, text_to_dec

DEFAULT_ARMED = frozenset({"warning", "critical"})
_COLUMNS = (
    "chat_id, symbol, margin_mode, level, episode_id, first_sent_at, last_sent_at,"
    " next_reminder_at, snooze_until, armed, last_distance, position_sig, extra, updated_at"
)


@dataclass(frozen=True, slots=True)
class AlertState:
    chat_id: int
    symbol: str
    margin_mode: str
    level: str = "none"  # e.g. "none", "warning", "critical": the policy owns the vocabulary
    episode_id: str | None = None
    first_sent_at: float | None = None
    last_sent_at: float | None = None
    next_reminder_at: float | None = None
    snooze_until: float | None = None
    armed: frozenset[str] = DEFAULT_ARMED
    last_distance: Decimal | None = None
    position_sig: str | None = None  # size/side/margin fingerprint: a change clears the snooze
    extra: dict[str, Any] = field(default_factory=dict)
    updated_at: float | None = None


class AlertStateStore:
    """Reads and writes the `alert_state` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, chat_id: int, symbol: str, margin_mode: str) -> AlertState | None:
        """The stored state of one position in one chat, or None."""
        rows = list(
            self._db.query(
                "SELECT * FROM alert_state WHERE chat_id = ? AND symbol = ? AND margin_mode = ?",
                [chat_id, symbol, margin_mode],
            )
        )
        return _to_state(rows[0]) if rows else None

    def save(self, state: AlertState, now: float) -> AlertState:
        """Insert or replace the state of one position; returns it as stored."""
        values = {
            "chat_id": state.chat_id,
            "symbol": state.symbol,
            "margin_mode": state.margin_mode,
            "level": state.level,
            "episode_id": state.episode_id,
            "first_sent_at": state.first_sent_at,
            "last_sent_at": state.last_sent_at,
            "next_reminder_at": state.next_reminder_at,
            "snooze_until": state.snooze_until,
            "armed": dump_json(sorted(state.armed)),
            "last_distance": dec_to_text(state.last_distance),
            "position_sig": state.position_sig,
            "extra": dump_json(state.extra),
            "updated_at": now,
        }
        placeholders = ", ".join(f":{name.strip()}" for name in _COLUMNS.split(","))
        self._db.execute(
            f"INSERT OR REPLACE INTO alert_state ({_COLUMNS}) VALUES ({placeholders})", values
        )
        return _to_state(values)

    def save_many(self, states: list[AlertState], now: float) -> None:
        """Insert or replace many states in one statement (the monitor's batch per update)."""
        placeholders = ", ".join("?" for _ in _COLUMNS.split(","))
        with self._db.atomic():  # a savepoint inside the caller's transaction
            self._db.conn.executemany(
                f"INSERT OR REPLACE INTO alert_state ({_COLUMNS}) VALUES ({placeholders})",
                [(s.chat_id, s.symbol, s.margin_mode, s.level, s.episode_id, s.first_sent_at,
                  s.last_sent_at, s.next_reminder_at, s.snooze_until, _armed_json(s.armed),
                  dec_to_text(s.last_distance), s.position_sig, dump_json(s.extra), now)
                 for s in states],
            )  # fmt: skip

    def delete_many(self, keys: list[tuple[int, str, str]]) -> None:
        """Forget many positions' states in one statement."""
        with self._db.atomic():
            self._db.conn.executemany(
                "DELETE FROM alert_state WHERE chat_id = ? AND symbol = ? AND margin_mode = ?",
                keys,
            )

    def set_snooze(
        self, chat_id: int, symbol: str, margin_mode: str, until: float | None, now: float
    ) -> AlertState:
        """Snooze one position's reminders until `until` (None clears), creating its row if new."""
        self._db.execute(
            "INSERT INTO alert_state (chat_id, symbol, margin_mode, snooze_until, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, symbol, margin_mode)"
            " DO UPDATE SET snooze_until = excluded.snooze_until, updated_at = excluded.updated_at",
            [chat_id, symbol, margin_mode, until, now],
        )
        state = self.get(chat_id, symbol, margin_mode)
        return state if state is not None else AlertState(chat_id, symbol, margin_mode)

    def delete(self, chat_id: int, symbol: str, margin_mode: str) -> None:
        """Forget one position's state (the episode ended and nothing is left to remember)."""
        self._db.execute(
            "DELETE FROM alert_state WHERE chat_id = ? AND symbol = ? AND margin_mode = ?",
            [chat_id, symbol, margin_mode],
        )

    def for_chat(self, chat_id: int) -> list[AlertState]:
        """Every stored position state of one chat, by symbol and mode."""
        rows = self._db.query(
            "SELECT * FROM alert_state WHERE chat_id = ? ORDER BY symbol, margin_mode", [chat_id]
        )
        return [_to_state(r) for r in rows]

    def all(self) -> list[AlertState]:
        """Every stored state, to rebuild the monitor after a restart."""
        rows = self._db.query("SELECT * FROM alert_state ORDER BY chat_id, symbol, margin_mode")
        return [_to_state(r) for r in rows]


@functools.lru_cache(maxsize=64)  # a handful of level sets, written thousands of times
def _armed_json(armed: frozenset[str]) -> str | None:
    return dump_json(sorted(armed))


def _to_state(row: dict[str, Any]) -> AlertState:
    # A row created by set_snooze alone has armed NULL, which must not read as "nothing armed".
    armed = load_json(row["armed"])
    return AlertState(
        chat_id=row["chat_id"],
        symbol=row["symbol"],
        margin_mode=row["margin_mode"],
        level=row["level"],
        episode_id=row["episode_id"],
        first_sent_at=row["first_sent_at"],
        last_sent_at=row["last_sent_at"],
        next_reminder_at=row["next_reminder_at"],
        snooze_until=row["snooze_until"],
        armed=DEFAULT_ARMED if armed is None else frozenset(armed),
        last_distance=text_to_dec(row["last_distance"]),
        position_sig=row["position_sig"],
        extra=load_json(row["extra"]) or {},
        updated_at=row["updated_at"],
    )
