"""Report windows and the daily schedule in a chat's time zone, DST switches included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.windows import (
    DAY_MS,
    Span,
    daily_due,
    day_bounds,
    parse_hhmm,
    to_ms,
    window,
)

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3_600_000


def utc(*args: int) -> int:
    return to_ms(datetime(*args, tzinfo=UTC))


def test_today_starts_at_the_local_midnight() -> None:
    now = utc(2026, 7, 1, 10, 0)  # 12:00 in Berlin (CEST, UTC+2)
    w = window(Span.TODAY, now, BERLIN)
    assert (w.start_ms, w.end_ms) == (utc(2026, 6, 30, 22, 0), now)
    assert window(Span.TODAY, now, UTC).start_ms == utc(2026, 7, 1)
    # 23:30 UTC is already tomorrow in Berlin
    late = utc(2026, 7, 1, 23, 30)
    assert window(Span.TODAY, late, BERLIN).start_ms == utc(2026, 7, 1, 22, 0)


def test_a_berlin_day_at_the_dst_switches_is_23_and_25_hours() -> None:
    spring = day_bounds(date(2026, 3, 29), BERLIN)  # clocks go 02:00 → 03:00
    assert spring == (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0))
    assert spring[1] - spring[0] == 23 * HOUR
    autumn = day_bounds(date(2026, 10, 25), BERLIN)  # clocks go 03:00 → 02:00
    assert autumn[1] - autumn[0] == 25 * HOUR
    # "today" at noon on the spring day began 13 h earlier (not 12)
    noon = utc(2026, 3, 29, 10, 0)
    assert noon - window(Span.TODAY, noon, BERLIN).start_ms == 11 * HOUR


def test_rolling_windows_are_exact_days() -> None:
    now = utc(2026, 3, 30, 12)
    assert window(Span.WEEK, now, BERLIN).start_ms == now - 7 * DAY_MS
    w = window(Span.MONTH, now, BERLIN)
    assert w.end_ms - w.start_ms == 30 * DAY_MS
    assert w.holds(now) and w.holds(w.start_ms) and not w.holds(w.start_ms - 1)


def test_hhmm_parsing() -> None:
    assert parse_hhmm("08:00") == time(8, 0)
    assert parse_hhmm("8:05") == time(8, 5)
    assert parse_hhmm("23:59") == time(23, 59)
    for bad in ("24:00", "8", "08:60", "8:5", "ab:cd", "-1:00", "08:00:00", "", "123:00"):
        assert parse_hhmm(bad) is None, bad


def test_daily_is_due_once_a_local_day_from_its_time() -> None:
    at = time(8, 0)
    before = utc(2026, 7, 1, 5, 59)  # 07:59 Berlin
    after = utc(2026, 7, 1, 6, 0)  # 08:00 Berlin
    assert daily_due(before, BERLIN, at, None) is None
    assert daily_due(after, BERLIN, at, None) == date(2026, 7, 1)
    assert daily_due(after, BERLIN, at, date(2026, 7, 1)) is None  # already sent today
    assert daily_due(after, BERLIN, at, date(2026, 6, 30)) == date(2026, 7, 1)
    # after local midnight it waits for 08:00 of the new day
    assert daily_due(utc(2026, 7, 1, 22, 30), BERLIN, at, date(2026, 7, 1)) is None


def test_a_time_in_the_spring_gap_is_due_right_after_it() -> None:
    at = time(2, 30)  # does not exist in Berlin on 2026-03-29
    assert daily_due(utc(2026, 3, 29, 0, 59), BERLIN, at, None) is None  # 01:59 CET
    assert daily_due(utc(2026, 3, 29, 1, 0), BERLIN, at, None) == date(2026, 3, 29)  # 03:00
    assert daily_due(utc(2026, 3, 29, 1, 0), BERLIN, at, date(2026, 3, 29)) is None  # once
