"""The largest accepted order, and refusals that name it."""

from decimal import Decimal as D

import pytest

from bot.domain import margin as m
from bot.domain.models import MarginMode, Side
from bot.domain.order_limits import MARGIN, NOTIONAL, SIZE, OrderCapacity, check_reduce_only
from bot.errors import UserInputError
from tests.domain.test_margin import ETH

ISO, CROSS = MarginMode.ISOLATED, MarginMode.CROSS


def capacity(side: Side = Side.BUY, qty: str = "0", available: str = "1000",
             mode: MarginMode = ISO, leverage: int = 10) -> OrderCapacity:
    return OrderCapacity(ETH, mode, side, D(qty), D(2500), leverage, D(available))


def test_isolated_max_is_what_the_free_margin_buys_with_the_fee_buffer() -> None:
    cap = capacity()
    assert cap.max_quantity() == D("3.976")  # 1000 / (2500·(1/10 + 0.0006)) = 3.9761
    assert cap.blocked_by(D("3.976")) is None
    assert cap.blocked_by(D("3.977")) == MARGIN


def test_selling_against_a_long_closes_first_for_free() -> None:
    cap = capacity(Side.SELL, qty="2")
    assert cap.max_quantity() == D("5.976")
    assert capacity(Side.SELL, qty="2", available="0").max_quantity() == D(2)
    assert capacity(Side.BUY, qty="2", available="0").max_quantity() == 0


def test_cross_max_uses_the_initial_margin_rate() -> None:
    cap = capacity(mode=CROSS)
    assert cap.max_quantity() == D(4)  # 1000 / (2500 · 10 %)
    assert cap.blocked_by(D("4.001")) == MARGIN


def test_notional_cap_at_leverage() -> None:
    cap = capacity(available="100000000", leverage=100)
    most = cap.max_quantity()
    limit = m.max_notional_at(ETH, 100)
    assert most * 2500 <= limit < (most + ETH.base_tick) * 2500
    assert cap.blocked_by(most + ETH.base_tick) == NOTIONAL
    assert capacity(available="1e12", leverage=1).blocked_by(D(1001)) == SIZE


def test_refusals_name_the_maximum() -> None:
    with pytest.raises(UserInputError) as info:
        capacity().check(D(40))
    assert "BUY 40 ETH is refused: not enough margin — at most 3.976 ETH now" in info.value.reason
    with pytest.raises(UserInputError) as info:
        capacity(available="100000000", leverage=100).check(D(500))
    assert "at most 360." in info.value.reason and "lower the leverage" in info.value.reason
    capacity().check(D("3.976"))  # within: no refusal


def test_reduce_only_never_beyond_the_position() -> None:
    check_reduce_only(D(2), Side.SELL, D(2), "ETH")
    with pytest.raises(UserInputError, match="at most 2 ETH"):
        check_reduce_only(D(2), Side.SELL, D(3), "ETH")
    with pytest.raises(UserInputError, match="no ETH position to reduce"):
        check_reduce_only(D(2), Side.BUY, D(1), "ETH")
