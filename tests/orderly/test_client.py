"""OrderlyClient against an httpx.MockTransport that verifies every signature like Orderly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.domain.models import MarginAction, MarginMode, OrderRequest, OrderType, Side
from bot.errors import (
    AuthFailed,
    ConfigError,
    ExchangeRejected,
    OutcomeUnknown,
    RateLimited,
    UserInputError,
)
from bot.orderly.client import OrderlyClient
from bot.timing import FakeClock, Timings, now_ms
from tests.orderly.client_kit import (
    ACCOUNT,
    ACK,
    ETH,
    POSITION,
    SECRET,
    FakeExchange,
    Reply,
    error,
)


async def test_signed_bytes_are_the_sent_bytes(client: OrderlyClient, exchange: FakeExchange):
    exchange.replies = [exchange.ok(ACK)]
    req = OrderRequest(ETH, Side.BUY, OrderType.LIMIT, Decimal("0.01"), MarginMode.ISOLATED,
                       price=Decimal("2000"), client_order_id="bot-1")
    ack = await client.create_order(req)
    assert exchange.body() == (
        '{"symbol":"PERP_ETH_USDC","order_type":"LIMIT","side":"BUY","order_price":2000,'
        '"order_quantity":0.01,"margin_mode":"ISOLATED","reduce_only":false,'
        '"client_order_id":"bot-1"}'
    )
    sent = exchange.requests[0]
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["orderly-account-id"] == ACCOUNT
    assert ack.order_id == 13 and ack.quantity == Decimal("0.01")


async def test_a_write_is_signed_with_the_timestamp_the_caller_recorded(
    client: OrderlyClient, exchange: FakeExchange
):
    # The caller records the timestamp before sending: it bounds how long the request can land.
    exchange.replies = [exchange.ok()]
    stamp = client.server_now_ms() - 1234
    await client.adjust_position_margin(ETH, Decimal(5), MarginAction.ADD, timestamp_ms=stamp)
    exchange.replies = [exchange.ok(ACK)]
    req = OrderRequest(ETH, Side.BUY, OrderType.MARKET, Decimal("0.01"), MarginMode.ISOLATED)
    await client.create_order(req, timestamp_ms=stamp + 1)
    sent = [int(r.headers["orderly-timestamp"]) for r in exchange.requests]
    assert sent == [stamp, stamp + 1]  # the signature (checked by the fake) covers them


async def test_query_is_signed_as_sent_and_margin_mode_always_sent(
    client: OrderlyClient, exchange: FakeExchange
):
    exchange.replies = [exchange.ok(POSITION)]
    pos = await client.get_position(ETH, MarginMode.ISOLATED)
    assert exchange.path() == "/v1/position/PERP_ETH_USDC?margin_mode=ISOLATED"
    assert pos is not None and pos.margin == Decimal("125.75")
    exchange.replies = [exchange.ok({"symbol": ETH, "margin_mode": "CROSS", "leverage": 5})]
    await client.get_leverage(ETH, MarginMode.CROSS)
    assert exchange.path() == "/v1/client/leverage?symbol=PERP_ETH_USDC&margin_mode=CROSS"


@pytest.mark.parametrize(("order_type", "price", "expected"), [
    (OrderType.MARKET, Decimal("2000"), '"side":"SELL","order_quantity":0.00001,'),
    (OrderType.POST_ONLY, Decimal("2000.50"), '"order_price":2000.5,"order_quantity":0.00001,'),
])
async def test_order_price_only_when_needed_and_quantity_exact(
    client: OrderlyClient, exchange: FakeExchange, order_type: OrderType, price: Decimal,
    expected: str,
):
    exchange.replies = [exchange.ok(ACK)]
    await client.create_order(OrderRequest(ETH, Side.SELL, order_type, Decimal("1E-5"),
                                           MarginMode.CROSS, price=price, reduce_only=True))
    assert expected in exchange.body()
    assert exchange.body().endswith('"margin_mode":"CROSS","reduce_only":true}')


async def test_limit_without_price_is_refused_before_sending(
    client: OrderlyClient, exchange: FakeExchange
):
    with pytest.raises(UserInputError, match="needs a price"):
        await client.create_order(
            OrderRequest(ETH, Side.BUY, OrderType.LIMIT, Decimal(1), MarginMode.ISOLATED))
    assert exchange.requests == []


async def test_margin_amount_is_a_json_string(client: OrderlyClient, exchange: FakeExchange):
    exchange.replies = [exchange.ok()]  # {success, timestamp} only
    await client.adjust_position_margin(ETH, Decimal("100.50"), MarginAction.ADD)
    assert exchange.path() == "/v1/position_margin"
    assert exchange.body() == '{"symbol":"PERP_ETH_USDC","amount":"100.5","type":"ADD"}'


async def test_system_info(client: OrderlyClient, exchange: FakeExchange, clock: FakeClock):
    exchange.replies = [exchange.ok({"status": 2, "msg": "upgrade"})]
    info = await client.get_system_info()
    assert info.in_maintenance and info.server_time_ms == now_ms(clock)


MARKET = {"symbol": ETH, "quote_min": 0, "quote_max": 100000, "quote_tick": Decimal("0.01"),
          "base_min": Decimal("0.0001"), "base_max": 1000, "base_tick": Decimal("0.0001"),
          "min_notional": 10, "price_range": Decimal("0.03"), "base_imr": Decimal("0.01"),
          "base_mmr": Decimal("0.006"), "imr_factor": Decimal("1.724E-7")}


async def test_market_info_is_cached_until_ttl(
    client: OrderlyClient, exchange: FakeExchange, clock: FakeClock
):
    exchange.replies = [exchange.ok({"rows": [MARKET]})]
    first = await client.get_markets()
    assert await client.get_markets() == first
    assert (await client.get_market(ETH)).quote_tick == Decimal("0.01")
    assert len(exchange.requests) == 1
    clock.advance(Timings().market_info_ttl + 1)
    await client.get_markets()
    assert len(exchange.requests) == 2


async def test_client_info_is_cached(client: OrderlyClient, exchange: FakeExchange):
    exchange.replies = [exchange.ok({"account_id": ACCOUNT, "max_leverage": 20,
                                     "taker_fee_rate": 6, "maker_fee_rate": 3})]
    await client.get_client_info()
    assert (await client.get_client_info()).max_leverage == 20
    assert len(exchange.requests) == 1


async def test_leverage_reads_are_paced_one_per_second(
    client: OrderlyClient, exchange: FakeExchange
):
    exchange.replies = [lambda r: exchange.ok(
        {"symbol": r.url.params["symbol"], "margin_mode": "ISOLATED", "leverage": 10})]
    await client.get_leverage(ETH, MarginMode.ISOLATED)
    await client.get_leverage("PERP_BTC_USDC", MarginMode.ISOLATED)
    assert exchange.seen_at[1] - exchange.seen_at[0] >= 1.0


async def test_setting_leverage_invalidates_the_cache(
    client: OrderlyClient, exchange: FakeExchange
):
    exchange.replies = [exchange.ok({"symbol": ETH, "margin_mode": "ISOLATED", "leverage": 5})]
    await client.get_leverage(ETH, MarginMode.ISOLATED)
    await client.get_leverage(ETH, MarginMode.ISOLATED)
    assert len(exchange.requests) == 1
    exchange.replies = [exchange.ok({"symbol": ETH, "margin_mode": "ISOLATED", "leverage": 8})]
    setting = await client.set_leverage(8, MarginMode.ISOLATED, ETH)
    assert setting is not None and setting.leverage == 8
    assert exchange.body() == '{"leverage":8,"margin_mode":"ISOLATED","symbol":"PERP_ETH_USDC"}'
    assert (await client.get_leverage(ETH, MarginMode.ISOLATED)).leverage == 8
    assert len(exchange.requests) == 3


async def test_batch_leverage_returns_none(client: OrderlyClient, exchange: FakeExchange):
    exchange.replies = [exchange.ok()]
    assert await client.set_leverage(3, MarginMode.CROSS) is None
    assert exchange.body() == '{"leverage":3,"margin_mode":"CROSS"}'


async def test_orders_follow_pagination(client: OrderlyClient, exchange: FakeExchange):
    def row(i: int) -> dict[str, Any]:
        return {"order_id": i, "symbol": ETH, "side": "BUY", "type": "LIMIT", "price": 1,
                "quantity": 1, "status": "NEW", "client_order_id": i, "margin_mode": "ISOLATED"}

    exchange.replies = [exchange.ok({"meta": {"total": 3}, "rows": [row(1), row(2)]}),
                        exchange.ok({"meta": {"total": 3}, "rows": [row(3)]})]
    orders = await client.get_orders(ETH, size=2)
    assert [o.order_id for o in orders] == [1, 2, 3] and orders[2].client_order_id == "3"
    assert exchange.path(0) == "/v1/orders?symbol=PERP_ETH_USDC&status=INCOMPLETE&page=1&size=2"
    assert exchange.path(1).endswith("&page=2&size=2")


async def test_missing_client_order_and_flat_position_are_none(
    client: OrderlyClient, exchange: FakeExchange
):
    exchange.replies = [error(-1006, "order not found")]
    assert await client.get_order_by_client_id("bot-404") is None
    assert exchange.path() == "/v1/client/order/bot-404"
    exchange.replies = [exchange.ok(POSITION | {"position_qty": 0})]
    assert await client.get_position(ETH, MarginMode.ISOLATED) is None


async def test_cancels_send_parameters_in_the_query(client: OrderlyClient, exchange: FakeExchange):
    exchange.replies = [exchange.ok({"status": "CANCEL_SENT"})]
    assert await client.cancel_order_by_client_id("bot-1", ETH) == "CANCEL_SENT"
    sent = exchange.requests[-1]
    assert exchange.path() == "/v1/client/order?client_order_id=bot-1&symbol=PERP_ETH_USDC"
    assert sent.method == "DELETE" and sent.content == b""
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"


async def test_unsafe_parameter_is_refused(client: OrderlyClient, exchange: FakeExchange):
    with pytest.raises(ValueError, match="unsafe"):
        await client.get_order_by_client_id("a b&c=d")
    assert exchange.requests == []


async def test_private_call_without_signer_is_config_error(clock: FakeClock):
    seen: list[httpx.Request] = []
    async with OrderlyClient("https://api.orderly.org", None, clock=clock,
                             transport=httpx.MockTransport(seen.append)) as c:  # type: ignore[arg-type]
        with pytest.raises(ConfigError):
            await c.get_positions()
    assert seen == []


async def test_errors_never_leak_secret_or_signature(
    client: OrderlyClient, exchange: FakeExchange
):
    raised: list[Exception] = []
    replies: list[Reply] = [httpx.ReadTimeout("t"), httpx.Response(500),
                            error(-1002, "bad key", 401), httpx.Response(429), error(-1101, "risk")]
    for reply in replies:
        exchange.replies = [reply]
        with pytest.raises(Exception) as info:  # each kind is checked below
            await client.adjust_position_margin(ETH, Decimal(1), MarginAction.ADD)
        raised.append(info.value)
    kinds = [type(e) for e in raised]
    assert kinds == [OutcomeUnknown, OutcomeUnknown, AuthFailed, RateLimited, ExchangeRejected]
    signatures = {r.headers["orderly-signature"] for r in exchange.requests}
    for exc in raised:
        text = str(exc) + repr(exc) + repr(exc.args)
        assert SECRET.removeprefix("ed25519:") not in text
        assert not any(s in text or s.rstrip("=") in text for s in signatures)
