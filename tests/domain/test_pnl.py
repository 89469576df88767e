"""The PnL report maths: per-symbol and total realized PnL, fees, funding over a window and
the unrealized PnL of open positions."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from bot.domain.models import FundingFee, MarginMode, Position, Side, Trade
from bot.domain.pnl import pnl_report
from bot.domain.windows import Span, Window

ETH, BTC = "PERP_ETH_USDC", "PERP_BTC_USDC"
W = Window(1_000, 2_000, Span.TODAY)


def trade(symbol: str, at: int, realized: str, fee: str) -> Trade:
    return Trade(1, symbol, Side.SELL, D(1), D(1), D(fee), D(realized), at)


def fee(symbol: str, at: int, amount: str) -> FundingFee:
    paid = D(amount)
    return FundingFee(symbol, D("0.0001"), D(1), paid, "Pay" if paid > 0 else "Receive",
                      "Accrued", at)


def position(symbol: str, qty: str, upnl: str) -> Position:
    return Position(symbol=symbol, margin_mode=MarginMode.ISOLATED, position_qty=D(qty),
                    cost_position=D(0), average_open_price=D(0), mark_price=D(1),
                    est_liq_price=None, unsettled_pnl=D(upnl), last_sum_unitary_funding=D(0),
                    imr=D("0.1"), mmr=D("0.01"), leverage=10, margin=D(0))


TRADES = [
    trade(ETH, 999, "100", "1"),  # before the window
    trade(ETH, 1_000, "12.5", "0.75"),
    trade(ETH, 1_500, "-2.25", "0.5"),
    trade(BTC, 2_000, "40", "3"),
    trade(BTC, 2_001, "999", "9"),  # after it
]
FUNDING = [fee(ETH, 1_200, "0.3"), fee(ETH, 1_300, "-0.1"), fee(BTC, 500, "7")]
POSITIONS = [position(ETH, "1", "5.5"), position(ETH, "-2", "-1.5"), position(BTC, "0", "3")]


def test_per_symbol_and_total_in_the_window() -> None:
    report = pnl_report(W, TRADES, FUNDING, POSITIONS)
    btc, eth = report.lines
    assert (eth.symbol, eth.realized, eth.fees, eth.funding, eth.unrealized, eth.fills) == (
        ETH, D("10.25"), D("1.25"), D("0.2"), D("4"), 2)
    assert eth.net == D(9)
    assert (btc.realized, btc.fees, btc.funding, btc.unrealized, btc.fills) == (
        D(40), D(3), D(0), D(0), 1)  # a flat row adds nothing, the funding was before
    total = report.total
    assert (total.symbol, total.realized, total.fees, total.funding, total.unrealized) == (
        "TOTAL", D("50.25"), D("4.25"), D("0.2"), D(4))
    assert total.net == D(46) and total.fills == 3


def test_one_symbol_only() -> None:
    report = pnl_report(W, TRADES, FUNDING, POSITIONS, symbol=BTC)
    assert [line.symbol for line in report.lines] == [BTC]
    assert report.total.realized == 40 and report.total.unrealized == 0


def test_fills_without_realized_pnl_are_counted() -> None:
    unknown = replace(trade(ETH, 1_100, "0", "0.25"), realized_known=False)
    report = pnl_report(W, [*TRADES, unknown], [], [])
    assert report.total.unknown_realized == 1 and report.total.fills == 4
    assert report.total.fees == D("4.5")


def test_nothing_in_the_window_is_empty() -> None:
    report = pnl_report(replace(W, start_ms=5_000, end_ms=6_000), TRADES, FUNDING, [])
    assert report.empty and report.total.net == 0
