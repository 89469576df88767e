"""The one-tap remedy of a liquidation alert (alert-policy.md): how much margin to offer. Pure.

The suggestion restores the distance to liquidation to twice the warning level at the current
mark, rounded to a cent, then capped by what the exchange lets the position take, by what the
chat's budget for the symbol leaves (`/budget`) and by the chat's per-action and per-day caps.
Nothing below MIN_TOPUP is offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from bot.domain import margin as m
from bot.domain.models import MarketInfo, Position

CENT = Decimal("0.01")
MIN_TOPUP = Decimal(1)  # USDC: a smaller transfer moves the liquidation price by nothing useful
TARGET_FACTOR = Decimal(2)  # restore d to 2 × the warning level
EXCHANGE, BUDGET, PER_ACTION, PER_DAY = "exchange", "budget", "per_action", "per_day"


@dataclass(frozen=True, slots=True)
class TopupSuggestion:
    """What the Add button offers; amount None means no button (see capped_by / needed)."""

    amount: Decimal | None  # USDC, whole cents
    target_distance: Decimal  # fraction of mark (0.10 = 10 %)
    reaches_target: bool  # False when a cap stops it short (or nothing can be added)
    capped_by: str | None  # None, "exchange", "budget", "per_action" or "per_day"
    uncapped_amount: Decimal  # the cent-rounded margin that reaches the target (0: already there)
    liq_after: Decimal | None = None  # estimated liquidation price once `amount` is added
    distance_after: Decimal | None = None
    cap: Decimal | None = None  # the bound that bit (USDC), when capped_by is set

    @property
    def needed(self) -> bool:
        """True when the position sits closer to liquidation than the target."""
        return self.uncapped_amount > 0


def _up_to_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_CEILING)


def _down_to_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_FLOOR)


def _binding_cap(
    amount: Decimal, caps: list[tuple[str, Decimal | None]]
) -> tuple[str, Decimal] | None:
    """The smallest cap below `amount`; on a tie the first listed wins (the exchange first)."""
    biting = [(cap, i, name) for i, (name, cap) in enumerate(caps) if cap is not None]
    biting = [b for b in biting if b[0] < amount]
    if not biting:
        return None
    cap, _, name = min(biting)
    return name, cap


def suggest_topup(
    market: MarketInfo,
    position: Position,
    mark: Decimal,
    funding_adj: Decimal,
    warning: Decimal,
    max_add: Decimal,
    per_action_cap: Decimal | None = None,
    per_day_headroom: Decimal | None = None,
    minimum: Decimal = MIN_TOPUP,
    budget_headroom: Decimal | None = None,
) -> TopupSuggestion:
    """The margin to offer under an alert for this isolated position at `mark`.

    warning is a fraction of mark (0.05); caps of None are off. budget_headroom is what the
    symbol's budget leaves (bot.domain.budget.budget_left).
    """
    target = TARGET_FACTOR * warning
    qty, cost = position.position_qty, position.cost_position
    if qty == 0 or mark <= 0:
        return TopupSuggestion(None, target, False, None, Decimal(0))
    raw = m.margin_to_add_for_distance(
        market, qty, cost, position.margin, mark, target, funding_adj
    )
    # Round UP: a cent less than needed would leave the position short of the target.
    uncapped = _up_to_cent(raw)
    if uncapped <= 0:
        return TopupSuggestion(None, target, True, None, Decimal(0))
    caps = [(EXCHANGE, max_add), (BUDGET, budget_headroom), (PER_ACTION, per_action_cap),
            (PER_DAY, per_day_headroom)]
    binding = _binding_cap(uncapped, caps)
    if binding is None:
        amount, capped_by, cap = uncapped, None, None
    else:
        # Round DOWN under a cap: the offer must never exceed what is allowed.
        capped_by, cap = binding
        amount = _down_to_cent(max(cap, Decimal(0)))
    if amount < minimum:
        return TopupSuggestion(None, target, False, capped_by, uncapped, cap=cap)
    liq = m.isolated_liq_price(market, qty, cost, position.margin + amount, mark, funding_adj)
    return TopupSuggestion(
        amount, target, capped_by is None, capped_by, uncapped,
        liq, m.distance_to_liq(mark, liq), cap,
    )
