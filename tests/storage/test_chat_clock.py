"""A chat's time zone and daily-summary schedule in SQLite: defaults, round trips, and a day
that can be marked sent only once."""

from __future__ import annotations

from datetime import date, time

from bot.domain.records import DailySchedule
from storage.chat_clock import ChatClockStore
from storage.db import open_database


def test_zone_defaults_to_utc_and_round_trips() -> None:
    store = ChatClockStore(open_database(":memory:"))
    assert store.zone_name(7) == "UTC"
    store.set_zone(7, "Europe/Berlin")
    store.set_zone(7, "Asia/Tokyo")
    assert (store.zone_name(7), store.zone_name(8)) == ("Asia/Tokyo", "UTC")


def test_daily_schedule_and_a_day_marked_once(tmp_path) -> None:
    path = tmp_path / "db.sqlite"
    store = ChatClockStore(open_database(path))
    assert store.daily(1) is None and store.all_daily() == []
    store.set_daily(1, time(8, 0), None)
    store.set_daily(2, time(23, 59), date(2026, 7, 1))
    assert store.all_daily() == [DailySchedule(1, time(8, 0), None),
                                 DailySchedule(2, time(23, 59), date(2026, 7, 1))]
    assert store.mark_sent(1, date(2026, 7, 2))
    assert not store.mark_sent(1, date(2026, 7, 2))  # the same day again: refused
    assert not store.mark_sent(1, date(2026, 7, 1))  # an earlier day: refused
    again = ChatClockStore(open_database(path))  # a restart reads the same schedule
    assert again.daily(1) == DailySchedule(1, time(8, 0), date(2026, 7, 2))
    assert again.daily_off(1) and not again.daily_off(1)
    assert not again.mark_sent(1, date(2026, 7, 3))  # opted out: nothing to mark
