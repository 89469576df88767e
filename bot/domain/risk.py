"""The account's risk budget in figures (`/risk`). Pure.

Isolated margin is the most an isolated position can lose (the liquidation takes the whole
margin and nothing else), so each isolated position's margin is its maximum loss; its share of
the account's equity says how much of the account that is. Cross positions share the account's
collateral instead: their exposure is their notional and the initial margin they hold.

Equity is the exchange's `account_value` (total collateral value + every isolated position's
margin and unsettled PnL); when the exchange does not send it, it is computed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain import margin as m
from bot.domain.budget import budget_left, over_budget
from bot.domain.models import AccountSummary, MarginMode, Position

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class IsolatedRisk:
    """One isolated position's part of the budget."""

    symbol: str
    position_qty: Decimal  # signed
    mark: Decimal
    liq_price: Decimal | None
    margin: Decimal  # = its maximum loss
    share: Decimal | None  # margin / equity (fraction); None when equity ≤ 0
    distance: Decimal | None  # mark → liquidation price, fraction of mark
    unsettled_pnl: Decimal
    leverage: int
    budget: Decimal | None = None  # the chat's /budget for the symbol
    budget_left: Decimal | None = None  # what a top-up may still add under it
    over_budget: Decimal = ZERO  # margin above the budget (never taken away)


@dataclass(frozen=True, slots=True)
class CrossExposure:
    """The cross positions together: what they control and what they hold of the collateral."""

    positions: int
    notional: Decimal  # Σ |qty| · mark
    margin_used: Decimal  # Σ notional · IMR (the initial margin they hold)
    unsettled_pnl: Decimal
    share: Decimal | None  # margin_used / equity


@dataclass(frozen=True, slots=True)
class RiskBudget:
    """Everything `/risk` shows, in numbers."""

    equity: Decimal
    free_collateral: Decimal
    isolated: tuple[IsolatedRisk, ...]  # largest margin first
    cross: CrossExposure
    budgets: tuple[tuple[str, Decimal], ...]  # every budget of the chat, also without a position

    @property
    def isolated_margin(self) -> Decimal:
        """Σ isolated margin: the most all isolated positions together can lose."""
        return sum((r.margin for r in self.isolated), ZERO)

    @property
    def isolated_share(self) -> Decimal | None:
        return share_of(self.isolated_margin, self.equity)

    @property
    def margin_in_use(self) -> Decimal:
        """Isolated margin + the cross positions' initial margin."""
        return self.isolated_margin + self.cross.margin_used

    @property
    def margin_share(self) -> Decimal | None:
        return share_of(self.margin_in_use, self.equity)


def share_of(part: Decimal, equity: Decimal) -> Decimal | None:
    """part / equity, or None when there is no positive equity to compare with."""
    return part / equity if equity > 0 else None


def equity_of(account: AccountSummary, positions: Iterable[Position]) -> Decimal:
    """The account's equity: the exchange's account_value, else TCV + isolated equity."""
    if account.account_value is not None:
        return account.account_value
    isolated = (p.margin + p.unsettled_pnl for p in positions
                if p.margin_mode is MarginMode.ISOLATED)  # fmt: skip
    return account.total_collateral_value + sum(isolated, ZERO)


def cross_exposure(positions: Iterable[Position], equity: Decimal) -> CrossExposure:
    cross = [p for p in positions if p.margin_mode is MarginMode.CROSS and p.position_qty != 0]
    notional = sum((p.notional for p in cross), ZERO)
    used = sum((p.notional * p.imr for p in cross), ZERO)
    upnl = sum((p.unsettled_pnl for p in cross), ZERO)
    return CrossExposure(len(cross), notional, used, upnl, share_of(used, equity))


def isolated_risk(p: Position, equity: Decimal, budget: Decimal | None = None) -> IsolatedRisk:
    return IsolatedRisk(
        p.symbol, p.position_qty, p.mark_price, p.est_liq_price, p.margin,
        share_of(p.margin, equity), m.distance_to_liq(p.mark_price, p.est_liq_price),
        p.unsettled_pnl, p.leverage, budget, budget_left(budget, p.margin),
        over_budget(p.margin, budget),
    )


def risk_budget(
    account: AccountSummary,
    positions: Iterable[Position],
    budgets: Mapping[str, Decimal] | None = None,
) -> RiskBudget:
    """The figures of `/risk` from one positions snapshot and the chat's budgets per symbol."""
    rows = tuple(p for p in positions if p.position_qty != 0)
    budgets = budgets or {}
    equity = equity_of(account, rows)
    isolated = sorted(
        (isolated_risk(p, equity, budgets.get(p.symbol))
         for p in rows if p.margin_mode is MarginMode.ISOLATED),
        key=lambda r: (-r.margin, r.symbol),
    )  # fmt: skip
    return RiskBudget(
        equity, account.free_collateral, tuple(isolated), cross_exposure(rows, equity),
        tuple(sorted(budgets.items())),
    )
