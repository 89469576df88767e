"""Wire models: exact decimals, envelopes, and conversion into domain objects."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from bot.domain.models import MarginMode, OrderType, Side
from bot.orderly import jsoncodec, wire

POSITION_ROW = (
    '{"symbol":"PERP_BTC_USDC","position_qty":-5,"cost_position":-139329.358492,'
    '"average_open_price":27908.14,"settle_price":27865.87,"mark_price":27794.9,'
    '"est_liq_price":117335.93,"unsettled_pnl":354.858492,"last_sum_unitary_funding":70.38,'
    '"accrued_funding_fee":0.005202,"imr":0.1,"mmr":0.05,"IMR_withdraw_orders":0.1,'
    '"MMR_with_orders":0.05,"pending_long_qty":0,"pending_short_qty":0,"pnl_24_h":0,'
    '"fee_24_h":0,"leverage":10,"margin_mode":"CROSS","margin":0,'
    '"seq":1730181536341943600,"timestamp":1685429350571,"updated_time":1685429350571}'
)
MARKET_ROW = (
    '{"symbol":"PERP_ETH_USDC","quote_min":0,"quote_max":100000,"quote_tick":0.01,'
    '"base_min":1e-05,"base_max":10000,"base_tick":0.0001,"min_notional":10,'
    '"price_range":0.03,"price_scope":0.4,"base_imr":0.01,"base_mmr":0.006,'
    '"imr_factor":1.724e-07,"funding_period":8,"created_time":1,"updated_time":2}'
)


def body(data: str | None = None, ts: int = 1702989203989) -> str:
    inner = f'"data":{data},' if data is not None else ""
    return f'{{"success":true,{inner}"timestamp":{ts}}}'


@pytest.mark.parametrize(("text", "exact"), [
    ("0.1", Decimal("0.1")), ("1e-05", Decimal("0.00001")), ("1.724e-07", Decimal("1.724E-7")),
    ("27794.9", Decimal("27794.9")), ("0.30000000000000004", Decimal("0.30000000000000004")),
])
def test_numbers_parse_exactly_and_round_trip(text: str, exact: Decimal) -> None:
    parsed = wire.parse_envelope(body(f'{{"v":{text}}}')).data["v"]
    assert isinstance(parsed, Decimal) and parsed == exact
    again = jsoncodec.loads(jsoncodec.dumps({"v": parsed}))["v"]
    assert again == exact and "e" not in jsoncodec.dumps({"v": parsed}).lower()


def test_model_refuses_floats() -> None:
    row = jsoncodec.loads(MARKET_ROW)
    row["quote_tick"] = 0.01  # a float smuggled in by a careless parser
    with pytest.raises(ValidationError, match="float"):
        wire.MarketRow.model_validate(row)


def test_market_row_to_domain() -> None:
    info = wire.MarketRow.model_validate(jsoncodec.loads(MARKET_ROW)).to_domain()
    assert info.base_min == Decimal("0.00001")
    assert info.imr_factor == Decimal("0.0000001724")
    assert info.max_leverage == 100 and info.base == "ETH"


def test_success_envelope_with_and_without_data() -> None:
    env = wire.parse_envelope(body('{"rows":[]}'))
    assert env.success and env.data == {"rows": []} and env.timestamp == 1702989203989
    bare = wire.parse_envelope('{"success":true,"timestamp":1702989203989}')
    assert bare.success and bare.data is None and bare.timestamp == 1702989203989


@pytest.mark.parametrize("code", ["-1011", -1011])
def test_error_envelope_code_string_or_number(code: object) -> None:
    text = jsoncodec.dumps({"success": False, "code": code, "message": "internal network"})
    env = wire.parse_envelope(text)
    assert not env.success and env.code == -1011 and env.message == "internal network"


@pytest.mark.parametrize("text", ["<html>502</html>", "[1,2]", '{"code":1}'])
def test_non_envelope_is_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        wire.parse_envelope(text)


def test_position_row_to_domain() -> None:
    pos = wire.PositionRow.model_validate(jsoncodec.loads(POSITION_ROW)).to_domain()
    assert pos.key == ("PERP_BTC_USDC", MarginMode.CROSS)
    assert pos.position_qty == Decimal(-5) and pos.cost_position == Decimal("-139329.358492")
    assert pos.est_liq_price == Decimal("117335.93") and pos.leverage == 10
    assert pos.timestamp == 1685429350571 and not pos.is_long


@pytest.mark.parametrize("liq", ["0", "-12.5", "null"])
def test_non_positive_liq_price_is_none(liq: str) -> None:
    row = POSITION_ROW.replace('"est_liq_price":117335.93', f'"est_liq_price":{liq}')
    assert wire.PositionRow.model_validate(jsoncodec.loads(row)).to_domain().est_liq_price is None


def test_positions_keyed_by_symbol_and_mode_and_flat_rows_dropped() -> None:
    iso = POSITION_ROW.replace(
        '"margin_mode":"CROSS","margin":0', '"margin_mode":"ISOLATED","margin":250.5')
    flat = POSITION_ROW.replace('"position_qty":-5', '"position_qty":0').replace(
        "PERP_BTC_USDC", "PERP_SOL_USDC")
    data = (
        '{"free_collateral":450315.09,"total_collateral_value":489865.71,"margin_ratio":1.2385,'
        f'"initial_margin_ratio":0.1,"maintenance_margin_ratio":0.05,"rows":[{POSITION_ROW},{iso},{flat}]}}'
    )
    snap = wire.PositionsData.model_validate(jsoncodec.loads(data)).to_domain()
    assert snap.account.free_collateral == Decimal("450315.09")
    assert [p.key for p in snap.positions] == [
        ("PERP_BTC_USDC", MarginMode.CROSS), ("PERP_BTC_USDC", MarginMode.ISOLATED)]
    assert snap.get("PERP_BTC_USDC", MarginMode.ISOLATED).margin == Decimal("250.5")
    assert snap.get("PERP_SOL_USDC", MarginMode.CROSS) is None


TICKER = ('{"symbol":"PERP_ETH_USDC","index_price":2500.1,"mark_price":2500.2,'
          '"sum_unitary_funding":1.5,"est_funding_rate":0.0001,"open_interest":10,"24h_open":1}')


@pytest.mark.parametrize("data", [f'{{"rows":[{TICKER}]}}', TICKER])
def test_futures_symbol_rows_or_single_object(data: str) -> None:
    rows = wire.rows(wire.parse_envelope(body(data)).data)
    [ticker] = [wire.TickerRow.model_validate(r).to_domain() for r in rows]
    assert ticker.mark_price == Decimal("2500.2") and ticker.sum_unitary_funding == Decimal("1.5")


ORDER_ROW = (
    '{"order_id":78151,"user_id":12345,"price":0.67772,"type":"LIMIT","quantity":20,'
    '"amount":10,"executed_quantity":20,"total_executed_quantity":20,"visible_quantity":1,'
    '"symbol":"PERP_WOO_USDC","side":"BUY","status":"FILLED","total_fee":0.5,"fee_asset":"WOO",'
    '"client_order_id":1,"average_executed_price":0.67772,"created_time":1653563963000,'
    '"updated_time":1653564213000,"realized_pnl":0.0,"reduce_only":null,"order_tag":"x",'
    '"margin_mode":"CROSS"}'
)


def test_order_row_spec_example() -> None:
    order = wire.OrderRow.model_validate(jsoncodec.loads(ORDER_ROW)).to_domain()
    assert order.client_order_id == "1"  # a JSON number becomes a string id
    assert order.reduce_only is False and order.order_type is OrderType.LIMIT
    assert order.side is Side.BUY and order.price == Decimal("0.67772")
    assert order.average_executed_price == Decimal("0.67772")


def test_market_order_without_price_or_fill() -> None:
    row = jsoncodec.loads(ORDER_ROW) | {
        "type": "MARKET", "price": None, "executed_quantity": 0, "average_executed_price": 0,
        "client_order_id": None, "reduce_only": True, "margin_mode": "ISOLATED"}
    order = wire.OrderRow.model_validate(row).to_domain()
    assert order.price is None and order.average_executed_price is None
    assert order.client_order_id is None and order.reduce_only is True
    assert order.margin_mode is MarginMode.ISOLATED


def test_orders_page_meta_total() -> None:
    data = jsoncodec.loads(f'{{"meta":{{"total":31,"records_per_page":25,"current_page":1}},'
                           f'"rows":[{ORDER_ROW}]}}')
    orders, total = wire.OrdersPage.model_validate(data).to_domain()
    assert total == 31 and orders[0].order_id == 78151


def test_order_ack_numeric_client_id() -> None:
    ack = wire.OrderAckData.model_validate(jsoncodec.loads(
        '{"order_id":13,"client_order_id":7,"order_type":"LIMIT","order_price":2000,'
        '"order_quantity":0.01,"error_message":"none"}')).to_domain()
    assert ack.client_order_id == "7" and ack.quantity == Decimal("0.01")


def test_holding_client_info_key_info_leverage() -> None:
    holding = wire.HoldingRow.model_validate(jsoncodec.loads(
        '{"token":"USDC","holding":1000.5,"frozen":0,"pending_short":-1,'
        '"isolated_margin":250,"isolated_order_frozen":12.5,"updated_time":1580794149000}'
    )).to_domain()
    assert holding.isolated_order_frozen == Decimal("12.5") and holding.account_id is None
    info = wire.ClientInfoData.model_validate(jsoncodec.loads(
        '{"account_id":"0xabc","email":"","account_mode":"FUTURES","max_leverage":20,'
        '"taker_fee_rate":6,"maker_fee_rate":3,"imr_factor":{"PERP_BTC_USDC":9.1e-08},'
        '"max_notional":{"PERP_BTC_USDC":10000000}}')).to_domain()
    assert info.imr_factor["PERP_BTC_USDC"] == Decimal("0.000000091")
    key = wire.KeyInfoRow.model_validate(
        {"orderly_key": "ed25519:x", "scope": "read,trading", "expiration": 1,
         "key_status": "ACTIVE"}
    ).to_domain()
    assert key.scope == frozenset({"read", "trading"})
    lev = wire.LeverageRow.model_validate(jsoncodec.loads(
        '{"symbol":"PERP_BTC_USDC","margin_mode":"ISOLATED","leverage":19}')).to_domain()
    assert (lev.margin_mode, lev.leverage) == (MarginMode.ISOLATED, 19)


def test_leverage_must_be_whole() -> None:
    with pytest.raises(ValidationError):
        wire.LeverageRow.model_validate({"symbol": "X", "leverage": Decimal("2.5")})


def test_a_malformed_or_non_finite_number_is_a_malformed_reply_not_a_crash() -> None:
    import pydantic

    from bot.orderly import wire as w

    for bad in ("abc", "NaN", "Infinity", "1..2"):
        try:
            w._exact(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted as a number")
    assert issubclass(pydantic.ValidationError, ValueError)


# The GET /v1/trade/{id} example of the Orderly docs (the /v1/trades rows share it).
TRADE_ROW = (
    '{"id":2,"symbol":"PERP_BTC_USDC","fee":0.0001,"fee_asset":"USDC","side":"BUY",'
    '"order_id":1,"executed_price":123,"executed_quantity":0.05,"executed_timestamp":1567382401000,'
    '"is_maker":1,"realized_pnl":-1.25,"match_id":1773456866666462000,"margin_token":"USDC",'
    '"margin_change_qty":0,"margin_mode":"ISOLATED"}'
)


def test_trade_row_docs_example() -> None:
    trade = wire.TradeRow.model_validate(jsoncodec.loads(TRADE_ROW)).to_domain()
    assert (trade.trade_id, trade.order_id, trade.side, trade.margin_mode) == (
        2, 1, Side.BUY, MarginMode.ISOLATED)
    assert trade.executed_price == Decimal(123) and trade.executed_quantity == Decimal("0.05")
    assert trade.fee == Decimal("0.0001") and trade.realized_pnl == Decimal("-1.25")
    assert trade.is_maker and trade.executed_timestamp == 1567382401000
    assert trade.realized_known


def test_a_funding_fee_row_and_page() -> None:
    page = jsoncodec.loads('{"meta":{"total":1,"records_per_page":25,"current_page":1},"rows":'
                           '[{"symbol":"PERP_ETH_USDC","funding_rate":0.0001,"mark_price":2500,'
                           '"funding_fee":-0.25,"payment_type":"Receive","status":"Accrued",'
                           '"created_time":1700000000000,"updated_time":1700000000000}]}')
    rows, total = wire.FundingFeePage.model_validate(page).to_domain()
    assert total == 1 and rows[0].funding_fee == Decimal("-0.25")
    assert (rows[0].payment_type, rows[0].created_time) == ("Receive", 1700000000000)


def test_a_liquidation_fill_without_order_id_or_realized_pnl() -> None:
    row = jsoncodec.loads('{"id":9,"symbol":"PERP_ETH_USDC","side":"SELL","order_id":null,'
                          '"executed_price":"2000.5","executed_quantity":"1","is_maker":false,'
                          '"realized_pnl":null,"executed_timestamp":5}')
    trade = wire.TradeRow.model_validate(row).to_domain()
    assert trade.order_id is None and trade.realized_pnl == 0 and not trade.is_maker
    assert not trade.realized_known  # the PnL report counts it as unknown, not as 0
    assert trade.margin_mode is MarginMode.CROSS and trade.executed_price == Decimal("2000.5")
