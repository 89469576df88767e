"""One signed HTTP exchange with Orderly: pacing, clock-skew correction, errors and retries.

Reads (GET) are retried with jittered exponential backoff on timeouts, connection errors, 5xx
and 429. Writes are never retried: once a write may have reached the exchange, any missing or
broken answer (timeout, dropped connection, 5xx, unreadable body) is OutcomeUnknown, so the
caller reconciles by reading state back. A write that provably never left (could not connect)
is plain ExchangeUnavailable, and a 429 means "not applied" -> RateLimited.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from bot.errors import (
    AUTH_CODES,
    AuthFailed,
    ConfigError,
    ExchangeError,
    ExchangeRejected,
    ExchangeUnavailable,
    OutcomeUnknown,
    RateLimited,
)
from bot.orderly import jsoncodec, wire
from bot.orderly.pacing import Pacer, Sleep
from bot.orderly.signing import Signer
from bot.timing import DEFAULT_TIMINGS, Clock, SystemClock, Timings, now_ms

DEFAULT_RETRY_AFTER = 1.0  # Orderly documents no Retry-After header; its windows are ~1 s
_SAFE = re.compile(r"^[A-Za-z0-9_.,:\-]+$")
# errors raised before a single byte left: safe to call "not applied" even for a write
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
Params = Sequence[tuple[str, object]]


def safe(value: object) -> str:
    """A query/path value as text, refused unless it needs no URL encoding (signed == sent)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Decimal):
        text = jsoncodec.plain(value)
    else:
        text = str(value)  # StrEnum's str() is its plain value
    if not _SAFE.match(text):
        raise ValueError(f"unsafe characters in request parameter {text!r}")
    return text


def path_with_query(path: str, params: Params = ()) -> str:
    """`path?k=v&…` in the given order, skipping None values."""
    query = "&".join(f"{k}={safe(v)}" for k, v in params if v is not None)
    return f"{path}?{query}" if query else path


def parse_one(model: type[BaseModel], data: Any, write: tuple[str, str] | None = None) -> Any:
    """Parse one wire object into its domain value; a reply of the wrong shape is an error.

    After a write that the exchange reported as done, an unreadable reply means the caller must
    reconcile by reading state back: OutcomeUnknown.
    """
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        why = f"unexpected {model.__name__} reply ({where}: {first['msg']})"
        if write is not None:
            raise OutcomeUnknown(write[0], write[1], why) from None
        raise ExchangeUnavailable(why) from None
    return parsed.to_domain()  # type: ignore[attr-defined]


def parse_many(model: type[BaseModel], data: Any, key: str = "rows") -> list[Any]:
    """parse_one() for every row of data.rows (or data[key])."""
    return [parse_one(model, row) for row in wire.rows(data, key)]


def retry_after_seconds(response: httpx.Response) -> float:
    """Seconds from a Retry-After header, else the default."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_RETRY_AFTER


class RestSession:
    """Sends requests to one Orderly REST base URL over one long-lived httpx.AsyncClient."""

    def __init__(
        self,
        base_url: str,
        signer: Signer | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        timings: Timings = DEFAULT_TIMINGS,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._prefix = urlsplit(self._base).path  # the server sees and verifies the full path
        self._signer = signer
        self._clock = clock or SystemClock()
        self._timings = timings
        self._rng = rng or random.Random()
        self._sleep = sleep
        self.pacer = Pacer(self._clock, sleep)
        self.clock_skew_ms = 0
        self._http = httpx.AsyncClient(transport=transport, timeout=timings.http_timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    def server_now_ms(self) -> int:
        """Local time corrected by the last observed server offset."""
        return now_ms(self._clock) + self.clock_skew_ms

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = (),
        body: dict[str, object] | None = None,
        private: bool = True,
        timestamp_ms: int | None = None,
    ) -> wire.Envelope:
        """Send one request (reads retried) and return its success envelope or raise.

        A write may carry the `orderly-timestamp` to sign (`timestamp_ms`, exchange time), so the
        caller can record it before sending: it bounds how long the request can still land.
        """
        method = method.upper()
        if private and self._signer is None:
            raise ConfigError(f"{method} {path} needs an Orderly key; set ORDERLY_KEY/SECRET")
        target = path_with_query(path, params)
        text = "" if body is None else jsoncodec.dumps(body)  # serialised once, signed as sent
        if method != "GET":
            return await self._attempt(method, target, text, private, write=True,
                                       timestamp_ms=timestamp_ms)  # fmt: skip
        attempt = 0
        while True:
            try:
                return await self._attempt(method, target, text, private, write=False)
            except (ExchangeUnavailable, RateLimited) as exc:
                too_long = isinstance(exc, RateLimited) and (
                    exc.retry_after > self._timings.retry_max_delay
                )  # better to tell the user than to hang their command
                if attempt >= self._timings.read_retries or too_long:
                    raise
                await self._sleep(self._backoff(attempt, exc))
                attempt += 1

    def _backoff(self, attempt: int, exc: ExchangeError) -> float:
        if isinstance(exc, RateLimited):
            return exc.retry_after
        cap = min(self._timings.retry_max_delay, self._timings.retry_base_delay * 2**attempt)
        return cap / 2 + self._rng.uniform(0, cap / 2)  # jitter spreads retries of many chats

    async def _attempt(
        self, method: str, target: str, text: str, private: bool, *, write: bool,
        timestamp_ms: int | None = None,
    ) -> wire.Envelope:
        await self.pacer.pace(method, target)
        signed_path = self._prefix + target
        headers: dict[str, str] = {}
        if private and self._signer is not None:  # built fresh per request, never shared
            stamp = self.server_now_ms() if timestamp_ms is None else timestamp_ms
            headers = self._signer.headers(stamp, method, signed_path, text)
        try:
            response = await self._http.request(
                method, self._base + target, content=text.encode() or None, headers=headers
            )
        except _NOT_SENT as exc:
            raise ExchangeUnavailable(f"{method} {target}: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            if write:
                raise OutcomeUnknown(method, target, type(exc).__name__) from exc
            raise ExchangeUnavailable(f"{method} {target}: {type(exc).__name__}") from exc
        return self._interpret(method, target, response, write)

    def _interpret(
        self, method: str, target: str, response: httpx.Response, write: bool
    ) -> wire.Envelope:
        status = response.status_code
        try:
            envelope: wire.Envelope | None = wire.parse_envelope(response.content)
        except ValueError:
            envelope = None
        if envelope is not None and envelope.timestamp is not None:
            self.clock_skew_ms = envelope.timestamp - now_ms(self._clock)
        code = envelope.code if envelope is not None and not envelope.success else None
        if status == 429 or code == -1003:
            raise RateLimited(retry_after_seconds(response))
        if status >= 500 or (envelope is None and 200 <= status < 300):
            why = f"HTTP {status}" + (f" code {code}" if code is not None else "")
            if write:  # the exchange may have applied it before failing
                raise OutcomeUnknown(method, target, why)
            raise ExchangeUnavailable(f"{method} {target}: {why}")
        if envelope is not None and envelope.success and status < 300:
            return envelope
        message = (envelope.message if envelope is not None else None) or f"HTTP {status}"
        if code is None:
            code = 0
        if code in AUTH_CODES or status == 401:
            raise AuthFailed(code, message, status)
        raise ExchangeRejected(code, message, status)
