"""Order rules (orderly-api.md §4.6): refused with a reason and the nearest valid values."""

from dataclasses import replace
from decimal import ROUND_CEILING
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.models import MarketInfo, Side
from bot.domain.orders import (
    check_leverage,
    check_notional,
    check_price,
    check_quantity,
    decimals_of,
    fmt,
    min_quantity_at,
    quantize_to,
    validate_order,
)
from bot.errors import UserInputError

ETH = MarketInfo(
    symbol="PERP_ETH_USDC", quote_min=D(1), quote_max=D(100000), quote_tick=D("0.1"),
    base_min=D("0.01"), base_max=D(1000), base_tick=D("0.01"), min_notional=D(10),
    price_range=D("0.03"), base_imr=D("0.01"), base_mmr=D("0.006"), imr_factor=D("1.724e-7"),
)
# a grid that does not start at 0: prices 0.05, 0.15, 0.25, …; sizes 5, 7, 9, …
ODD = MarketInfo(
    symbol="PERP_ODD_USDC", quote_min=D("0.05"), quote_max=D(100), quote_tick=D("0.1"),
    base_min=D(5), base_max=D(99), base_tick=D(2), min_notional=D(1),
    price_range=D("0.1"), base_imr=D("0.05"), base_mmr=D("0.025"), imr_factor=D(0),
)
MARK = D(2450)


def refused(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError) as caught:
        call(*args)
    return caught.value.reason


def test_valid_limit_and_market_orders_pass() -> None:
    validate_order(ETH, Side.BUY, D("0.5"), D("2450.1"), MARK, leverage=10)
    validate_order(ETH, Side.SELL, D("0.01"), None, MARK)
    validate_order(ODD, Side.BUY, D(7), D("0.25"), D("0.25"), leverage=20)


def test_off_step_quantity_suggests_both_neighbours() -> None:
    reason = refused(check_quantity, ETH, D("0.015"))
    assert reason == "quantity 0.015 is not a multiple of the step 0.01 — try 0.01 or 0.02"


def test_step_is_relative_to_base_min() -> None:
    check_quantity(ODD, D(9))
    assert refused(check_quantity, ODD, D(8)).endswith("try 7 or 9")
    # the upper neighbour would exceed base_max, so only the lower one is offered
    capped = replace(ODD, base_max=D(98))
    assert refused(check_quantity, capped, D("98")).endswith("try 97")


@pytest.mark.parametrize(
    ("qty", "reason"),
    [(D("0.001"), "quantity 0.001 is below the minimum 0.01 ETH"),
     (D(1001), "quantity 1001 is above the maximum 1000 ETH"),
     (D(0), "quantity must be greater than 0")],
)
def test_quantity_bounds(qty: D, reason: str) -> None:
    assert refused(check_quantity, ETH, qty) == reason


def test_off_tick_price_suggests_neighbours_relative_to_quote_min() -> None:
    assert refused(check_price, ETH, Side.BUY, D("2450.05"), MARK) == (
        "price 2450.05 is not on the tick 0.1 — try 2450.0 or 2450.1"
    )
    check_price(ODD, Side.BUY, D("0.25"), D("0.25"))
    assert refused(check_price, ODD, Side.BUY, D("0.2"), D("0.2")).endswith("try 0.15 or 0.25")


@pytest.mark.parametrize(
    ("price", "reason"),
    [(D("0.5"), "price 0.5 is below the minimum 1"),
     (D(100001), "price 100001 is above the maximum 100000"),
     (D(0), "price must be greater than 0")],
)
def test_price_bounds(price: D, reason: str) -> None:
    assert refused(check_price, ETH, Side.BUY, price, MARK) == reason


