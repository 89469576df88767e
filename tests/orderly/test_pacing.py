"""Client-side pacing of Orderly's tight limits, on a hand-moved clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.orderly.pacing import Pacer, TtlCache, bucket_for
from bot.timing import FakeClock


class FakeSleep:
    """An asyncio.sleep stand-in that moves the fake clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pacer(clock: FakeClock) -> Pacer:
    return Pacer(clock, FakeSleep(clock))


@pytest.mark.parametrize(("method", "path", "bucket"), [
    ("GET", "/v1/client/leverage?symbol=PERP_ETH_USDC&margin_mode=ISOLATED", "leverage-read"),
    ("GET", "/v1/client/leverages", None),
    ("POST", "/v1/client/leverages", "leverage-write"),
    ("GET", "/v1/client/info", "client-info"),
    ("GET", "/v1/client/aggregate/holding", "aggregate-holding"),
    ("GET", "/v1/client/holding", None),
    ("GET", "/v1/positions", "positions"),
    ("GET", "/v1/position/PERP_ETH_USDC?margin_mode=ISOLATED", "positions"),
    ("POST", "/v1/order", "orders"),
    ("PUT", "/v1/order", "orders"),
    ("DELETE", "/v1/order?order_id=1&symbol=PERP_ETH_USDC", "orders"),
    ("DELETE", "/v1/client/order?client_order_id=a&symbol=PERP_ETH_USDC", "orders"),
    ("GET", "/v1/orders?status=INCOMPLETE", "orders"),
    ("DELETE", "/v1/orders", "orders"),
    ("GET", "/v1/order/42", "orders"),
    ("GET", "/v1/client/order/my-id", "orders"),
    ("get", "/v1/public/system_info", "system-info"),
    ("POST", "/v1/position_margin", "position-margin"),
    ("GET", "/v1/public/info", None),
    ("GET", "/v1/order/42/extra", None),
])
def test_bucket_for(method: str, path: str, bucket: str | None) -> None:
    assert bucket_for(method, path) == bucket


# (request, number of calls, seconds the last call must wait for on the injected clock)
@pytest.mark.parametrize(("method", "path", "calls", "last_at"), [
    ("GET", "/v1/client/leverage?symbol=A", 2, 1.0),
    ("GET", "/v1/client/leverage?symbol=A", 3, 2.0),
    ("POST", "/v1/client/leverages", 5, 0.0),
    ("POST", "/v1/client/leverages", 6, 60.0),
    ("GET", "/v1/client/info", 10, 0.0),
    ("GET", "/v1/client/info", 11, 60.0),
    ("GET", "/v1/client/aggregate/holding", 2, 60.0),
    ("GET", "/v1/positions", 30, 0.0),
    ("GET", "/v1/position/PERP_ETH_USDC", 31, 10.0),
    ("POST", "/v1/order", 11, 1.0),
    ("GET", "/v1/public/system_info", 2, 1.0),
    ("GET", "/v1/public/info", 50, 0.0),
])
async def test_limits_table(
    pacer: Pacer, clock: FakeClock, method: str, path: str, calls: int, last_at: float
) -> None:
    start = clock.monotonic()
    for _ in range(calls):
        await pacer.pace(method, path)
    assert clock.monotonic() - start == pytest.approx(last_at)


async def test_shared_bucket_counts_both_endpoints(pacer: Pacer, clock: FakeClock) -> None:
    start = clock.monotonic()
    for _ in range(15):
        await pacer.pace("GET", "/v1/positions")
        await pacer.pace("GET", "/v1/position/PERP_BTC_USDC")
    assert clock.monotonic() - start == 0
    await pacer.pace("GET", "/v1/positions")
    assert clock.monotonic() - start == pytest.approx(10.0)


async def test_window_slides_rather_than_resets(pacer: Pacer, clock: FakeClock) -> None:
    for _ in range(4):
        await pacer.acquire("leverage-write")
    clock.advance(30)
    await pacer.acquire("leverage-write")  # 5th, inside the first window
    waited = await pacer.acquire("leverage-write")  # waits for the first four to age out
    assert waited == pytest.approx(30.0)


async def test_concurrent_callers_are_spaced(pacer: Pacer, clock: FakeClock) -> None:
    stamps: list[float] = []

    async def call() -> None:
        await pacer.acquire("leverage-read")
        stamps.append(clock.monotonic())

    await asyncio.gather(call(), call(), call())
    assert [s - stamps[0] for s in stamps] == pytest.approx([0.0, 1.0, 2.0])


async def test_idle_time_restores_the_budget(pacer: Pacer, clock: FakeClock) -> None:
    await pacer.acquire("system-info")
    clock.advance(1.5)
    assert await pacer.acquire("system-info") == 0.0


def test_ttl_cache_expires_and_drops_by_kind(clock: FakeClock) -> None:
    cache = TtlCache(clock)
    cache.put("markets", [1], ttl=300)
    cache.put(("leverage", "A", "ISOLATED"), 5, ttl=30)
    cache.put(("leverage", "B", "CROSS"), 7, ttl=30)
    clock.advance(29)
    assert cache.get(("leverage", "A", "ISOLATED")) == 5
    cache.drop("leverage")
    assert cache.get(("leverage", "A", "ISOLATED")) is None
    assert cache.get(("leverage", "B", "CROSS")) is None
    assert cache.get("markets") == [1]
    clock.advance(272)
    assert cache.get("markets") is None
