"""Knows whether long polling really reaches Telegram: wraps PTB's getUpdates request and
remembers when a poll last came back 200 (the heartbeat behind `margin-desk health` reads it)."""

from __future__ import annotations

import time

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData


class PollWatch(BaseRequest):
    """A getUpdates request that delegates to `inner` and records its successes."""

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner
        self.last_ok: float | None = None  # time.monotonic() of the last 200 answer
        self._in_flight_since: float | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:  # fmt: skip
        self._in_flight_since = time.monotonic()
        try:
            code, body = await self._inner.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )
        finally:
            self._in_flight_since = None
        if code == 200:
            self.last_ok = time.monotonic()
        return code, body

    def polling_within(self, seconds: float) -> bool:
        """A poll succeeded, or the one in flight started, less than `seconds` ago."""
        now = time.monotonic()
        marks = [m for m in (self.last_ok, self._in_flight_since) if m is not None]
        return bool(marks) and now - max(marks) < seconds