def test_price_range_around_mark() -> None:
    check_price(ETH, Side.BUY, D("2523.5"), MARK)  # exactly mark·1.03
    check_price(ETH, Side.SELL, D("2376.5"), MARK)  # exactly mark·0.97
    check_price(ETH, Side.SELL, D(3000), MARK)  # a high sell is only a resting order
    check_price(ETH, Side.BUY, D(100), MARK)
    assert refused(check_price, ETH, Side.BUY, D("2523.6"), MARK) == (
        "a BUY at 2523.6 is more than 3 % above the mark 2450 — the highest allowed now is 2523.5"
    )
    assert refused(check_price, ETH, Side.SELL, D("2376.4"), MARK) == (
        "a SELL at 2376.4 is more than 3 % below the mark 2450 — the lowest allowed now is 2376.5"
    )


def test_suggested_range_limit_is_on_the_tick_and_inside() -> None:
    mark = D("2450.37")  # mark·1.03 = 2523.8811 -> 2523.8 ; mark·0.97 = 2376.8589 -> 2376.9
    assert refused(check_price, ETH, Side.BUY, D(2600), mark).endswith("2523.8")
    assert refused(check_price, ETH, Side.SELL, D(2000), mark).endswith("2376.9")


def test_notional_must_be_above_the_minimum() -> None:
    check_notional(ETH, D("0.01"), D(1001))  # 10.01 > 10
    reason = refused(check_notional, ETH, D("0.01"), D(1000))  # exactly 10 is not enough
    assert reason == (
        "order value 10 USDC is not above the minimum 10 USDC — at 1000 use at least 0.02 ETH"
    )
    assert min_quantity_at(ETH, D(2450)) == D("0.01")
    assert min_quantity_at(ETH, D(300)) == D("0.04")  # 0.04·300 = 12 > 10; 0.03·300 = 9
    assert min_quantity_at(ETH, D(500)) == D("0.03")  # 0.02·500 = 10 is not above


def test_market_order_value_uses_the_mark() -> None:
    with pytest.raises(UserInputError, match=r"at 900 use at least 0\.02 ETH"):
        validate_order(ETH, Side.BUY, D("0.01"), None, D(900))
    validate_order(ETH, Side.BUY, D("0.01"), None, D(1001))


@pytest.mark.parametrize("leverage", [0, 101, -1])
def test_leverage_outside_the_market_range(leverage: int) -> None:
    assert refused(check_leverage, ETH, leverage) == (
        f"leverage {leverage}x is outside 1x..100x for ETH"
    )
    check_leverage(ETH, 1)
    check_leverage(ETH, 100)
    with pytest.raises(UserInputError, match=r"1x\.\.20x for ODD"):
        check_leverage(ODD, 21)


@pytest.mark.parametrize(("tick", "places"), [(D("0.01"), 2), (D("0.50"), 1), (D(1), 0),
                                              (D(10), 0), (D("1E-5"), 5), (D("1E+1"), 0)])
def test_decimals_of(tick: D, places: int) -> None:
    assert decimals_of(tick) == places


def test_quantize_rounds_down_only_when_asked() -> None:
    assert quantize_to(D("0.3333"), D("0.01")) == D("0.33")
    assert str(quantize_to(D(2), D("0.01"))) == "2.00"
    assert quantize_to(D("0.3333"), D("0.01"), rounding=ROUND_CEILING) == D("0.34")
    assert quantize_to(D(8), D(2), origin=D(5)) == D(7)
    assert quantize_to(D("0.2"), D("0.1"), origin=D("0.05")) == D("0.15")
    assert fmt(D("2523.50")) == "2523.5" and fmt(D("1E+1")) == "10" and fmt(D("0.00")) == "0"


@given(qty=st.decimals(min_value=D("0.01"), max_value=D(1000), places=4))
def test_quantities_pass_exactly_when_on_the_step(qty: D) -> None:
    on_step = (qty - ETH.base_min) % ETH.base_tick == 0
    try:
        check_quantity(ETH, qty)
    except UserInputError as error:
        assert not on_step
        low, high = error.reason.rsplit("try ", 1)[1].split(" or ")
        assert D(low) < qty < D(high) and D(high) - D(low) == ETH.base_tick
    else:
        assert on_step
