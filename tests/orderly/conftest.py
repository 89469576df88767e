"""Fixtures for the REST client tests (a module's own fixture of the same name wins)."""

from __future__ import annotations

import random

import httpx
import pytest

from bot.orderly.client import OrderlyClient
from bot.orderly.signing import Signer
from bot.timing import FakeClock, Timings
from tests.orderly.client_kit import (
    ACCOUNT,
    KEY,
    SECRET,
    FakeExchange,
    FakeSleep,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep(clock: FakeClock) -> FakeSleep:
    return FakeSleep(clock)


@pytest.fixture
def exchange(clock: FakeClock) -> FakeExchange:
    return FakeExchange(clock)


@pytest.fixture
async def client(clock: FakeClock, sleep: FakeSleep, exchange: FakeExchange):
    async with OrderlyClient(
        "https://api.orderly.org", Signer(ACCOUNT, KEY, SECRET),
        transport=httpx.MockTransport(exchange.handle), clock=clock, sleep=sleep,
        rng=random.Random(7), timings=Timings(read_retries=3),
    ) as c:
        yield c
