"""How fresh the monitor's data is: when to fall back to REST and when monitoring is degraded.

Pure bookkeeping over monotonic seconds passed in (alert-policy.md, Stale data): with WebSocket
off, poll every MONITOR_POLL_SECONDS; with it on, poll every stale_poll_interval while the mark
stream has been silent for mark_stale_after or the private stream is down; nothing fresh for
degraded_after means degraded.
"""

from __future__ import annotations

import math

from bot.services.monitor.alert_events import DegradedEvent
from bot.timing import Timings


class FeedHealth:
    """Freshness of marks and positions, and the REST polling schedule."""

    def __init__(self, timings: Timings, poll_seconds: float, websocket: bool, now: float) -> None:
        self._t = timings
        self.poll_seconds = poll_seconds
        self.websocket = websocket
        self.started_at = now
        self.last_mark_at: float | None = None  # any fresh mark, pushed or polled
        self.last_push_at: float | None = None  # a mark pushed by the stream
        self.last_poll_at: float | None = None
        self.last_funding_at: float | None = None
        self.private_up: bool | None = None  # None: no private stream to judge
        self.positions_wanted = True  # a REST read of positions is owed (start, reconnect)
        self.degraded = False
        self.told: list[int] = []  # chats told "degraded", to be told "recovered"

    def age(self, now: float) -> float | None:
        """Seconds since the last fresh mark; None before the first."""
        return None if self.last_mark_at is None else now - self.last_mark_at

    def silence(self, now: float) -> float:
        """Seconds without a fresh mark, counting from start-up before the first one."""
        return now - (self.last_mark_at if self.last_mark_at is not None else self.started_at)

    def stream_silent(self, now: float) -> bool:
        """True when the mark stream is off or has pushed nothing for mark_stale_after."""
        if not self.websocket:
            return True
        last = self.last_push_at if self.last_push_at is not None else self.started_at
        return now - last >= self._t.mark_stale_after

    def poll_plan(self, now: float) -> tuple[bool, bool] | None:
        """(marks, positions) to read over REST now, or None when no poll is due."""
        if not self.websocket:
            due = self._elapsed(self.last_poll_at, now, self.poll_seconds)
            return (True, True) if due else None
        marks = self.stream_silent(now)
        positions = marks or self.positions_wanted or self.private_up is False
        if (marks or positions) and self._elapsed(
            self.last_poll_at, now, self._t.stale_poll_interval
        ):
            return (marks, positions)
        return None

    def next_poll_at(self, now: float) -> float:
        """When poll_plan next has a poll (monotonic), for the run loop's nap; infinity while
        the streams suffice (the loop's 1 s nap notices a stream falling silent)."""
        if not self.websocket:
            interval = self.poll_seconds
        elif self.stream_silent(now) or self.positions_wanted or self.private_up is False:
            interval = self._t.stale_poll_interval
        else:
            return math.inf
        return now if self.last_poll_at is None else self.last_poll_at + interval

    def funding_due(self, now: float) -> bool:
        """True when sum_unitary_funding should be re-read (WS marks carry no funding)."""
        return self._elapsed(self.last_funding_at, now, self._t.funding_poll_interval)

    def should_degrade(self, now: float) -> bool:
        """True once nothing fresh came for degraded_after (and it was not yet announced)."""
        return not self.degraded and self.silence(now) >= self._t.degraded_after

    def degrade(self, chats: list[int], now: float) -> list[DegradedEvent]:
        """Declare the feed degraded: one event per affected chat (none if nobody is watched)."""
        if not chats:
            return []
        self.degraded, self.told = True, chats
        return [DegradedEvent(c, True, self.age(now)) for c in chats]

    def recover(self, now: float) -> list[DegradedEvent]:
        """Fresh data is back (call before recording it): one event per chat told of the outage."""
        if not self.degraded:
            return []
        events = [DegradedEvent(c, False, self.silence(now)) for c in self.told]
        self.degraded, self.told = False, []
        return events

    def fresh(self, mark_at: float | None, now: float) -> bool:
        """True when a mark taken at mark_at may still ground a conclusion such as "recovered"."""
        return mark_at is not None and now - mark_at < self._t.degraded_after

    @staticmethod
    def _elapsed(last: float | None, now: float, interval: float) -> bool:
        return last is None or now - last >= interval
