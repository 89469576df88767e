"""Wire shapes: snake_case REST rows, camelCase WebSocket payloads, exact decimal numbers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from bot.domain.models import (
    Holding,
    LeverageSetting,
    Liquidation,
    MarginMode,
    Order,
    OrderType,
    Position,
    Side,
)
from bot.orderly.jsoncodec import dumps, loads
from bot.paper import shapes
from bot.paper.engine import ExecutionEvent, LiquidationEvent
from bot.paper.params import Params

D = Decimal
POSITION = Position(
    symbol="PERP_ETH_USDC", margin_mode=MarginMode.ISOLATED, position_qty=D("-0.1"),
    cost_position=D("-250.00"), average_open_price=D("2500"), mark_price=D("2450.5"),
    est_liq_price=D("2734.10"), unsettled_pnl=D("4.95"), last_sum_unitary_funding=D("0.5"),
    imr=D("0.1"), mmr=D("0.006"), leverage=10, margin=D("25.15"), timestamp=1700000000000,
)
ORDER = Order(
    order_id=7, symbol="PERP_ETH_USDC", side=Side.SELL, order_type=OrderType.MARKET, price=None,
    quantity=D("0.1"), executed_quantity=D("0.1"), status="FILLED",
    margin_mode=MarginMode.ISOLATED, client_order_id="abc", average_executed_price=D("2500"),
)


def test_position_row_is_snake_case_with_the_isolated_fields() -> None:
    row = shapes.position_row(POSITION)
    for key in ("position_qty", "cost_position", "est_liq_price", "unsettled_pnl", "margin",
                "margin_mode", "leverage", "imr", "mmr", "last_sum_unitary_funding"):
        assert key in row
    text = dumps(row)
    assert '"position_qty":-0.1' in text and '"margin":25.15' in text
    assert '"margin_mode":"ISOLATED"' in text
    assert loads(text)["est_liq_price"] == D("2734.1")


def test_no_liquidation_price_is_sent_as_zero_like_orderly() -> None:
    from dataclasses import replace

    assert shapes.position_row(replace(POSITION, est_liq_price=None))["est_liq_price"] == 0


def test_ws_position_is_camel_case() -> None:
    push = shapes.ws_position(POSITION)
    assert push["positionQty"] == D("-0.1")
    assert push["estLiqPrice"] == D("2734.10")
    assert push["marginMode"] == "ISOLATED"
    assert push["margin"] == D("25.15")
    assert "position_qty" not in push


def test_execution_report_carries_fill_and_mode() -> None:
    order = replace(ORDER, total_fee=D("0.15"))
    event = ExecutionEvent("0xa", order, D("0.1"), D("2500"), D("0.15"), trade_id=41)
    push = shapes.ws_execution(event, seq=3)
    assert push["orderId"] == 7 and push["clientOrderId"] == "abc"
    assert (push["executedQuantity"], push["executedPrice"]) == (D("0.1"), D("2500"))
    assert push["status"] == "FILLED" and push["marginMode"] == "ISOLATED"
    assert (push["tradeId"], push["seq"]) == (41, 3)  # the trade's id, not the push counter
    assert (push["fee"], push["totalFee"]) == (D("0.15"), D("0.15"))
    assert shapes.order_row(order)["total_fee"] == D("0.15")
    assert shapes.order_row(ORDER)["type"] == "MARKET"


def test_balance_account_and_liquidation_pushes() -> None:
    holding = Holding("USDC", D("1000"), D("5"), D("0"), D("250.5"), D("12"))
    usdc = shapes.ws_balance(holding)["balances"]["USDC"]
    assert (usdc["isolatedMargin"], usdc["isolatedOrderFrozen"]) == (D("250.5"), D("12"))
    assert shapes.holding_row(holding)["isolated_order_frozen"] == D("12")
    setting = LeverageSetting("PERP_ETH_USDC", MarginMode.ISOLATED, 20)
    assert shapes.ws_account(setting, None)["accountDetail"]["symbolLeverage"] == {
        "leverage": 20, "symbol": "PERP_ETH_USDC", "marginMode": "ISOLATED"}
    liq = Liquidation(9, 1, "PERP_ETH_USDC", MarginMode.ISOLATED, D("1"), D("2262.58"))
    [row] = shapes.ws_liquidation(LiquidationEvent("0xa", liq, D("251.5")))
    assert row["positionsByPerp"][0]["marginMode"] == "ISOLATED"
    assert row["transferAmountToInsuranceFund"] == D("251.5")


@pytest.mark.parametrize(
    ("value", "as_string", "ok"),
    [("100", True, True), (D("100.5"), True, False), (100, True, False), (" 5 ", True, True),
     ("1_000", True, False), ("NaN", True, False), ("-1", True, False), ("0", True, False),
     (D("0.01"), False, True), (True, False, False), ("1e99", False, False), ([1], False, False)],
)
def test_number_parameters(value: object, as_string: bool, ok: bool) -> None:
    from bot.paper.engine import EngineError

    params = Params({"amount": value})
    if ok:
        assert params.number("amount", as_string=as_string) > 0  # type: ignore[operator]
    else:
        with pytest.raises(EngineError) as info:
            params.number("amount", as_string=as_string)
        assert info.value.code == -1005
