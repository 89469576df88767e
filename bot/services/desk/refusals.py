"""Who gets told "Margin Desk is private" now: once per stranger per 10 minutes, in bounded memory.

A flood of strangers (30 in a group, or a bot farm writing privately) must not fill the outbox:
each is refused once, and their further messages within the window are dropped in silence. The
memory is a time-ordered map of at most `capacity` senders; beyond that the oldest are forgotten
(they may be told once more: harmless, the notifier sends refusals at the lowest priority).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from bot.timing import Clock

REFUSAL_INTERVAL = 600.0  # seconds: one refusal per stranger per 10 min
REFUSAL_MEMORY = 10_000  # strangers remembered at once


class RefusalGate:
    """`allow(sender)` is True at most once per `interval` seconds for each sender."""

    def __init__(
        self, clock: Clock, interval: float = REFUSAL_INTERVAL, capacity: int = REFUSAL_MEMORY
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._clock, self._interval, self._capacity = clock, interval, capacity
        self._told: OrderedDict[Hashable, float] = OrderedDict()  # sender -> when, oldest first

    def __len__(self) -> int:
        return len(self._told)

    def allow(self, sender: Hashable) -> bool:
        """True when this sender has not been refused within the interval (and remember it)."""
        now = self._clock.monotonic()
        while self._told:
            oldest, at = next(iter(self._told.items()))
            if now - at < self._interval:
                break
            del self._told[oldest]
        if sender in self._told:
            return False
        self._told[sender] = now
        if len(self._told) > self._capacity:
            self._told.popitem(last=False)
        return True
