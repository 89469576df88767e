"""Margin maths against the worked examples of orderly-api.md §6 and the JSSDK unit tests."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import margin as m
from bot.domain.models import MarketInfo


def market(symbol: str, base_imr: str, base_mmr: str, imr_factor: str) -> MarketInfo:
    return MarketInfo(
        symbol=symbol, quote_min=D(0), quote_max=D(1_000_000), quote_tick=D("0.01"),
        base_min=D("0.001"), base_max=D(1000), base_tick=D("0.001"), min_notional=D(10),
        price_range=D("0.03"), base_imr=D(base_imr), base_mmr=D(base_mmr),
        imr_factor=D(imr_factor),
    )


ETH = market("PERP_ETH_USDC", "0.01", "0.006", "1.724e-7")
BTC = market("PERP_BTC_USDC", "0.01", "0.006", "9.1e-8")
DOC = market("PERP_BTC_USDC", "0.04", "0.025", "0.0000001")  # liquidationPriceIsolated.ts doc


def r2(value: D | None) -> D:
    assert value is not None
    return value.quantize(D("0.01"))


# -- IMR / MMR / max notional ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("notional", "imr", "mmr"),
    [(D(5_000_000), "0.0208", "0.01248"), (D(1_000_000), "0.01", "0.006")],
)
def test_btc_imr_mmr_at_100x(notional: D, imr: str, mmr: str) -> None:
    assert m.imr_rate(BTC, 100, notional).quantize(D("0.0001")) == D(imr)
    assert m.mmr_rate(BTC, notional).quantize(D("0.00001")) == D(mmr)


def test_imr_is_at_least_one_over_leverage() -> None:
    assert m.imr_rate(ETH, 10, D(2450)) == D("0.1")
    assert m.mmr_rate(ETH, D(2450)) == D("0.006")  # factor term ≈ 5.3e-5 is below base


@pytest.mark.parametrize(
    ("mkt", "leverage", "millions"),
    [(BTC, 100, "2.0"), (BTC, 20, "15.0"), (ETH, 100, "0.90"), (ETH, 20, "6.73")],
)
def test_max_notional_at_leverage(mkt: MarketInfo, leverage: int, millions: str) -> None:
    got = m.max_notional_at(mkt, leverage) / D(1_000_000)
    assert got.quantize(D(millions)) == D(millions)


# -- isolated liquidation price -------------------------------------------------------------
def test_worked_example_a_long_one_eth_at_10x() -> None:
    margin = m.order_margin(D(1), D(2500), 10)
    assert margin == D("251.5")
    liq = m.isolated_liq_price(ETH, D(1), D(2500), margin, D(2450), D("0.5"))
    assert r2(liq) == D("2262.58")
    # equity at the liquidation price equals the maintenance margin there
    assert liq is not None
    equity = margin + liq - D(2500) - D("0.5")
    assert abs(equity - liq * D("0.006")) < D("1e-20")
    assert r2(m.distance_to_liq(D(2450), liq) * 100) == D("7.65")


def test_worked_example_a_top_up_to_2000_adds_exactly_261() -> None:
    needed = m.margin_for_liq_price(ETH, D(1), D(2500), D(2000), D(2450), D("0.5"))
    assert needed == D("512.5")
    assert needed - D("251.5") == D(261)
    assert m.isolated_liq_price(ETH, D(1), D(2500), D("512.5"), D(2450), D("0.5")) == D(2000)


def test_worked_example_b_short_two_eth() -> None:
    funding = m.funding_adjustment(D(-2), D("10.5"), D(10))
    assert funding == D(-1)
    assert r2(m.isolated_liq_price(ETH, D(-2), D(-5000), D(500), D(2450), funding)) == D("2734.10")


def test_ts_doc_example_50256_41() -> None:
    funding = m.funding_adjustment(D(2), D("0.001"), D("0.0008"))
    liq = m.isolated_liq_price(DOC, D(2), D(100000), D(2000), D(50000), funding)
    assert r2(liq) == D("50256.41")


def test_no_liquidation_price() -> None:
    assert m.isolated_liq_price(ETH, D(0), D(0), D(0), D(2450)) is None
    # a 1x long with extra margin can never be liquidated: the formula goes negative
    assert m.isolated_liq_price(ETH, D(1), D(2500), D(2600), D(2500)) is None
    assert m.distance_to_liq(D(2450), None) is None


# -- distance and top-up --------------------------------------------------------------------
def test_distance_and_target_price() -> None:
    assert m.distance_to_liq(D(2000), D(1800)) == D("0.1")
    assert m.distance_to_liq(D(2000), D(2200)) == D("0.1")
    assert m.liq_price_for_distance(D(2000), D("0.1"), is_long=True) == D(1800)
    assert m.liq_price_for_distance(D(2000), D("0.1"), is_long=False) == D(2200)


@pytest.mark.parametrize(
    ("qty", "cost", "margin", "mark"),
    [(D(1), D(2500), D("251.5"), D(2350)), (D(-2), D(-5000), D(500), D(2650))],
)
def test_top_up_restores_ten_percent(qty: D, cost: D, margin: D, mark: D) -> None:
    funding = m.funding_adjustment(qty, D("0.5"), D(0))
    before = m.distance_to_liq(mark, m.isolated_liq_price(ETH, qty, cost, margin, mark, funding))
    assert before is not None and before < D("0.05")  # inside the warning zone
    add = m.margin_to_add_for_distance(ETH, qty, cost, margin, mark, D("0.1"), funding)
    assert add > 0
    liq = m.isolated_liq_price(ETH, qty, cost, margin + add, mark, funding)
    assert liq == m.liq_price_for_distance(mark, D("0.1"), is_long=qty > 0)
    assert m.distance_to_liq(mark, liq) == D("0.1")


def test_top_up_is_zero_when_already_far_enough() -> None:
    assert m.margin_to_add_for_distance(ETH, D(1), D(2500), D(1000), D(2500), D("0.1")) == 0


def test_max_add_and_max_reduce() -> None:
    assert m.max_add(D(1000), D(800), D(50)) == D(750)
    assert m.max_add(D(300), D(800), D(-50)) == D(300)
    assert m.max_add(D(1000), D(20), D(50)) == 0
    # margin 500 on 2450 notional at IMR 10 %: 255 free, minus a 40 loss
    assert m.max_reduce(D(500), D(2450), D("0.1"), D(-40)) == D(215)
    assert m.max_reduce(D(500), D(2450), D("0.1"), D(40)) == D(255)
    assert m.max_reduce(D(200), D(2450), D("0.1"), D(0)) == 0


def test_unsettled_pnl() -> None:
    assert m.unsettled_pnl(D(1), D(2450), D(2500), D("0.5")) == D("-50.5")


# -- properties -----------------------------------------------------------------------------
prices = st.decimals(min_value=D("0.01"), max_value=D(200_000), places=2)
sizes = st.decimals(min_value=D("0.001"), max_value=D(500), places=3)


@given(qty=sizes, entry=prices, mark=prices, ratio=st.decimals(D("0.05"), D("0.95"), places=3),
       is_long=st.booleans(), delta=st.decimals(D(-5), D(5), places=4))
def test_margin_for_liq_price_inverts_isolated_liq_price(
    qty: D, entry: D, mark: D, ratio: D, is_long: bool, delta: D
) -> None:
    signed = qty if is_long else -qty
    cost = signed * entry
    target = mark * ratio if is_long else mark / ratio
    funding = m.funding_adjustment(signed, delta, D(0))
    needed = m.margin_for_liq_price(BTC, signed, cost, target, mark, funding)
    liq = m.isolated_liq_price(BTC, signed, cost, needed, mark, funding)
    assert liq is not None
    assert abs(liq - target) <= (entry + mark + target) * D("1e-24")


@given(qty=sizes, entry=prices, margin=st.decimals(D(1), D(10_000), places=2), mark=prices)
def test_liq_price_is_where_equity_meets_maintenance(
    qty: D, entry: D, margin: D, mark: D
) -> None:
    for signed in (qty, -qty):
        liq = m.isolated_liq_price(ETH, signed, signed * entry, margin, mark)
        if liq is None:
            continue
        equity = margin + signed * liq - signed * entry
        maintenance = abs(signed) * liq * m.mmr_rate(ETH, abs(signed) * mark)
        assert abs(equity - maintenance) <= (margin + qty * entry) * D("1e-24")
