"""Pure TP/SL maths: PnL at a trigger, an SL beyond liquidation, trigger sanity, firing."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.algo import (
    AlgoType,
    closing_side,
    fires,
    pnl_at,
    sl_beyond_liquidation,
    stop_fires,
    trigger_problem,
)
from bot.domain.models import Side

D = Decimal
TP, SL = AlgoType.TAKE_PROFIT, AlgoType.STOP_LOSS


def test_pnl_at_a_trigger_for_long_and_short() -> None:
    assert pnl_at(D("2"), D("2500"), D("2600")) == D("200")
    assert pnl_at(D("2"), D("2500"), D("2400")) == D("-200")
    assert pnl_at(D("-2"), D("2500"), D("2400")) == D("200")
    assert pnl_at(D("-2"), D("2500"), D("2400"), qty=D("0.5")) == D("50")


def test_sl_beyond_the_liquidation_price() -> None:
    assert sl_beyond_liquidation(D("1"), D("2200"), D("2262.58"))
    assert not sl_beyond_liquidation(D("1"), D("2300"), D("2262.58"))
    assert sl_beyond_liquidation(D("-2"), D("2800"), D("2734.10"))
    assert not sl_beyond_liquidation(D("-2"), D("2700"), D("2734.10"))
    assert not sl_beyond_liquidation(D("1"), D("2200"), None)


def test_trigger_problems_name_the_rule() -> None:
    long, short = D("1"), D("-1")
    assert trigger_problem(TP, long, D("2500"), D("2500"), D("2600")) is None
    assert "above its entry" in (trigger_problem(TP, long, D("2500"), D("2450"), D("2480")) or "")
    assert "above the mark" in (trigger_problem(TP, long, D("2500"), D("2700"), D("2600")) or "")
    assert "below the mark" in (trigger_problem(SL, long, D("2500"), D("2400"), D("2450")) or "")
    assert trigger_problem(SL, long, D("2500"), D("2600"), D("2550")) is None  # locks profit
    assert trigger_problem(TP, short, D("2500"), D("2500"), D("2400")) is None
    assert "below its entry" in (trigger_problem(TP, short, D("2500"), D("2500"), D("2600")) or "")
    assert "above the mark" in (trigger_problem(SL, short, D("2500"), D("2500"), D("2400")) or "")
    assert "no open position" in (trigger_problem(SL, D(0), D("2500"), D("2500"), D("1")) or "")


def test_firing_rules() -> None:
    assert closing_side(D("1")) is Side.SELL and closing_side(D("-1")) is Side.BUY
    assert fires(TP, Side.SELL, D("2600"), D("2600"))
    assert not fires(TP, Side.SELL, D("2600"), D(2599))
    assert fires(SL, Side.SELL, D("2400"), D("2399"))
    assert not fires(SL, Side.SELL, D("2400"), D(2401))
    assert fires(TP, Side.BUY, D("2400"), D("2390")) and fires(SL, Side.BUY, D("2600"), D("2601"))
    assert stop_fires(True, D("2600"), D("2600")) and not stop_fires(True, D("2600"), D("2500"))
    assert stop_fires(False, D("2400"), D("2390")) and not stop_fires(False, D("2400"), D("2500"))
