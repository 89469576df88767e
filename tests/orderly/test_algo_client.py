"""The bot's algo order client methods and algoexecutionreport parsing, against the paper
exchange (real signing, real routes) and Orderly's documented push sample."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bot.domain.algo import AlgoLeg, AlgoRequest, AlgoType
from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from bot.errors import ExchangeRejected
from bot.orderly.client import OrderlyClient
from bot.orderly.jsoncodec import dumps, loads
from bot.orderly.pushes import AlgoReportEvent, parse_push
from bot.paper import algo_shapes
from bot.paper.engine import AlgoEvent
from tests.paper.server_kit import Desk

ETH = "PERP_ETH_USDC"
D = Decimal


def client_for(desk: Desk) -> OrderlyClient:
    return OrderlyClient("http://paper", desk.creds.signer(), clock=desk.clock,
                         transport=httpx.ASGITransport(app=desk.app))


def pair(tp: str, sl: str, cid: str = "cid-1") -> AlgoRequest:
    return AlgoRequest(
        symbol=ETH, algo_type=AlgoType.TP_SL, side=Side.SELL, margin_mode=MarginMode.ISOLATED,
        quantity=D("1"), client_order_id=cid,
        legs=(AlgoLeg(AlgoType.TAKE_PROFIT, D(tp)), AlgoLeg(AlgoType.STOP_LOSS, D(sl))),
    )


async def test_place_list_lookup_and_cancel_a_pair() -> None:
    desk = Desk()
    async with client_for(desk) as client:
        await client.create_order(OrderRequest(ETH, Side.BUY, OrderType.MARKET, D(1),
                                               MarginMode.ISOLATED))
        algo_id = await client.create_algo_order(pair("2600", "2400"))
        [root] = await client.get_algo_orders(ETH)
        assert root.algo_order_id == algo_id and root.is_open
        assert root.margin_mode is MarginMode.ISOLATED
        tp, sl = root.leg(AlgoType.TAKE_PROFIT), root.leg(AlgoType.STOP_LOSS)
        assert tp is not None and tp.trigger_price == D("2600") and tp.side is Side.SELL
        assert sl is not None and sl.trigger_price == D("2400")
        found = await client.get_algo_order_by_client_id("cid-1")
        assert found is not None and found.algo_order_id == algo_id
        assert await client.get_algo_order_by_client_id("nope") is None
        assert await client.edit_algo_order(sl.algo_order_id, trigger_price=D("2410")) \
            == "EDIT_SENT"
        assert await client.cancel_algo_order(algo_id, ETH) == "CANCEL_SENT"
        assert (await client.get_algo_order(algo_id)).status == "CANCELLED"
        assert await client.get_algo_orders(ETH) == []


async def test_an_exchange_refusal_is_a_typed_error() -> None:
    desk = Desk()
    async with client_for(desk) as client:
        with pytest.raises(ExchangeRejected) as caught:
            await client.create_algo_order(pair("2600", "2400"))  # no position
        assert caught.value.code == -1006


async def test_the_paper_push_parses_into_algo_reports() -> None:
    desk = Desk()
    async with client_for(desk) as client:
        await client.create_order(OrderRequest(ETH, Side.BUY, OrderType.MARKET, D(1),
                                               MarginMode.ISOLATED))
        await client.create_algo_order(pair("2600", "2400"))
    desk.engine.drain_events()
    desk.engine.set_mark(ETH, D("2390"))
    rows = [algo_shapes.ws_algo(e) for e in desk.engine.drain_events() if isinstance(e, AlgoEvent)]
    [event] = parse_push(loads(dumps({"topic": "algoexecutionreport", "ts": 1, "data": rows})))
    assert isinstance(event, AlgoReportEvent)
    fired = [r for r in event.reports if r.executed_quantity > 0]
    assert len(fired) == 1 and fired[0].algo_type == "STOP_LOSS"
    assert fired[0].executed_price == D("2390") and fired[0].trigger_status == "SUCCESS"
    assert {r.algo_status for r in event.reports} >= {"FILLED", "CANCELLED"}


def test_orderly_documented_push_sample_parses() -> None:
    sample = """{"topic":"algoexecutionreport","ts":1750997326998,"data":[{
    "symbol":"PERP_NEAR_USDC","rootAlgoOrderId":654400003,"parentAlgoOrderId":0,"algoOrderId":654400003,
    "clientOrderId":"clientOrderId123","orderTag":"tag1","status":"FILLED","algoType":"STOP",
    "side":"SELL","quantity":3,"triggerStatus":"SUCCESS","price":1.25,"type":"MARKET",
    "triggerTradePrice":1.3,"triggerTime":1750997326000,"tradeId":10001,"executedPrice":1.3,
    "executedQuantity":3,"fee":1.2,"feeAsset":"USDC","totalExecutedQuantity":3,
    "averageExecutedPrice":1.3,"totalFee":1.2,"timestamp":1750997326991,"visibleQuantity":3,
    "reduceOnly":true,"callbackRate":null,"triggered":true,"maker":true,"isMaker":true,
    "rootAlgoStatus":"FILLED","algoStatus":"FILLED","isActivated":true,"triggerPrice":1.25,
    "triggerPriceType":"MARK_PRICE","createdTime":1750997261728}]}"""
    [event] = parse_push(loads(sample))
    assert isinstance(event, AlgoReportEvent)
    [row] = event.reports
    assert row.algo_order_id == 654400003 and row.client_order_id == "clientOrderId123"
    assert row.executed_price == D("1.3") and row.total_fee == D("1.2") and row.is_triggered
