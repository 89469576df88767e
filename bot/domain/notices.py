"""Which notices a chat gets, and when they ring: per-kind switches and quiet hours. Pure.

A notice is something the bot pushes on its own (not a reply). Each has a kind; the chat may
switch kinds off (`/notify reminders off`). During the chat's quiet hours (`/notify quiet
23:00-07:00`, read in the chat's time zone) every non-critical notice still arrives but silently
(Telegram's disable_notification). Critical notices — a critical alert, a deepening, a critical
reminder, a liquidation — are never silenced by quiet hours; a first alert, an escalation or a
deepening has no switch at all (only reminders, the repeats, can be switched off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


class NoticeSwitch(StrEnum):
    """The notices a chat may switch off (/notify KIND on|off), all on by default."""

    FILLS = "fills"  # a fill or partial fill of an order
    ORDERS = "orders"  # an order cancelled or rejected by the exchange, a liquidation trade
    REMINDERS = "reminders"  # an alert repeated while the position stays in its level
    DAILY = "daily"  # the morning summary (/daily)
    DEGRADED = "degraded"  # monitoring degraded / back to normal


NOTICE_SWITCHES = tuple(NoticeSwitch)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window [start, end) in minutes after local midnight; end < start wraps midnight."""

    start: int
    end: int

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if not 0 <= value < MINUTES_PER_DAY:
                raise ValueError(f"minute of day out of range: {value}")
        if self.start == self.end:
            raise ValueError("quiet hours must not start and end at the same time")

    def contains(self, minute: int) -> bool:
        """True when `minute` (after local midnight) lies inside the window."""
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end  # across midnight

    def active_at(self, epoch: float, tz: ZoneInfo) -> bool:
        """True when the instant `epoch` (seconds) falls in the window on the wall clock of tz."""
        local = datetime.fromtimestamp(epoch, tz)
        return self.contains(local.hour * 60 + local.minute)

    @property
    def text(self) -> str:
        """`23:00-07:00`."""
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_clock(text: str) -> int | None:
    """`7:05` / `07:05` -> 425 minutes after midnight; None if it is not a 24-hour time."""
    match = _CLOCK.fullmatch(text) if text.isascii() else None
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def parse_quiet_hours(text: str) -> QuietHours | None:
    """`23:00-07:00` -> QuietHours(1380, 420); None for anything else (or an empty window)."""
    parts = text.split("-")
    if len(parts) != 2:
        return None
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start is None or end is None or start == end:
        return None
    return QuietHours(start, end)


@dataclass(frozen=True, slots=True)
class NoticePrefs:
    """One chat's switches (kinds switched off) and quiet hours (None: none)."""

    off: frozenset[NoticeSwitch] = frozenset()
    quiet: QuietHours | None = None

    def allows(self, kind: NoticeSwitch) -> bool:
        """True when notices of this kind are switched on."""
        return kind not in self.off


@dataclass(frozen=True, slots=True)
class Route:
    """How a notice goes out: at all, and whether it rings."""

    send: bool
    silent: bool = False


DROP = Route(send=False)


def route(
    prefs: NoticePrefs, kind: NoticeSwitch | None, *, critical: bool, silent: bool, now: float,
    tz: ZoneInfo,
) -> Route:  # fmt: skip
    """Whether a notice of `kind` (None: a kind with no switch, e.g. a first alert or an
    escalation) goes out, and whether it rings. `silent` is how it would go anyway.

    A switched-off kind is dropped whatever its level (reminders off mutes critical reminders
    too, as /snooze does); what does go out and is critical always rings, quiet hours or not."""
    if kind is not None and not prefs.allows(kind):
        return DROP
    if critical:
        return Route(send=True, silent=False)
    quiet = prefs.quiet is not None and prefs.quiet.active_at(now, tz)
    return Route(send=True, silent=silent or quiet)
