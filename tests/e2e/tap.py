"""What surrounds the bot in end-to-end tests: the paper exchange, fresh accounts on it, a
recording (and answer-losing) transport for the bot's exchange client, and a movable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from bot.botapi import BotApiEmulator
from bot.paper.credentials import PaperCredentials, issue
from bot.paper.runner import PaperExchange
from bot.timing import SystemClock, Timings

# Short client timeout so "no answer" tests stay fast; notifier pacing shortened likewise.
TIMINGS = Timings(http_timeout=5.0, notify_per_chat_interval=0.02, retry_base_delay=0.05,
                  daily_check_interval=0.1)
START_BALANCE = 10_000


@dataclass(frozen=True)
class Request:
    """One HTTP request the bot sent to the exchange."""

    method: str
    path: str
    body: bytes
    seq: int  # how many Bot API calls the emulator had seen when it was sent (ordering)


@dataclass
class ExchangeTap(httpx.AsyncBaseTransport):
    """The client's transport: forwards to the paper exchange, records, and can lose answers."""

    emulator: BotApiEmulator
    inner: httpx.AsyncBaseTransport = field(default_factory=httpx.AsyncHTTPTransport)
    requests: list[Request] = field(default_factory=list)
    # (METHOD, path) -> how many of the next such requests to handle specially
    lose_answer: dict[tuple[str, str], int] = field(default_factory=dict)  # applied, no answer
    lose_request: dict[tuple[str, str], int] = field(default_factory=dict)  # never arrives

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        body = await request.aread()
        self.requests.append(Request(key[0], key[1], body, len(self.emulator.calls)))
        if self._take(self.lose_request, key):
            raise httpx.ReadTimeout("e2e: request lost on the way", request=request)
        response = await self.inner.handle_async_request(request)
        if self._take(self.lose_answer, key):
            await response.aread()  # the exchange did it; its answer goes nowhere
            await response.aclose()
            raise httpx.ReadTimeout("e2e: answer lost on the way back", request=request)
        return response

    @staticmethod
    def _take(plan: dict[tuple[str, str], int], key: tuple[str, str]) -> bool:
        if plan.get(key, 0) <= 0:
            return False
        plan[key] -= 1
        return True

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests sent so far, optionally only of one method and/or path."""
        return sum(
            1 for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path == path)
        )

    @property
    def writes(self) -> list[Request]:
        """Every request that could change something on the exchange."""
        return [r for r in self.requests if r.method != "GET"]

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def paper_exchange() -> AsyncIterator[PaperExchange]:
    """The paper exchange on loopback: no simulated market, nothing saved to disk."""
    async with PaperExchange(None, simulate_market=False, seed=7, timings=TIMINGS) as paper:
        yield paper


def new_account(paper: PaperExchange) -> PaperCredentials:
    """A fresh funded account with its own key, so tests sharing one exchange never meet."""
    credentials = issue(SystemClock())
    paper.engine.create_account(credentials.account_id, Decimal(START_BALANCE))
    paper.engine.add_key(credentials.key_record())
    paper.engine.drain_events()
    return credentials
