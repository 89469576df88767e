"""The one-tap top-up offered under an alert: figures from orderly-api.md §6, caps, minimum."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.margin import isolated_liq_price
from bot.domain.models import MarginMode, MarketInfo, Position
from bot.domain.topup import suggest_topup

D = Decimal
ETH = MarketInfo(
    symbol="PERP_ETH_USDC", quote_min=D(0), quote_max=D(100_000), quote_tick=D("0.01"),
    base_min=D("0.0001"), base_max=D(500), base_tick=D("0.0001"), min_notional=D(10),
    price_range=D("0.03"), base_imr=D("0.01"), base_mmr=D("0.006"), imr_factor=D("1.724e-7"),
)


def pos(qty: str, cost: str, margin: str, mark: str = "2450") -> Position:
    return Position(
        symbol="PERP_ETH_USDC", margin_mode=MarginMode.ISOLATED, position_qty=D(qty),
        cost_position=D(cost), average_open_price=abs(D(cost) / D(qty)) if D(qty) else D(0),
        mark_price=D(mark), est_liq_price=None, unsettled_pnl=D(0),
        last_sum_unitary_funding=D(0), imr=D("0.1"), mmr=D("0.006"), leverage=10,
        margin=D(margin),
    )


LONG = pos("1", "2500", "251.5")  # §6 example A: liq 2262.58 at mark 2450 with F = 0.5
SHORT = pos("-2", "-5000", "500", "2650")  # §6 example B: liq 2734.10 with F = -1
PLENTY = D(10_000)


@pytest.mark.parametrize(
    ("position", "mark", "funding", "warning", "amount"),
    [
        (LONG, "2450", "0.5", "0.05", "57.23"),  # target liq 2205: margin 308.73 − 251.50
        (LONG, "2451", "0.5", "0.05", "56.34"),  # 56.3354 rounded UP to the cent
        (LONG, "2350", "0.5", "0.05", "146.69"),  # closer to liquidation: more is needed
        (LONG, "2450", "0.5", "0.04", "8.53"),  # 8 % target: liq 2254, margin 260.024
        (SHORT, "2650", "-1", "0.05", "363.98"),  # short: target liq 2915 = mark × 1.10
    ],
)
def test_suggestion_restores_twice_the_warning_distance(
    position: Position, mark: str, funding: str, warning: str, amount: str
) -> None:
    s = suggest_topup(ETH, position, D(mark), D(funding), D(warning), PLENTY)
    target = 2 * D(warning)
    assert s.amount == D(amount) and s.uncapped_amount == D(amount)
    assert s.reaches_target and s.capped_by is None and s.target_distance == target
    assert s.distance_after is not None and s.distance_after >= target
    assert s.distance_after - target < D("0.0001")  # a cent more than needed, not more
    # Independent check: the liq price after adding really sits at the target distance.
    after = isolated_liq_price(ETH, position.position_qty, position.cost_position,
                               position.margin + s.amount, D(mark), D(funding))
    assert after == s.liq_after


def test_section6_example_lands_exactly_on_10_percent() -> None:
    s = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.05"), PLENTY)
    assert s.amount == D("57.23")
    assert s.liq_after == D(2205)
    assert s.distance_after == D("0.1")


def test_no_offer_when_already_beyond_the_target() -> None:
    s = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.03"), PLENTY)  # 6 % target
    assert s.amount is None and s.reaches_target and not s.needed and s.capped_by is None


@pytest.mark.parametrize(
    ("max_add", "per_action", "per_day", "amount", "capped_by", "cap"),
    [
        ("100.456", None, None, "100.45", "exchange", "100.456"),  # rounded DOWN under a cap
        (PLENTY, "100", None, "100.00", "per_action", "100"),
        (PLENTY, "120", "80", "80.00", "per_day", "80"),  # the smallest cap bites
        (PLENTY, "500", "200", "146.69", None, None),  # caps above the need do not bite
        ("100", "100", None, "100.00", "exchange", "100"),  # a tie names the exchange
    ],
)
def test_caps_bite(
    max_add: object, per_action: str | None, per_day: str | None, amount: str,
    capped_by: str | None, cap: str | None,
) -> None:
    s = suggest_topup(ETH, LONG, D(2350), D("0.5"), D("0.05"), D(str(max_add)),
                      None if per_action is None else D(per_action),
                      None if per_day is None else D(per_day))
    assert s.amount == D(amount) and s.capped_by == capped_by
    assert s.cap == (None if cap is None else D(cap))
    assert s.uncapped_amount == D("146.69")
    assert s.reaches_target is (capped_by is None)
    assert s.distance_after is not None
    if capped_by is not None:
        assert D("0.05") < s.distance_after < D("0.10")  # better, but short of 10 %


def test_capped_amount_of_100_moves_liq_to_8_percent() -> None:
    s = suggest_topup(ETH, LONG, D(2350), D("0.5"), D("0.05"), PLENTY, D(100))
    assert s.liq_after is not None and s.distance_after is not None
    assert round(s.liq_after, 2) == D("2161.97")  # (351.5 − 2500.5) / −0.994
    assert round(s.distance_after * 100, 2) == D("8.00")


@pytest.mark.parametrize(("max_add", "per_day", "capped_by"),
                         [("0.99", None, "exchange"), (PLENTY, "0.5", "per_day"),
                          ("0", None, "exchange")])
def test_cap_below_the_minimum_offers_nothing(max_add: object, per_day: str | None,
                                              capped_by: str) -> None:
    s = suggest_topup(ETH, LONG, D(2350), D("0.5"), D("0.05"), D(str(max_add)), None,
                      None if per_day is None else D(per_day))
    assert s.amount is None and s.capped_by == capped_by and not s.reaches_target
    assert s.needed and s.uncapped_amount == D("146.69")


def test_a_need_below_the_minimum_offers_nothing() -> None:
    nearly = pos("1", "2500", "308.5")  # 0.23 USDC short of 10 % at mark 2450
    s = suggest_topup(ETH, nearly, D(2450), D("0.5"), D("0.05"), PLENTY)
    assert s.amount is None and s.capped_by is None and s.uncapped_amount == D("0.23")


def test_flat_position_or_no_mark_offers_nothing() -> None:
    assert suggest_topup(ETH, pos("0", "0", "0"), D(2450), D(0), D("0.05"), PLENTY).amount is None
    assert suggest_topup(ETH, LONG, D(0), D(0), D("0.05"), PLENTY).amount is None
