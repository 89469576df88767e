"""Orderly WebSocket client: connect, authenticate, subscribe, keep alive, reconnect (§2.4, §5).

One OrderlyStream per URL. run() keeps a connection up until stop(): on every (re)connect it
authenticates (private stream) and subscribes every topic again. Pushes become typed events
(pushes) handed to on_message one at a time, in order; a slow handler delays reading.
Nothing received for ws_silence_timeout means the link is dead: it is dropped and redialled
with jittered exponential backoff. last_message_at/is_connected let callers fall back to REST.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from bot.orderly.jsoncodec import dumps, loads
from bot.orderly.pushes import (
    AccountEvent,
    AlgoReportEvent,
    BalanceEvent,
    ConnectionEvent,
    ConnectionState,
    ExecutionEvent,
    LiquidationEvent,
    MarkPricesEvent,
    PositionsEvent,
    StreamEvent,
    parse_push,
)
from bot.orderly.signing import Signer
from bot.timing import DEFAULT_TIMINGS, Clock, SystemClock, Timings, now_ms

__all__ = [
    "AccountEvent",
    "AlgoReportEvent",
    "AuthRejected",
    "BalanceEvent",
    "ConnectionEvent",
    "ConnectionState",
    "ExecutionEvent",
    "LiquidationEvent",
    "MarkPricesEvent",
    "OrderlyStream",
    "PositionsEvent",
    "StreamEvent",
]

log = logging.getLogger(__name__)

Handler = Callable[[StreamEvent], Awaitable[None]]
_MAX_DOUBLINGS = 30  # 2**30 × base is far past any ws_reconnect_max


class AuthRejected(Exception):
    """The server answered our auth event with success=false."""


class _Silent(Exception):
    """Nothing arrived for ws_silence_timeout."""


class OrderlyStream:
    """A self-healing subscription to one Orderly WebSocket stream (public or private)."""

    def __init__(
        self,
        url: str,
        *,
        signer: Signer | None = None,
        topics: Sequence[str],
        on_message: Handler,
        clock: Clock | None = None,
        timings: Timings = DEFAULT_TIMINGS,
        rng: random.Random | None = None,
    ) -> None:
        self._url = url
        self._signer = signer
        self._topics = tuple(topics)
        self._on_message = on_message
        self._clock = clock or SystemClock()
        self._t = timings
        self._rng = rng or random.Random()
        self._ids = itertools.count(1)
        self._stopping = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._connected = False
        self._attempt = 0  # consecutive failed sessions, drives the backoff
        self._last_rx_loop = 0.0  # event-loop time of the last frame, for the silence timer
        self._last_message_at: float | None = None

    @property
    def is_connected(self) -> bool:
        """True while authenticated (if private) and subscribed on a live connection."""
        return self._connected

    @property
    def last_message_at(self) -> float | None:
        """clock.monotonic() when anything (push, ack, ping) last arrived; None before that."""
        return self._last_message_at

    async def run(self) -> None:
        """Stream until stop() or cancellation, reconnecting with backoff after any failure."""
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            started = loop.time()
            reason = ""
            try:
                await self._session()
            except AuthRejected as exc:
                reason = f"auth failed: {exc}"
                await self._emit(ConnectionEvent(ConnectionState.AUTH_FAILED, str(exc)))
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, _Silent) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            except InvalidURI:
                raise  # a configuration error: retrying cannot help
            except Exception as exc:  # never let one odd failure end the stream
                log.exception("stream %s: unexpected error", self._url)
                reason = f"{type(exc).__name__}: {exc}"
            finally:
                was_connected, self._connected, self._ws = self._connected, False, None
            if self._stopping.is_set():
                break
            log.warning("stream %s: connection lost (%s)", self._url, reason or "closed")
            if was_connected:
                await self._emit(ConnectionEvent(ConnectionState.DISCONNECTED, reason))
                if loop.time() - started >= self._t.ws_silence_timeout:
                    self._attempt = 0  # it was healthy for a while: start the backoff afresh
            await self._sleep(self._next_delay())

    async def stop(self) -> None:
        """Ask run() to finish: closes the live connection and cancels any backoff wait."""
        self._stopping.set()
        ws = self._ws
        if ws is not None:
            await ws.close()

    def _next_delay(self) -> float:
        """Equal-jitter exponential backoff: never zero, so never a tight loop."""
        cap = min(self._t.ws_reconnect_max,
                  self._t.ws_reconnect_base * 2 ** min(self._attempt, _MAX_DOUBLINGS))
        self._attempt += 1
        return cap * (0.5 + self._rng.random() / 2)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _session(self) -> None:
        async with connect(
            self._url,
            open_timeout=self._t.ws_silence_timeout,
            close_timeout=self._t.ws_close_timeout,
            ping_interval=None,  # keep-alive is our JSON ping plus the silence timer
        ) as ws:
            self._ws = ws
            if self._stopping.is_set():
                return
            self._mark_rx()
            if self._signer is not None:
                await self._authenticate(ws, self._signer)
            for topic in self._topics:
                await self._send(ws, {"id": f"sub-{next(self._ids)}", "event": "subscribe",
                                      "topic": topic})
            self._connected = True
            await self._emit(ConnectionEvent(ConnectionState.CONNECTED))
            await self._receive_loop(ws)

    async def _authenticate(self, ws: ClientConnection, signer: Signer) -> None:
        """Send the signed auth event and wait for its answer; AuthRejected on refusal."""
        params = signer.ws_auth(now_ms(self._clock))
        await self._send(ws, {"id": "auth", "event": "auth", "params": params})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._t.ws_silence_timeout
        while True:
            raw = await asyncio.wait_for(ws.recv(), max(deadline - loop.time(), 0.001))
            self._mark_rx()
            msg = self._decode(raw)
            if msg is None or await self._answer_ping(ws, msg):
                continue
            if msg.get("event") == "auth":
                if msg.get("success") is True:
                    return
                raise AuthRejected(str(msg.get("errorMsg") or "auth failed"))
            log.debug("stream %s: ignoring %s before auth", self._url, msg.get("event"))

    async def _receive_loop(self, ws: ClientConnection) -> None:
        """Read frames, ping on schedule, and raise _Silent when the server goes quiet."""
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + self._t.ws_ping_interval
        while True:
            silent_at = self._last_rx_loop + self._t.ws_silence_timeout
            # Cancelling recv() is safe in websockets' asyncio API: no frame is lost.
            wait = max(min(next_ping, silent_at) - loop.time(), 0.001)
            try:
                raw = await asyncio.wait_for(ws.recv(), wait)
            except TimeoutError:
                now = loop.time()
                if now >= silent_at:
                    ws.transport.abort()  # the peer is gone; do not wait for a close frame
                    raise _Silent(f"nothing received for {self._t.ws_silence_timeout}s") from None
                if now >= next_ping:
                    await self._send(ws, {"event": "ping", "ts": now_ms(self._clock)})
                    next_ping = now + self._t.ws_ping_interval
                continue
            self._mark_rx()
            await self._dispatch(ws, raw)

    async def _dispatch(self, ws: ClientConnection, raw: str | bytes) -> None:
        msg = self._decode(raw)
        if msg is None or await self._answer_ping(ws, msg):
            return
        event = msg.get("event")
        if event in ("pong", "subscribe", "unsubscribe", "auth"):
            if msg.get("success") is False:
                log.warning("stream %s: %s %s refused: %s", self._url, event,
                            msg.get("id"), msg.get("errorMsg"))
            return
        if "topic" not in msg:
            log.debug("stream %s: unhandled message %.200s", self._url, raw)
            return
        try:
            events = parse_push(msg)
        except (ValueError, TypeError, ArithmeticError) as exc:
            log.warning("stream %s: skipping bad %s push (%s)", self._url, msg.get("topic"), exc)
            return
        for item in events:
            await self._emit(item)

    async def _answer_ping(self, ws: ClientConnection, msg: dict[str, Any]) -> bool:
        """Reply to a server ping with a pong; True when msg was that ping."""
        if msg.get("event") != "ping":
            return False
        await self._send(ws, {"event": "pong", "ts": now_ms(self._clock)})
        return True

    def _decode(self, raw: str | bytes) -> dict[str, Any] | None:
        try:
            msg = loads(raw)
        except ValueError:
            log.warning("stream %s: skipping garbled frame %.200r", self._url, raw)
            return None
        if not isinstance(msg, dict):
            log.warning("stream %s: skipping non-object frame %.200r", self._url, raw)
            return None
        return msg

    def _mark_rx(self) -> None:
        self._last_rx_loop = asyncio.get_running_loop().time()
        self._last_message_at = self._clock.monotonic()

    async def _send(self, ws: ClientConnection, obj: dict[str, Any]) -> None:
        await ws.send(dumps(obj))

    async def _emit(self, event: StreamEvent) -> None:
        try:
            await self._on_message(event)
        except Exception:  # the caller's bug must not kill the stream
            log.exception("stream %s: handler failed on %s", self._url, type(event).__name__)
