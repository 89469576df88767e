"""Kit for the exchange-layer e2e tests: a paper exchange on 127.0.0.1, clients and stream inboxes.

Everything goes through the real stack (httpx -> uvicorn -> starlette -> engine, websockets both
ways). The client's pacing and retry waits run on a clock that jumps instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.orderly.client import OrderlyClient
from bot.orderly.signing import Signer
from bot.orderly.stream import ConnectionEvent, ConnectionState, OrderlyStream, StreamEvent
from bot.paper.runner import PaperExchange
from bot.timing import DEFAULT_TIMINGS, Timings

ETH, BTC, SOL = "PERP_ETH_USDC", "PERP_BTC_USDC", "PERP_SOL_USDC"
FAST = dataclasses.replace(
    DEFAULT_TIMINGS, ws_reconnect_base=0.05, ws_reconnect_max=0.2, ws_close_timeout=0.2,
    ws_silence_timeout=5.0,
)
WAIT = 3.0  # upper bound for anything a test waits on


class JumpClock:
    """Real wall time (plus `offset` s); monotonic time jumps forward instead of sleeping."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset
        self.slept: list[float] = []
        self._jump = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self._jump

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._jump += seconds
        await asyncio.sleep(0)


class Recorder:
    """ASGI wrapper that records every HTTP request the server receives: (method, path, body)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str, bytes]] = []

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.requests if (m, p) == (method, path))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        index = len(self.requests)
        self.requests.append((scope["method"], scope["path"], b""))  # seen, even if never read
        chunks: list[bytes] = []

        async def recording_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                method, path, _ = self.requests[index]
                self.requests[index] = (method, path, b"".join(chunks))
            return message

        await self.app(scope, recording_receive, send)


@contextlib.asynccontextmanager
async def paper(**options: Any) -> AsyncIterator[tuple[PaperExchange, Recorder]]:
    """A served paper exchange (fixed prices, no server rate limits unless given) + its recorder."""
    options.setdefault("simulate_market", False)
    options.setdefault("limits", {})
    exchange = PaperExchange(None, **options)
    recorder = Recorder(exchange.app)
    exchange.app = recorder  # uvicorn serves whatever `app` is when the exchange starts
    async with exchange:
        yield exchange, recorder


def client_for(
    exchange: PaperExchange, signer: Signer | Any = None, *, clock: JumpClock | None = None,
    timings: Timings = FAST,
) -> OrderlyClient:
    """The bot's REST client for the paper account (or for `signer`), waits skipped."""
    clock = clock or JumpClock()
    return OrderlyClient(
        exchange.base_url, signer or exchange.credentials.signer(), clock=clock,
        timings=timings, sleep=clock.sleep,
    )


class Inbox:
    """Collects stream events; wait_for() returns the first new event matching a predicate."""

    def __init__(self) -> None:
        self.events: list[StreamEvent] = []
        self._arrived = asyncio.Event()

    async def __call__(self, event: StreamEvent) -> None:
        self.events.append(event)
        self._arrived.set()

    def mark(self) -> int:
        return len(self.events)

    def connects(self) -> int:
        return sum(
            1 for e in self.events
            if isinstance(e, ConnectionEvent) and e.state is ConnectionState.CONNECTED
        )

    async def wait_for(
        self, match: Callable[[StreamEvent], bool], since: int = 0, within: float = WAIT
    ) -> Any:
        async def first() -> StreamEvent:
            seen = since
            while True:
                for event in self.events[seen:]:
                    if match(event):
                        return event
                seen = len(self.events)
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(first(), within)


@contextlib.asynccontextmanager
async def streaming(
    exchange: PaperExchange, topics: list[str], *, private: bool = True,
    signer: Signer | None = None,
) -> AsyncIterator[tuple[OrderlyStream, Inbox]]:
    """An OrderlyStream on the paper exchange, running and subscribed before the body starts."""
    inbox = Inbox()
    signer = signer or exchange.credentials.signer()
    base = exchange.ws_private_url if private else exchange.ws_public_url
    stream = OrderlyStream(
        f"{base}/{exchange.account_id}", signer=signer if private else None, topics=topics,
        on_message=inbox, timings=FAST,
    )
    task = asyncio.create_task(stream.run())
    try:
        await inbox.wait_for(lambda e: isinstance(e, ConnectionEvent)
                             and e.state is ConnectionState.CONNECTED)
        await until_subscribed(exchange, topics)
        yield stream, inbox
    finally:
        await stream.stop()
        await asyncio.wait_for(task, WAIT)


async def until_subscribed(exchange: PaperExchange, topics: list[str]) -> None:
    """Wait until a paper-side socket follows every topic: the stream reports CONNECTED once it
    has SENT its subscribes, and a push published before the server reads them would be lost."""
    async def done() -> None:
        # the hub has no event for "subscribed", so poll it (briefly)
        while not any(set(topics) <= set(c.topics) for c in exchange.hub._conns):  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    await asyncio.wait_for(done(), WAIT)
