"""The risk budget's cap rule (`/budget SYMBOL USDC`): the isolated margin a symbol may hold. Pure.

An isolated position can lose at most its margin, so capping the margin caps the loss. A top-up
(from `/margin add` or an alert's Add button) may bring the margin up to the budget and no
further: beyond it the amount is cut to what the budget leaves (whole cents, rounded down so the
figure itself is allowed), and refused when less than a cent is left. Margin that is already
above the budget (opened before the budget was set, or by a larger order) is never taken away;
it only means nothing more may be added.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)


def budget_left(budget: Decimal | None, margin: Decimal) -> Decimal | None:
    """What the budget still lets the symbol's isolated margin take (≥ 0, whole cents down);
    None when the symbol has no budget."""
    if budget is None:
        return None
    return max(budget - margin, ZERO).quantize(CENT, rounding=ROUND_FLOOR)


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """A top-up of `requested` USDC measured against the symbol's budget."""

    requested: Decimal
    allowed: Decimal  # what may be added: requested, or what the budget leaves
    budget: Decimal | None  # None: no budget for the symbol
    margin: Decimal  # the position's isolated margin now
    left: Decimal | None  # what the budget leaves (None: no budget)

    @property
    def capped(self) -> bool:
        """True when the budget cuts the amount (to something, or to nothing)."""
        return self.allowed < self.requested

    @property
    def refused(self) -> bool:
        """True when the budget leaves nothing to add."""
        return self.allowed <= 0


def check_topup(requested: Decimal, margin: Decimal, budget: Decimal | None) -> BudgetCheck:
    """Measure a top-up against the budget: unchanged when within it, else cut to what is left."""
    left = budget_left(budget, margin)
    allowed = requested if left is None or requested <= left else left
    return BudgetCheck(requested, allowed, budget, margin, left)


def over_budget(margin: Decimal, budget: Decimal | None) -> Decimal:
    """How far the margin already exceeds the budget (0 when within it or without one)."""
    if budget is None:
        return ZERO
    return max(margin - budget, ZERO)
