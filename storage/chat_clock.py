"""Each chat's time zone (`chat_zones`, /tz) and morning-summary schedule (`daily_summaries`,
/daily): the time in minutes after the chat's local midnight and the last local date sent."""

from __future__ import annotations

from datetime import date, time

from sqlite_utils import Database

from bot.domain.records import DailySchedule

UTC_NAME = "UTC"


class ChatClockStore:
    """Reads and writes `chat_zones` and `daily_summaries`; an unknown chat is UTC, no daily."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def zone_name(self, chat_id: int) -> str:
        rows = list(self._db.query("SELECT zone FROM chat_zones WHERE chat_id = ?", [chat_id]))
        return str(rows[0]["zone"]) if rows else UTC_NAME

    def set_zone(self, chat_id: int, zone: str) -> None:
        self._db.execute(
            "INSERT INTO chat_zones (chat_id, zone) VALUES (?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET zone = excluded.zone",
            [chat_id, zone],
        )

    def daily(self, chat_id: int) -> DailySchedule | None:
        rows = list(self._db.query(
            "SELECT chat_id, at_min, last_sent FROM daily_summaries WHERE chat_id = ?", [chat_id]))
        return _schedule(rows[0]) if rows else None

    def all_daily(self) -> list[DailySchedule]:
        rows = self._db.query(
            "SELECT chat_id, at_min, last_sent FROM daily_summaries ORDER BY chat_id")
        return [_schedule(r) for r in rows]

    def set_daily(self, chat_id: int, at: time, last_sent: date | None) -> None:
        """Opt in (or move the time); `last_sent` says which local day counts as done."""
        self._db.execute(
            "INSERT INTO daily_summaries (chat_id, at_min, last_sent) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET at_min = excluded.at_min,"
            " last_sent = excluded.last_sent",
            [chat_id, at.hour * 60 + at.minute, _iso(last_sent)],
        )

    def daily_off(self, chat_id: int) -> bool:
        """Opt out; False when the chat had no daily summary."""
        return bool(self._db.execute(
            "DELETE FROM daily_summaries WHERE chat_id = ?", [chat_id]).rowcount)

    def mark_sent(self, chat_id: int, day: date) -> bool:
        """Record `day` as summarised; False when it already was (or the chat opted out), so
        two rounds can never both send the same day."""
        cursor = self._db.execute(
            "UPDATE daily_summaries SET last_sent = ? WHERE chat_id = ?"
            " AND (last_sent IS NULL OR last_sent < ?)",
            [day.isoformat(), chat_id, day.isoformat()],
        )
        return bool(cursor.rowcount)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _schedule(row: dict[str, object]) -> DailySchedule:
    minutes = int(str(row["at_min"]))
    sent = row["last_sent"]
    return DailySchedule(
        int(str(row["chat_id"])), time(minutes // 60, minutes % 60),
        date.fromisoformat(str(sent)) if sent else None,
    )
