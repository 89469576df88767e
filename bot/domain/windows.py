"""Report windows and the daily schedule in a chat's time zone (pure: the zone is passed in).

"today" runs from the local midnight to now, so a day at a DST switch is 23 or 25 hours long;
"7d" and "30d" are rolling windows of exact hours ending now. A daily summary is due once per
local date, at or after its HH:MM wall-clock time (a time the DST gap skips is due at the first
wall-clock time after it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

DAY_MS = 86_400_000


class Span(StrEnum):
    TODAY = "today"
    DAY = "24h"  # the morning summary's "last day"
    WEEK = "7d"
    MONTH = "30d"


SPAN_DAYS = {Span.DAY: 1, Span.WEEK: 7, Span.MONTH: 30}


@dataclass(frozen=True, slots=True)
class Window:
    """[start_ms, end_ms] (both inclusive, ms since the epoch) and the span it came from."""

    start_ms: int
    end_ms: int
    span: Span

    def holds(self, ms: int) -> bool:
        return self.start_ms <= ms <= self.end_ms


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def local_now(now_ms: int, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(zone)


def day_start_ms(day: date, zone: tzinfo) -> int:
    """The instant the local `day` begins in `zone` (its local midnight)."""
    return to_ms(datetime.combine(day, time(0), zone))


def day_bounds(day: date, zone: tzinfo) -> tuple[int, int]:
    """[start, end) of the local `day` in ms: 23 h or 25 h long on a DST switch."""
    return day_start_ms(day, zone), day_start_ms(day + timedelta(days=1), zone)


def window(span: Span, now_ms: int, zone: tzinfo) -> Window:
    """The report window ending now: since the local midnight, or the last 7 / 30 days."""
    if span is Span.TODAY:
        start = day_start_ms(local_now(now_ms, zone).date(), zone)
    else:
        start = now_ms - SPAN_DAYS[span] * DAY_MS
    return Window(start, now_ms, span)


def parse_hhmm(text: str) -> time | None:
    """'08:00' / '8:05' → time; None when it is not a valid 24-hour HH:MM."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    h, m = int(hours), int(minutes)
    if len(hours) > 2 or h > 23 or m > 59:
        return None
    return time(h, m)


def daily_due(now_ms: int, zone: tzinfo, at: time, last_sent: date | None) -> date | None:
    """The local date whose summary is due now, or None: due once a local day, from `at` on."""
    now = local_now(now_ms, zone)
    today = now.date()
    if last_sent is not None and last_sent >= today:
        return None
    return today if now.time().replace(tzinfo=None) >= at else None
