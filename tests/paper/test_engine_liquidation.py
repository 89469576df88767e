"""Liquidation: an isolated position loses only its margin; a cross account loses its cross book."""

from __future__ import annotations

from bot.domain.models import MarginMode
from bot.paper.engine import LiquidationEvent, PositionEvent
from tests.paper.engine_fixtures import (
    ACCOUNT,
    BTC,
    BUY,
    CROSS,
    ETH,
    ISOLATED,
    SELL,
    SOL,
    D,
    make_engine,
    req,
)


def _liquidations(engine: object) -> list[LiquidationEvent]:
    return [e for e in engine.drain_events() if isinstance(e, LiquidationEvent)]


def test_isolated_liquidation_leaves_balance_and_other_positions_intact() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(BTC, BUY, "0.01", CROSS))
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", CROSS))
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    close = engine.create_order(ACCOUNT, req(ETH, SELL, "1", ISOLATED, price="2600",
                                             reduce_only=True))
    liq = engine.position(ACCOUNT, ETH, ISOLATED).est_liq_price
    holding = engine.holding(ACCOUNT).holding
    assert round(liq, 2) == D("2263.58") and holding == D("9746.64")
    engine.drain_events()

    engine.set_mark(ETH, D("2263.59"))  # just above: nothing happens
    assert engine.position(ACCOUNT, ETH, ISOLATED) is not None and _liquidations(engine) == []
    engine.set_mark(ETH, D("2263.58"))
    events = engine.drain_events()
    (liquidation,) = [e for e in events if isinstance(e, LiquidationEvent)]
    assert liquidation.margin_lost == 250
    assert (liquidation.liquidation.symbol, liquidation.liquidation.margin_mode) == (ETH, ISOLATED)
    assert liquidation.liquidation.position_qty == 1
    last_positions = [e for e in events if isinstance(e, PositionEvent)][-1].positions
    assert {(p.symbol, p.margin_mode) for p in last_positions} == {(BTC, CROSS), (ETH, CROSS)}
    held = engine.holding(ACCOUNT)
    assert (held.holding, held.isolated_margin) == (D("9746.64"), 0)
    assert engine.position(ACCOUNT, ETH, CROSS).position_qty == 1
    assert engine.order(ACCOUNT, close.order_id).status == "CANCELLED"


def test_isolated_short_liquidates_when_mark_rises_to_liq() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(SOL, SELL, "10", ISOLATED))  # 1500 notional, margin 150
    liq = engine.position(ACCOUNT, SOL, ISOLATED).est_liq_price
    assert liq > 150
    engine.set_mark(SOL, (liq - D("0.001")).quantize(D("0.001")))
    assert engine.position(ACCOUNT, SOL, ISOLATED) is not None
    engine.set_mark(SOL, liq.quantize(D("0.001")) + D("0.001"))
    assert engine.position(ACCOUNT, SOL, ISOLATED) is None
    assert _liquidations(engine)[0].margin_lost == 150


def test_funding_can_push_an_isolated_position_into_liquidation() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))  # liq ≈ 2263.58 at mark 2500
    engine.set_mark(ETH, D(2300))
    engine.apply_funding(ETH, D(10))
    assert engine.position(ACCOUNT, ETH, ISOLATED) is not None
    engine.apply_funding(ETH, D(40))  # liq rises by ≈ 50/0.994 past the mark
    assert engine.position(ACCOUNT, ETH, ISOLATED) is None
    assert engine.holding(ACCOUNT).holding == D("9748.5")


def test_cross_liquidation_closes_the_cross_book_only() -> None:
    engine = make_engine("1000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "3", CROSS))  # fee 4.5
    engine.create_order(ACCOUNT, req(BTC, BUY, "0.001", ISOLATED))  # margin 6, fee 0.036
    order = engine.create_order(ACCOUNT, req(SOL, BUY, "1", CROSS, price="140"))
    liq = engine.position(ACCOUNT, ETH, CROSS).est_liq_price
    assert D(2150) < liq < D(2200)
    engine.set_mark(ETH, (liq + D("0.01")).quantize(D("0.01")))
    assert engine.position(ACCOUNT, ETH, CROSS) is not None
    mark = (liq - D("0.01")).quantize(D("0.01"))
    engine.set_mark(ETH, mark)
    taken = _liquidations(engine)
    assert [(t.liquidation.symbol, t.liquidation.margin_mode) for t in taken] == [(ETH, CROSS)]
    assert engine.position(ACCOUNT, ETH, CROSS) is None
    assert engine.position(ACCOUNT, BTC, ISOLATED).margin == 6
    assert engine.order(ACCOUNT, order.order_id).status == "CANCELLED"
    assert engine.holding(ACCOUNT).holding == D("989.464") + 3 * (mark - 2500)


def test_cross_loss_beyond_the_holding_floors_at_zero() -> None:
    engine = make_engine("1000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "3", CROSS))
    engine.set_mark(ETH, D(2000))  # gap far past the liquidation price
    assert engine.holding(ACCOUNT).holding == 0
    assert engine.positions(ACCOUNT).positions == ()
    assert engine.account_summary(ACCOUNT).margin_ratio == 10  # nothing left to margin
    assert MarginMode.CROSS in {t.liquidation.margin_mode for t in _liquidations(engine)}
