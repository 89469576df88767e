"""The PnL report: realized PnL, fees and funding over a window, per symbol and in total, plus
the unrealized PnL of the positions open now (pure maths over exchange rows).

Signs follow Orderly: a trade's `realized_pnl` excludes its fee; `fee` and `funding_fee` are
what the account paid (a negative funding_fee was received). Funding accrues into the position's
cost, so it is already part of the unrealized PnL and of the realized PnL of the fill that
closes the position; the report shows it as a breakdown and nets only realized − fees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.models import FundingFee, Position, Trade
from bot.domain.windows import Window

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PnlLine:
    """One symbol's (or the total's) figures in USDC."""

    symbol: str
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO  # paid (> 0) or received (< 0)
    unrealized: Decimal = ZERO  # open positions now
    fills: int = 0
    unknown_realized: int = 0  # fills whose realized PnL the exchange no longer reports

    @property
    def net(self) -> Decimal:
        """Realized PnL after fees, in the window."""
        return self.realized - self.fees

    def __add__(self, other: PnlLine) -> PnlLine:
        return PnlLine(
            self.symbol, self.realized + other.realized, self.fees + other.fees,
            self.funding + other.funding, self.unrealized + other.unrealized,
            self.fills + other.fills, self.unknown_realized + other.unknown_realized,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class PnlReport:
    window: Window
    symbol: str | None  # the one symbol asked for, or None for every symbol
    lines: tuple[PnlLine, ...]  # sorted by symbol; only symbols with something to show
    total: PnlLine

    @property
    def empty(self) -> bool:
        return not self.lines


def pnl_report(
    window: Window, trades: Iterable[Trade], funding: Iterable[FundingFee],
    positions: Iterable[Position], symbol: str | None = None,
) -> PnlReport:  # fmt: skip
    """Sum the window's fills and funding rows and the open positions, per symbol."""
    lines: dict[str, PnlLine] = {}

    def add(line: PnlLine) -> None:
        if symbol is None or line.symbol == symbol:
            lines[line.symbol] = lines.get(line.symbol, PnlLine(line.symbol)) + line

    for t in trades:
        if window.holds(t.executed_timestamp):
            add(PnlLine(t.symbol, realized=t.realized_pnl, fees=t.fee, fills=1,
                        unknown_realized=0 if t.realized_known else 1))
    for f in funding:
        if window.holds(f.created_time):
            add(PnlLine(f.symbol, funding=f.funding_fee))
    for p in positions:
        if p.position_qty != 0:
            add(PnlLine(p.symbol, unrealized=p.unsettled_pnl))
    ordered = tuple(lines[s] for s in sorted(lines))
    return PnlReport(window, symbol, ordered, sum(ordered, PnlLine("TOTAL")))
