"""Server-side rate limits (Orderly's tight ones) and the test hook that forces 429s or delays."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.timing import Clock

# (METHOD, path) -> (requests, window seconds). Orderly's costliest limits (orderly-api.md §3),
# so a client's 429 handling is exercised; counted per key (per client address when public).
DEFAULT_LIMITS: dict[tuple[str, str], tuple[int, float]] = {
    ("POST", "/v1/client/leverages"): (5, 60.0),
    ("GET", "/v1/client/leverage"): (1, 1.0),
}
# A client pacing itself to exactly the limit must not be refused for network jitter.
GRACE = 0.05  # seconds


class RateLimiter:
    """Sliding-window counters per (endpoint, caller) on an injected monotonic clock."""

    def __init__(self, clock: Clock, limits: dict[tuple[str, str], tuple[int, float]]) -> None:
        self._clock = clock
        self._limits = dict(limits)
        self._hits: dict[tuple[str, str, str], deque[float]] = {}

    def allow(self, method: str, route: str, caller: str) -> bool:
        """Count one request; False when it goes over the endpoint's limit (it is not counted)."""
        rule = self._limits.get((method, route))
        if rule is None:
            return True
        count, window = rule
        now = self._clock.monotonic()
        hits = self._hits.setdefault((method, route, caller), deque())
        while hits and hits[0] <= now - window + GRACE:
            hits.popleft()
        if len(hits) >= count:
            return False
        hits.append(now)
        return True


@dataclass
class Faults:
    """Test hook on `app.state.faults`: make the next HTTP responses fail or wait.

    fail_next(n) answers the next n requests with HTTP `status` (429 -> code -1003) WITHOUT
    running them; delay_next(n, s) waits s seconds before running each of the next n requests
    (the request is still applied, as when a real answer is lost to a client timeout).
    """

    failures: int = 0
    status: int = 429
    delays: int = 0
    delay_seconds: float = 0.0

    def fail_next(self, n: int, status: int = 429) -> None:
        self.failures, self.status = n, status

    def delay_next(self, n: int, seconds: float) -> None:
        self.delays, self.delay_seconds = n, seconds

    def clear(self) -> None:
        self.failures = self.delays = 0

    def take_failure(self) -> int | None:
        """The HTTP status to fail this request with, or None."""
        if self.failures <= 0:
            return None
        self.failures -= 1
        return self.status

    def take_delay(self) -> float:
        if self.delays <= 0:
            return 0.0
        self.delays -= 1
        return self.delay_seconds
