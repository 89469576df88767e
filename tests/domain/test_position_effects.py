"""The position after each effect: open, add, reduce, close, flip, margin add/reduce."""

from decimal import Decimal as D

import pytest

from bot.domain import margin as m
from bot.domain import position_effects as fx
from bot.domain.models import MarginMode, Side
from tests.domain.test_margin import ETH, market

JS = market("PERP_BTC_USDC", "0.1", "0.05", "0")  # JSSDK liquidationPriceIsolated inputs
LONG = fx.IsolatedState(D(2), D(5000), D(503))
SHORT = fx.IsolatedState(D(-1), D(-2500), D(250))
P = D(2600)


@pytest.mark.parametrize(
    ("state", "side", "qty", "kind", "after", "locked", "released", "pnl"),
    [
        (fx.FLAT, Side.BUY, D(1), fx.Kind.OPEN, (D(1), D(2600), D(260)), D("261.56"), 0, 0),
        (LONG, Side.BUY, D(1), fx.Kind.ADD, (D(3), D(7600), D(763)), D("261.56"), 0, 0),
        (SHORT, Side.SELL, D(1), fx.Kind.ADD, (D(-2), D(-5100), D(510)), D("261.56"), 0, 0),
        # a quarter closes: a quarter of margin and cost leave, with the PnL 0.5·2600 − 1250
        (LONG, Side.SELL, D("0.5"), fx.Kind.REDUCE, (D("1.5"), D(3750), D("377.25")), 0,
         D("125.75"), D(50)),
        (LONG, Side.SELL, D(2), fx.Kind.CLOSE, (D(0), D(0), D(0)), 0, D(503), D(200)),
        # flip: close the 2 (PnL 200, margin 503 back), open 1 short fresh at 2600
        (LONG, Side.SELL, D(3), fx.Kind.FLIP, (D(-1), D(-2600), D(260)), D("261.56"), D(503),
         D(200)),
        (SHORT, Side.BUY, D("0.4"), fx.Kind.REDUCE, (D("-0.6"), D(-1500), D(150)), 0, D(100),
         D(-40)),
    ],
)
def test_after_order(state: fx.IsolatedState, side: Side, qty: D, kind: fx.Kind,
                     after: tuple[D, D, D], locked: D, released: D, pnl: D) -> None:
    effect = fx.after_order(ETH, state, side, qty, P, 10)
    assert effect.kind is kind
    assert (effect.after.qty, effect.after.cost, effect.after.margin) == after
    assert (effect.locked, effect.released, effect.realized_pnl) == (locked, released, pnl)
    expected = m.isolated_liq_price(ETH, *after, P) if after[0] else None
    assert effect.liq_after == expected


def test_a_reduce_keeps_the_liq_price_of_a_losing_long() -> None:
    # the bug of issue 8: closing half of a losing long must not move liq toward the mark
    losing = fx.IsolatedState(D(1), D(2500), D(250), funding=D("0.5"))
    before = losing.liq_price(ETH, D(2450))
    half = fx.reduce(ETH, losing, D("0.5"), D(2450))
    assert before is not None and half.liq_after is not None
    assert abs(half.liq_after - before) < D("1e-20")
    assert half.after.funding == 0 and half.after.cost == D("1250.25")  # funding settled, halved
    assert half.locked == 0 and half.released == D(125)
    assert half.realized_pnl == D("1225") - D("1250.25")


def test_a_fill_settles_funding_into_cost() -> None:
    owed = fx.IsolatedState(D(2), D(5000), D(503), funding=D(2))
    added = fx.open_or_add(ETH, owed, Side.BUY, D(1), P, 10)
    assert (added.after.cost, added.after.funding) == (D(7602), 0)


@pytest.mark.parametrize(
    ("state", "qty"),
    [(fx.FLAT, D(1)), (fx.IsolatedState(D(-1), D(-100), D(10)), D(2))],  # open; flip to 1 long
)
def test_matches_jssdk_liquidation_price_isolated_open_and_flip(
    state: fx.IsolatedState, qty: D
) -> None:
    # liquidationPriceIsolated.ts scenarios 2 and 4: margin' = q·P/L, cost' = Q'·P
    effect = fx.after_order(JS, state, Side.BUY, qty, D(100), 10)
    assert effect.liq_after == (D(10) - D(100)) / (D("0.05") - 1)


def test_margin_change_moves_only_the_margin() -> None:
    state = fx.IsolatedState(D(1), D(2500), D("251.5"), funding=D("0.5"))
    added = fx.margin_change(ETH, state, D(261), D(2450))
    assert added.kind is fx.Kind.MARGIN_ADD and added.locked == D(261)
    assert added.after == fx.IsolatedState(D(1), D(2500), D("512.5"), D("0.5"))
    assert added.liq_after == D(2000)  # orderly-api.md §6 example A: target 2000
    reduced = fx.margin_change(ETH, state, D(-50), D(2450))
    assert reduced.kind is fx.Kind.MARGIN_REDUCE and reduced.released == D(50)
    assert reduced.liq_after == m.isolated_liq_price(ETH, D(1), D(2500), D("201.5"), D(2450),
                                                     D("0.5"))


def test_fill_price_and_opening_part() -> None:
    assert fx.fill_price(Side.BUY, None, D(2500)) == D(2500)
    assert fx.fill_price(Side.BUY, D(2600), D(2500)) == D(2500)  # marketable: at the mark
    assert fx.fill_price(Side.BUY, D(2400), D(2500)) == D(2400)  # rests, fills at its price
    assert fx.fill_price(Side.SELL, D(2400), D(2500)) == D(2500)
    assert fx.opening_part(D(2), Side.SELL, D(3)) == D(1)
    assert fx.opening_part(D(2), Side.SELL, D(1)) == 0
    assert fx.opening_part(D(-2), Side.SELL, D(1)) == D(1)
    assert fx.margin_for_opening(ETH, MarginMode.ISOLATED, 10, D(0), D(2), P) == 0
    assert fx.margin_for_opening(ETH, MarginMode.CROSS, 10, D(1), D(1), D(2500)) == D(250)
