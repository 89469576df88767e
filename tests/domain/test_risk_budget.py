"""Risk budget maths: the /budget cap rule, the alert's offer under a budget, /risk's figures."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.budget import budget_left, check_topup, over_budget
from bot.domain.models import AccountSummary, MarginMode, Position
from bot.domain.risk import risk_budget
from bot.domain.topup import BUDGET, PER_ACTION, suggest_topup
from tests.domain.test_topup import ETH, LONG, PLENTY

D = Decimal


def test_budget_left_is_what_the_margin_may_still_take_in_whole_cents_down() -> None:
    assert budget_left(None, D(100)) is None
    assert budget_left(D(300), D("251.5")) == D("48.50")
    assert budget_left(D(300), D("251.505")) == D("48.49")  # never a figure above the budget
    assert budget_left(D(200), D("251.5")) == D(0)  # already above: nothing, never negative


def test_a_topup_within_the_budget_is_unchanged() -> None:
    c = check_topup(D(40), D("251.5"), D(300))
    assert (c.allowed, c.capped, c.refused, c.left) == (D(40), False, False, D("48.50"))
    assert check_topup(D("48.50"), D("251.5"), D(300)).capped is False  # exactly to the budget


def test_a_topup_beyond_the_budget_is_cut_to_what_it_leaves() -> None:
    c = check_topup(D(100), D("251.5"), D(300))
    assert (c.allowed, c.capped, c.refused) == (D("48.50"), True, False)
    assert c.margin + c.allowed == D(300)


def test_a_topup_when_nothing_is_left_is_refused() -> None:
    c = check_topup(D(10), D(300), D(300))
    assert (c.allowed, c.capped, c.refused) == (D(0), True, True)
    assert check_topup(D(10), D(350), D(300)).refused
    assert over_budget(D(350), D(300)) == D(50) and over_budget(D(250), D(300)) == D(0)


def test_without_a_budget_nothing_is_cut() -> None:
    c = check_topup(D(10_000), D(1), None)
    assert (c.allowed, c.capped, c.left) == (D(10_000), False, None)
    assert over_budget(D(10_000), None) == D(0)


def test_the_alert_offer_is_capped_by_the_budget_and_says_so() -> None:
    # §6 example A needs 57.23 USDC; a 300 USDC budget leaves 48.50.
    s = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.05"), PLENTY,
                      budget_headroom=budget_left(D(300), LONG.margin))
    assert (s.amount, s.capped_by, s.cap, s.reaches_target) == (D("48.50"), BUDGET, D("48.50"),
                                                               False)
    assert s.uncapped_amount == D("57.23")


def test_the_smallest_cap_wins_and_a_spent_budget_offers_nothing() -> None:
    s = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.05"), PLENTY, per_action_cap=D(20),
                      budget_headroom=D("48.50"))
    assert (s.amount, s.capped_by) == (D(20), PER_ACTION)
    s = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.05"), PLENTY, budget_headroom=D(0))
    assert (s.amount, s.capped_by, s.cap) == (None, BUDGET, D(0))
    s = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.05"), PLENTY, budget_headroom=D(500))
    assert (s.amount, s.capped_by) == (D("57.23"), None)  # a loose budget does not bite


def _pos(symbol: str, mode: MarginMode, qty: str, mark: str, margin: str, liq: str | None,
         upnl: str = "0", imr: str = "0.1") -> Position:
    return Position(
        symbol=symbol, margin_mode=mode, position_qty=D(qty), cost_position=D(qty) * D(mark),
        average_open_price=D(mark), mark_price=D(mark),
        est_liq_price=None if liq is None else D(liq), unsettled_pnl=D(upnl),
        last_sum_unitary_funding=D(0), imr=D(imr), mmr=D("0.006"), leverage=10,
        margin=D(margin),
    )


def test_risk_figures_per_isolated_position_cross_exposure_and_totals() -> None:
    eth = _pos("PERP_ETH_USDC", MarginMode.ISOLATED, "1", "2000", "200", "1900", upnl="-10")
    btc = _pos("PERP_BTC_USDC", MarginMode.ISOLATED, "-0.01", "50000", "500", "55000")
    sol = _pos("PERP_SOL_USDC", MarginMode.CROSS, "10", "100", "0", None, upnl="5",
               imr="0.05")
    flat = _pos("PERP_ARB_USDC", MarginMode.ISOLATED, "0", "1", "0", None)
    account = AccountSummary(free_collateral=D(4000), total_collateral_value=D(4300),
                             account_value=D(5000))
    r = risk_budget(account, [eth, btc, sol, flat], {"PERP_ETH_USDC": D(250),
                                                     "PERP_DOGE_USDC": D(50)})
    assert r.equity == D(5000) and r.free_collateral == D(4000)
    assert [i.symbol for i in r.isolated] == ["PERP_BTC_USDC", "PERP_ETH_USDC"]  # largest first
    b, e = r.isolated
    assert (b.margin, b.share, b.distance) == (D(500), D("0.1"), D("0.1"))
    assert (e.margin, e.share, e.distance) == (D(200), D("0.04"), D("0.05"))
    assert (e.budget, e.budget_left, e.over_budget) == (D(250), D("50.00"), D(0))
    assert (b.budget, b.budget_left) == (None, None)
    assert (r.cross.positions, r.cross.notional, r.cross.margin_used) == (1, D(1000), D(50))
    assert r.cross.share == D("0.01") and r.cross.unsettled_pnl == D(5)
    assert r.isolated_margin == D(700) and r.isolated_share == D("0.14")
    assert r.margin_in_use == D(750) and r.margin_share == D("0.15")
    assert r.budgets == (("PERP_DOGE_USDC", D(50)), ("PERP_ETH_USDC", D(250)))


def test_equity_is_computed_when_the_exchange_does_not_send_it() -> None:
    eth = _pos("PERP_ETH_USDC", MarginMode.ISOLATED, "1", "2000", "200", "1900", upnl="-10")
    r = risk_budget(AccountSummary(D(100), D(800)), [eth])
    assert r.equity == D(990)  # TCV 800 + margin 200 − 10 unsettled
    empty = risk_budget(AccountSummary(D(0), D(0), account_value=D(0)), [eth])
    assert empty.isolated[0].share is None and empty.isolated_share is None
