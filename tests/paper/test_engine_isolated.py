"""The isolated guide end to end, the worked examples of orderly-api.md §6, cross+isolated."""

from __future__ import annotations

from bot.domain import margin as m
from bot.domain.models import MarginAction
from bot.paper.engine import BalanceEvent, ExecutionEvent, LeverageEvent, PositionEvent
from tests.paper.engine_fixtures import (
    ACCOUNT,
    BUY,
    CROSS,
    ETH,
    ISOLATED,
    SELL,
    D,
    make_engine,
    rejected,
    req,
)

ADD, REDUCE = MarginAction.ADD, MarginAction.REDUCE


def test_guide_walkthrough_leverage_order_add_reduce_monitor() -> None:
    engine = make_engine("10000")
    # Step 1: isolated leverage, independent of cross
    assert engine.set_leverage(ACCOUNT, 20, ETH, ISOLATED)[0].leverage == 20
    engine.set_leverage(ACCOUNT, 10, ETH, ISOLATED)
    assert engine.get_leverage(ACCOUNT, ETH, ISOLATED).leverage == 10
    assert engine.get_leverage(ACCOUNT, ETH, CROSS).leverage == 10
    assert any(isinstance(e, LeverageEvent) for e in engine.drain_events())

    # Step 2: a resting isolated LIMIT freezes order margin, then fills when the mark crosses
    engine.set_mark(ETH, D(2510))
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED, price="2500"))
    held = engine.holding(ACCOUNT)
    assert held.isolated_order_frozen == D("251.5")  # 1·2500·(1/10 + 0.0006)
    assert held.holding == D(10000) and held.isolated_margin == 0
    assert engine.account_summary(ACCOUNT).free_collateral == D("9748.5")
    engine.set_mark(ETH, D(2500))
    held = engine.holding(ACCOUNT)
    assert (held.isolated_order_frozen, held.isolated_margin) == (0, D(250))
    assert held.holding == D("9749.25")  # 10000 − 250 margin − 0.75 maker fee

    # Step 3: add then reduce margin
    engine.adjust_margin(ACCOUNT, ETH, D(100), ADD)
    engine.adjust_margin(ACCOUNT, ETH, D(50), REDUCE)
    assert engine.holding(ACCOUNT).holding == D("9699.25")
    assert engine.holding(ACCOUNT).isolated_margin == D(300)

    # Step 4: the position row carries the isolated fields
    pos = engine.position(ACCOUNT, ETH, ISOLATED)
    assert pos is not None
    market = engine.market(ETH)
    assert (pos.margin_mode, pos.leverage, pos.position_qty, pos.margin) == (ISOLATED, 10, 1, 300)
    assert (pos.imr, pos.mmr, pos.unsettled_pnl) == (D("0.1"), D("0.006"), 0)
    assert pos.est_liq_price == m.isolated_liq_price(market, D(1), D(2500), D(300), D(2500))
    assert engine.position(ACCOUNT, ETH, CROSS) is None
    kinds = {type(e) for e in engine.drain_events()}
    assert {PositionEvent, BalanceEvent, ExecutionEvent} <= kinds


def test_worked_example_a_long_liq_price_and_margin_for_target() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))  # MARKET at 2500, 10x
    engine.adjust_margin(ACCOUNT, ETH, D("1.5"), ADD)  # margin 251.50 as in the example
    engine.set_mark(ETH, D(2450))
    engine.apply_funding(ETH, D("0.5"))
    pos = engine.position(ACCOUNT, ETH, ISOLATED)
    assert pos is not None
    assert (pos.margin, pos.cost_position, pos.unsettled_pnl) == (D("251.5"), 2500, D("-50.5"))
    market = engine.market(ETH)
    expected = m.isolated_liq_price(market, D(1), D(2500), D("251.5"), D(2450), D("0.5"))
    assert pos.est_liq_price == expected
    assert round(pos.est_liq_price, 2) == D("2262.58")
    # ADD 261.00 puts the liquidation price at exactly 2000
    need = m.margin_for_liq_price(engine.market(ETH), D(1), D(2500), D(2000), D(2450), D("0.5"))
    assert need - pos.margin == D(261)
    engine.adjust_margin(ACCOUNT, ETH, D(261), ADD)
    assert engine.position(ACCOUNT, ETH, ISOLATED).est_liq_price == D(2000)


