"""Every timeout, interval and TTL in one place, and the injectable clock."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Timings:
    # exchange client
    http_timeout: float = 10.0
    read_retries: int = 3
    retry_base_delay: float = 0.25
    retry_max_delay: float = 4.0
    market_info_ttl: float = 300.0
    leverage_ttl: float = 30.0
    client_info_ttl: float = 60.0
    # websocket
    ws_ping_interval: float = 10.0
    ws_silence_timeout: float = 30.0
    ws_reconnect_base: float = 0.5
    ws_reconnect_max: float = 30.0
    ws_close_timeout: float = 2.0  # wait this long for the server's close frame
    # approvals
    order_approval_ttl: float = 60.0
    margin_approval_ttl: float = 120.0
    settle_interval: float = 30.0  # re-check transfers whose answer never came
    # monitor
    mark_stale_after: float = 5.0
    stale_poll_interval: float = 2.0
    degraded_after: float = 15.0
    funding_poll_interval: float = 60.0  # REST read of sum_unitary_funding while WS is healthy
    daily_check_interval: float = 20.0  # how often the morning summaries look for one due
    # notifier (Telegram: ~1 msg/s per chat, 20/min per group, ~30/s overall)
    notify_per_chat_interval: float = 1.0
    notify_group_per_minute: int = 20
    notify_global_per_second: int = 30
    notify_max_retries: int = 5  # timeouts / network errors before a message is reported failed
    notify_retry_base: float = 1.0
    notify_retry_max: float = 30.0
    notify_max_in_flight: int = 16  # concurrent Bot API calls: ~30/s even at 300 ms a call
    # paper exchange
    paper_tick_interval: float = 1.0
    paper_ws_ping_interval: float = 10.0
    max_clock_skew_ms: int = 300_000  # Orderly's timestamp window (±300 s), also the paper's

    @property
    def request_lifetime(self) -> float:
        """Seconds after a write's signed timestamp during which it may still apply: Orderly
        accepts the timestamp for `max_clock_skew_ms`, and an accepted request may take up to
        the client timeout to finish. Only after this is "it never arrived" a fact."""
        return self.max_clock_skew_ms / 1000 + self.http_timeout


DEFAULT_TIMINGS = Timings()


def with_overrides(base: Timings, text: str) -> Timings:
    """`base` with `name=value, …` applied (BOT_TIMINGS); ValueError names what is wrong."""
    kinds = {f.name: f.type for f in dataclasses.fields(Timings)}
    changes: dict[str, float | int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, raw = (x.strip() for x in part.partition("="))
        if not sep or name not in kinds:
            raise ValueError(f"{part!r} is not NAME=VALUE with NAME a field of bot/timing.py")
        try:
            value: float | int = int(raw) if kinds[name] in (int, "int") else float(raw)
        except ValueError:
            raise ValueError(f"{name}: {raw!r} is not a number") from None
        if not value > 0 or value == float("inf"):
            raise ValueError(f"{name} must be a positive finite number, not {raw!r}")
        changes[name] = value
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock tests move by hand, so expiry and reminders never sleep."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._mono = 1000.0

    def time(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._mono += seconds


class OffsetClock:
    """Real time plus an offset moved by hand: real sleeps and pacing still work, while expiry,
    reminders and re-arm holds can be jumped past (end-to-end tests, benchmarks)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def now_ms(clock: Clock) -> int:
    return int(clock.time() * 1000)
