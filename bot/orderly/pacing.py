"""Client-side pacing and caching for Orderly's tight per-endpoint rate limits (§3).

A sliding-window limiter: a bucket allows `count` calls in any `period` seconds and makes the
next caller sleep until the oldest call leaves the window. Endpoints that share a server quota
share a bucket. TtlCache keeps the rarely-changing answers (market info, client info,
leverage) so they are not asked for again. Clock and sleep are injected so tests move time by hand.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.timing import Clock, SystemClock

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    period: float  # seconds


# bucket -> limit. Shared buckets are conservative where the SPEC is vague about sharing.
LIMITS: dict[str, Rate] = {
    "leverage-read": Rate(1, 1.0),  # per IP
    "leverage-write": Rate(5, 60.0),
    "client-info": Rate(10, 60.0),
    "aggregate-holding": Rate(1, 60.0),
    "positions": Rate(30, 10.0),
    "orders": Rate(10, 1.0),
    "system-info": Rate(1, 1.0),  # per IP
    "position-margin": Rate(10, 1.0),
    "trades": Rate(10, 1.0),
    "funding-fees": Rate(20, 60.0),  # GET /v1/funding_fee/history: 20 per 60 s per user
}

# (method, path pattern, bucket); `*` matches exactly one path segment.
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/v1/client/leverage", "leverage-read"),
    ("POST", "/v1/client/leverages", "leverage-write"),
    ("GET", "/v1/client/info", "client-info"),
    ("GET", "/v1/client/aggregate/holding", "aggregate-holding"),
    ("GET", "/v1/positions", "positions"),
    ("GET", "/v1/position/*", "positions"),
    ("POST", "/v1/order", "orders"),
    ("PUT", "/v1/order", "orders"),
    ("DELETE", "/v1/order", "orders"),
    ("DELETE", "/v1/client/order", "orders"),
    ("GET", "/v1/orders", "orders"),
    ("DELETE", "/v1/orders", "orders"),
    ("GET", "/v1/order/*", "orders"),
    ("GET", "/v1/client/order/*", "orders"),
    ("GET", "/v1/public/system_info", "system-info"),
    ("POST", "/v1/position_margin", "position-margin"),
    ("GET", "/v1/trades", "trades"),
    ("GET", "/v1/funding_fee/history", "funding-fees"),
)


def bucket_for(method: str, path: str) -> str | None:
    """The pacing bucket of a request (query string ignored), or None when unpaced."""
    segments = path.split("?", 1)[0].rstrip("/").split("/")
    for route_method, pattern, bucket in ROUTES:
        parts = pattern.split("/")
        if route_method == method.upper() and len(parts) == len(segments) and all(
            p in ("*", s) for p, s in zip(parts, segments, strict=True)
        ):
            return bucket
    return None


class Pacer:
    """Waits, per bucket, until one more call fits into the bucket's window."""

    def __init__(
        self,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        limits: Mapping[str, Rate] = LIMITS,
    ) -> None:
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._limits = dict(limits)
        self._calls: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, bucket: str | None) -> float:
        """Wait until a call in `bucket` is allowed and record it; returns the seconds waited."""
        rate = self._limits.get(bucket) if bucket else None
        if rate is None or bucket is None:
            return 0.0
        calls = self._calls.setdefault(bucket, deque())
        waited = 0.0
        # one waiter at a time per bucket keeps the order fair and the window exact
        async with self._locks.setdefault(bucket, asyncio.Lock()):
            while True:
                now = self._clock.monotonic()
                while calls and calls[0] <= now - rate.period:
                    calls.popleft()
                if len(calls) < rate.count:
                    calls.append(now)
                    return waited
                delay = calls[0] + rate.period - now
                waited += delay
                await self._sleep(delay)

    async def pace(self, method: str, path: str) -> float:
        """acquire() for the bucket of this request."""
        return await self.acquire(bucket_for(method, path))


class TtlCache:
    """Values that expire `ttl` seconds (monotonic) after they were stored."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._items: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any:
        """The stored value, or None when absent or expired."""
        item = self._items.get(key)
        return item[1] if item is not None and item[0] > self._clock.monotonic() else None

    def put(self, key: Hashable, value: Any, ttl: float) -> None:
        self._items[key] = (self._clock.monotonic() + ttl, value)

    def drop(self, kind: str) -> None:
        """Forget every entry whose key is `kind` or a tuple starting with it."""
        stale = [k for k in self._items if k == kind or (isinstance(k, tuple) and k[0] == kind)]
        for key in stale:
            del self._items[key]