def test_worked_example_b_short_liq_price() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, SELL, "2", ISOLATED))  # margin 2·2500/10 = 500
    engine.apply_funding(ETH, D("0.5"))
    pos = engine.position(ACCOUNT, ETH, ISOLATED)
    assert (pos.position_qty, pos.cost_position, pos.margin) == (-2, -5000, 500)
    assert round(pos.est_liq_price, 2) == D("2734.10")
    assert pos.unsettled_pnl == 1  # a short receives positive funding


def test_cross_and_isolated_positions_on_one_symbol_are_independent() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", CROSS))
    engine.create_order(ACCOUNT, req(ETH, SELL, "0.5", ISOLATED))
    snap = engine.positions(ACCOUNT)
    cross, iso = snap.get(ETH, CROSS), snap.get(ETH, ISOLATED)
    assert (cross.position_qty, cross.margin) == (1, 0)
    assert (iso.position_qty, iso.margin) == (D("-0.5"), 125)
    # holding: 10000 − fees (1.5 + 0.75) − isolated margin 125
    assert engine.holding(ACCOUNT).holding == D("9872.75")
    # closing the isolated one leaves the cross one alone
    engine.create_order(ACCOUNT, req(ETH, BUY, "0.5", ISOLATED, reduce_only=True))
    assert engine.position(ACCOUNT, ETH, ISOLATED) is None
    assert engine.position(ACCOUNT, ETH, CROSS).position_qty == 1
    assert engine.holding(ACCOUNT).isolated_margin == 0


def test_partial_close_scales_margin_and_pays_pnl_to_holding() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "2", ISOLATED))  # margin 500, fee 3
    engine.set_mark(ETH, D(2600))
    engine.create_order(ACCOUNT, req(ETH, SELL, "1", ISOLATED))  # pnl 100, margin back 250
    pos = engine.position(ACCOUNT, ETH, ISOLATED)
    assert (pos.position_qty, pos.margin, pos.cost_position) == (1, 250, 2500)
    assert engine.holding(ACCOUNT).holding == D("9845.44")  # 9497 + 350 − 1.56 fee


def test_flip_closes_then_opens_the_remainder() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    engine.set_mark(ETH, D(2600))
    engine.create_order(ACCOUNT, req(ETH, SELL, "3", ISOLATED))
    pos = engine.position(ACCOUNT, ETH, ISOLATED)
    assert (pos.position_qty, pos.cost_position, pos.margin) == (-2, -5200, 520)
    assert pos.average_open_price == 2600
    # 10000 − 250 − 1.5, then + 100 pnl + 250 released − 520 new margin − 4.68 fee
    assert engine.holding(ACCOUNT).holding == D("9573.82")


def test_adjust_margin_bounds_and_refusals() -> None:
    engine = make_engine("1000")
    rejected(-1006, engine.adjust_margin, ACCOUNT, ETH, D(10), ADD)
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))  # margin 250, holding 748.5
    rejected(-1005, engine.adjust_margin, ACCOUNT, ETH, D(0), ADD)
    rejected(-1101, engine.adjust_margin, ACCOUNT, ETH, D("748.51"), ADD)
    engine.adjust_margin(ACCOUNT, ETH, D("748.5"), ADD)  # exactly max_add
    assert engine.holding(ACCOUNT).holding == 0
    # max_reduce = margin − N·IMR + min(0, upnl) = 998.5 − 2400·0.1 − 100 at mark 2400
    engine.set_mark(ETH, D(2400))
    rejected(-1101, engine.adjust_margin, ACCOUNT, ETH, D("658.51"), REDUCE)
    engine.adjust_margin(ACCOUNT, ETH, D("658.5"), REDUCE)
    assert engine.position(ACCOUNT, ETH, ISOLATED).margin == 340
    # cross positions are not isolated positions
    engine.create_order(ACCOUNT, req("PERP_BTC_USDC", BUY, "0.001", CROSS))
    rejected(-1006, engine.adjust_margin, ACCOUNT, "PERP_BTC_USDC", D(1), ADD)


def test_funding_folds_into_cost_on_the_next_fill() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    engine.apply_funding(ETH, D(2))
    before = engine.position(ACCOUNT, ETH, ISOLATED)
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    after = engine.position(ACCOUNT, ETH, ISOLATED)
    assert before.unsettled_pnl == -2 and after.unsettled_pnl == -2
    assert after.last_sum_unitary_funding == 2 and after.cost_position == 5002
