"""Pure conversion of Orderly's camelCase pushes into domain events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bot.domain.models import LeverageSetting, MarginMode, OrderType, Side
from bot.orderly.jsoncodec import loads
from bot.orderly.pushes import (
    AccountEvent,
    ExecutionEvent,
    MarkPricesEvent,
    PositionsEvent,
    dec,
    parse_position,
    parse_push,
)


def push(text: str) -> list[Any]:
    return parse_push(loads(text))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", None), ("-1", None), ("null", None), ("2262.58", Decimal("2262.58")),
     ('"2262.58"', Decimal("2262.58"))],
)
def test_est_liq_price_at_or_below_zero_means_none(raw: str, expected: Decimal | None) -> None:
    row = loads('{"symbol":"PERP_ETH_USDC","positionQty":1,"estLiqPrice":' + raw + "}")
    assert parse_position(row).est_liq_price == expected


def test_sparse_position_row_takes_neutral_defaults() -> None:
    pos = parse_position({"symbol": "PERP_ETH_USDC", "positionQty": -2}, ts=99)
    assert pos.margin_mode is MarginMode.CROSS  # rows without marginMode are cross
    assert (pos.position_qty, pos.margin, pos.leverage, pos.timestamp) == (Decimal(-2), 0, 0, 99)


@pytest.mark.parametrize(
    "row",
    [{"positionQty": 1}, {"symbol": "PERP_ETH_USDC"}, {"symbol": "X", "positionQty": "abc"},
     {"symbol": "X", "positionQty": True}, {"symbol": "X", "positionQty": "NaN"},
     {"symbol": "X", "positionQty": 1, "marginMode": "HEDGE"}],
)
def test_unusable_position_rows_raise_value_error(row: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        parse_position(row)


def test_prices_stay_exact_decimals() -> None:
    (event,) = push('{"topic":"markprices","ts":1,"data":[{"symbol":"A","price":0.1},'
                    '{"symbol":"B","price":3}]}')
    assert isinstance(event, MarkPricesEvent)
    assert [m.price for m in event.prices] == [Decimal("0.1"), Decimal(3)]
    assert dec(Decimal("0.30000000000000004")) == Decimal("0.30000000000000004")


def test_position_push_keeps_both_modes_of_one_symbol() -> None:
    (event,) = push('{"topic":"position","ts":5,"data":{"positions":['
                    '{"symbol":"PERP_ETH_USDC","positionQty":1,"marginMode":"ISOLATED","margin":250},'
                    '{"symbol":"PERP_ETH_USDC","positionQty":-1,"marginMode":"CROSS"}]}}')
    assert isinstance(event, PositionsEvent)
    assert [p.key for p in event.positions] == [
        ("PERP_ETH_USDC", MarginMode.ISOLATED), ("PERP_ETH_USDC", MarginMode.CROSS)]
    assert event.positions[0].margin == Decimal(250)


def test_execution_report_becomes_order_and_fill() -> None:
    (event,) = push('{"topic":"executionreport","ts":9,"data":{"symbol":"PERP_ETH_USDC",'
                    '"clientOrderId":"c-1","orderId":13,"type":"LIMIT","side":"BUY",'
                    '"quantity":0.5,"price":2000,"tradeId":7,"executedPrice":1999.5,'
                    '"executedQuantity":0.2,"fee":0.0012,"feeAsset":"USDC",'
                    '"totalExecutedQuantity":0.3,"avgExecutedPrice":1999.8,'
                    '"status":"PARTIAL_FILLED","reason":"","timestamp":1700000000000,'
                    '"marginMode":"ISOLATED"}}')
    assert isinstance(event, ExecutionEvent)
    order = event.order
    assert (order.order_id, order.side, order.order_type, order.margin_mode) == (
        13, Side.BUY, OrderType.LIMIT, MarginMode.ISOLATED)
    assert (order.executed_quantity, order.average_executed_price) == (
        Decimal("0.3"), Decimal("1999.8"))
    assert (event.last_fill_qty, event.last_fill_price, event.fee) == (
        Decimal("0.2"), Decimal("1999.5"), Decimal("0.0012"))
    assert order.client_order_id == "c-1" and order.status == "PARTIAL_FILLED"
    assert (event.trade_id, event.timestamp) == (7, 1700000000000)


def test_execution_report_carries_total_fee_and_the_exchanges_reason() -> None:
    (event,) = push('{"topic":"executionreport","data":{"symbol":"PERP_ETH_USDC","orderId":5,'
                    '"type":"LIMIT","side":"SELL","quantity":1,"price":2600,"tradeId":0,'
                    '"executedQuantity":0,"totalExecutedQuantity":0.4,"avgExecutedPrice":2600,'
                    '"fee":0,"totalFee":0.312,"status":"REJECTED","reason":"risk limit"}}')
    assert isinstance(event, ExecutionEvent)
    assert (event.order.total_fee, event.order.reason, event.reason) == (
        Decimal("0.312"), "risk limit", "risk limit")
    assert event.trade_id == 0 and event.last_fill_qty == 0


def test_market_order_report_with_zero_price_has_no_price() -> None:
    (event,) = push('{"topic":"executionreport","data":[{"symbol":"PERP_ETH_USDC","orderId":1,'
                    '"type":"MARKET","side":"SELL","quantity":1,"price":0,"status":"NEW"}]}')
    assert event.order.price is None and event.order.margin_mode is MarginMode.CROSS


def test_account_push_carries_leverage_per_symbol_and_mode() -> None:
    (event,) = push('{"topic":"account","ts":3,"data":{"accountDetail":{"freeCollateral":12.5,'
                    '"symbolLeverage":{"symbol":"PERP_ETH_USDC","leverage":7,'
                    '"marginMode":"ISOLATED"}}}}')
    assert isinstance(event, AccountEvent)
    assert event.leverages == (LeverageSetting("PERP_ETH_USDC", MarginMode.ISOLATED, 7),)
    assert event.free_collateral == Decimal("12.5") and event.total_collateral_value is None
    (bare,) = push('{"topic":"account","data":{"accountDetail":{}}}')
    assert bare.leverages == ()


def test_liquidation_without_margin_mode_is_cross_and_flattens_per_perp() -> None:
    (event,) = push('{"topic":"liquidationsaccount","data":[{"liquidationId":1,"timestamp":2,'
                    '"positionsByPerp":[{"symbol":"A","positionQty":1,"transferPrice":5},'
                    '{"symbol":"B","positionQty":-2,"transferPrice":6,"marginMode":"ISOLATED"}]}]}')
    assert [(x.symbol, x.margin_mode, x.position_qty) for x in event.liquidations] == [
        ("A", MarginMode.CROSS, Decimal(1)), ("B", MarginMode.ISOLATED, Decimal(-2))]


def test_liquidation_reads_price_cost_fees_and_the_insurance_fund_transfer() -> None:
    (event,) = push('{"topic":"liquidationsaccount","data":[{"liquidationId":7,"timestamp":9,'
                    '"transferAmountToInsuranceFund":40.5,"positionsByPerp":[{"symbol":"S",'
                    '"positionQty":1,"costPositionTransfer":1950.25,"transferPrice":1950.25,'
                    '"liquidatorFee":0.5,"insuranceFundFee":0.25,"absLiquidationFee":0.75,'
                    '"marginMode":"ISOLATED"}]}]}')
    (liq,) = event.liquidations
    assert (liq.liquidation_id, liq.timestamp, liq.transfer_price) == (7, 9, Decimal("1950.25"))
    assert liq.cost_position_transfer == Decimal("1950.25")
    assert (liq.liquidator_fee, liq.insurance_fund_fee, liq.abs_liquidation_fee) == (
        Decimal("0.5"), Decimal("0.25"), Decimal("0.75"))
    assert liq.transfer_amount_to_insurance_fund == Decimal("40.5")


@pytest.mark.parametrize(
    "text",
    ['{"topic":"indexprices","data":[]}', '{"event":"pong"}', '{"topic":5,"data":1}'],
)
def test_unused_topics_give_no_events(text: str) -> None:
    assert push(text) == []


@pytest.mark.parametrize(
    "text",
    ['{"topic":"markprices","data":{"oops":1}}', '{"topic":"position","data":[1]}',
     '{"topic":"balance","data":{"balances":{"USDC":{"frozen":1}}}}',
     '{"topic":"PERP_A_USDC@markprice","data":null}'],
)
def test_malformed_pushes_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        push(text)
