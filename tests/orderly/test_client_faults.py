"""The REST client under faults: retries for reads, never for writes, typed errors, clock skew."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bot.domain.models import MarginAction, MarginMode, OrderRequest, OrderType, Side
from bot.errors import (
    AuthFailed,
    ExchangeRejected,
    ExchangeUnavailable,
    OutcomeUnknown,
    RateLimited,
)
from bot.orderly.client import OrderlyClient
from bot.timing import FakeClock, now_ms
from tests.orderly.client_kit import (
    ETH,
    FakeExchange,
    FakeSleep,
    Reply,
    error,
)


async def test_429_on_read_waits_retry_after_then_succeeds(
    client: OrderlyClient, exchange: FakeExchange, sleep: FakeSleep
):
    exchange.replies = [httpx.Response(429, headers={"Retry-After": "2"}),
                        error(-1003, "rate limit", 429), exchange.ok({"rows": []})]
    assert await client.get_tickers() == []
    assert len(exchange.requests) == 3
    assert sleep.calls == [2.0, 1.0]  # header honoured, then the 1 s default


async def test_long_retry_after_on_read_is_raised_not_slept(
    client: OrderlyClient, exchange: FakeExchange, sleep: FakeSleep
):
    exchange.replies = [httpx.Response(429, headers={"Retry-After": "30"})]
    with pytest.raises(RateLimited) as info:
        await client.get_tickers()
    assert info.value.retry_after == 30.0 and len(exchange.requests) == 1 and sleep.calls == []


async def test_5xx_read_is_retried_then_unavailable(
    client: OrderlyClient, exchange: FakeExchange, sleep: FakeSleep
):
    exchange.replies = [httpx.Response(503, content=b"<html>busy</html>")]
    with pytest.raises(ExchangeUnavailable) as info:
        await client.get_account_info()
    assert not isinstance(info.value, OutcomeUnknown)
    assert len(exchange.requests) == 4  # 1 + Timings.read_retries
    # jittered exponential backoff: each delay within [cap/2, cap] for cap 0.25, 0.5, 1.0
    for delay, cap in zip(sleep.calls, (0.25, 0.5, 1.0), strict=True):
        assert cap / 2 <= delay <= cap


async def test_read_timeout_is_retried(client: OrderlyClient, exchange: FakeExchange):
    exchange.replies = [httpx.ReadTimeout("slow"), exchange.ok({"holding": [
        {"token": "USDC", "holding": Decimal("1000.25"), "isolated_margin": 125}]})]
    holding = await client.get_holding()
    assert holding.holding == Decimal("1000.25") and len(exchange.requests) == 2


@pytest.mark.parametrize("reply", [
    httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("dropped"),
    httpx.Response(502), httpx.Response(200, content=b"not json"),
])
async def test_write_without_answer_is_outcome_unknown_and_never_retried(
    client: OrderlyClient, exchange: FakeExchange, sleep: FakeSleep, reply: Reply
):
    exchange.replies = [reply]
    with pytest.raises(OutcomeUnknown) as info:
        await client.create_order(OrderRequest(
            ETH, Side.BUY, OrderType.MARKET, Decimal("0.1"), MarginMode.ISOLATED))
    assert len(exchange.requests) == 1 and sleep.calls == []
    assert (info.value.method, info.value.path) == ("POST", "/v1/order")


async def test_write_that_never_connected_is_unavailable_not_unknown(
    client: OrderlyClient, exchange: FakeExchange
):
    exchange.replies = [httpx.ConnectError("refused")]
    with pytest.raises(ExchangeUnavailable) as info:
        await client.cancel_order(42, ETH)
    assert not isinstance(info.value, OutcomeUnknown) and len(exchange.requests) == 1


async def test_429_on_write_is_rate_limited_and_not_retried(
    client: OrderlyClient, exchange: FakeExchange, sleep: FakeSleep
):
    exchange.replies = [httpx.Response(429, headers={"Retry-After": "3"})]
    with pytest.raises(RateLimited) as info:
        await client.set_leverage(10, MarginMode.ISOLATED, ETH)
    assert info.value.retry_after == 3.0
    assert len(exchange.requests) == 1 and sleep.calls == []


async def test_error_envelope_becomes_exchange_rejected(
    client: OrderlyClient, exchange: FakeExchange
):
    exchange.replies = [error(-1101, "The risk exposure for the user is too high.")]
    with pytest.raises(ExchangeRejected) as info:
        await client.adjust_position_margin(ETH, Decimal(50), MarginAction.REDUCE)
    assert info.value.code == -1101 and info.value.http_status == 400
    assert info.value.explanation.startswith("-1101: not enough margin")
    assert len(exchange.requests) == 1


async def test_string_code_and_auth_codes(client: OrderlyClient, exchange: FakeExchange):
    exchange.replies = [error("-1011", "internal network error")]
    with pytest.raises(ExchangeRejected) as info:
        await client.cancel_all()
    assert info.value.code == -1011 and not isinstance(info.value, AuthFailed)
    exchange.replies = [error(-1002, "orderly key expired", 401)]
    with pytest.raises(AuthFailed):
        await client.get_positions()
    assert len(exchange.requests) == 2  # a rejection is an answer: reads are not retried


async def test_clock_skew_is_corrected(client: OrderlyClient, exchange: FakeExchange,
                                       clock: FakeClock):
    exchange.skew_ms = 400_000
    exchange.replies = [exchange.ok({"status": 0, "msg": ""})]
    assert await client.sync_clock() == 400_000
    assert exchange.path() == "/v1/public/system_info"
    assert "orderly-signature" not in exchange.requests[0].headers  # public: unsigned
    assert client.clock_skew_ms == 400_000
    clock.advance(5)
    exchange.replies = [exchange.ok({"rows": []})]
    await client.get_leverages()
    sent_ts = int(exchange.requests[-1].headers["orderly-timestamp"])
    assert sent_ts == now_ms(clock) + 400_000
