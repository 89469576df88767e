"""The largest order the exchange accepts, and refusals that name it (orderly-api.md §4.6, §6).

An order is accepted when (1) its quantity is within base_max, (2) the position after it stays
within the notional allowed at the leverage, (1/(L·imr_factor))^(5/4), and (3) the free margin
covers what its opening part needs (position_effects.margin_for_opening). A part that only
reduces the position needs nothing. `available` is the margin the exchange lets an order use:
for isolated orders `margin.max_add` (free collateral net of frozen orders and positive cross
PnL, capped by the holding), for cross orders the free collateral.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain import margin as m
from bot.domain.models import MarginMode, MarketInfo, Side
from bot.domain.orders import fmt
from bot.domain.position_effects import margin_for_opening, opening_part
from bot.errors import UserInputError

ZERO = Decimal(0)
MARGIN, NOTIONAL, SIZE = "margin", "notional", "size"


@dataclass(frozen=True, slots=True)
class OrderCapacity:
    """What the account can carry for one side of one symbol, at one price and leverage."""

    market: MarketInfo
    mode: MarginMode
    side: Side
    position_qty: Decimal  # the position in this margin mode (signed)
    price: Decimal  # the price the exchange checks at: the limit, or the mark
    leverage: int
    available: Decimal

    def blocked_by(self, qty: Decimal) -> str | None:
        """Which rule refuses `qty` (MARGIN, NOTIONAL or SIZE), or None when it is accepted."""
        if qty > self.market.base_max:
            return SIZE
        opening = opening_part(self.position_qty, self.side, qty)
        if opening <= 0:
            return None
        after = self.position_qty + self.side.sign * qty
        if abs(after) * self.price > m.max_notional_at(self.market, self.leverage):
            return NOTIONAL
        need = margin_for_opening(
            self.market, self.mode, self.leverage, opening, after, self.price
        )
        return MARGIN if need > self.available else None

    def max_quantity(self) -> Decimal:
        """The largest quantity on the size grid the exchange accepts now (0 when none)."""
        mk = self.market
        step, origin = mk.base_tick, mk.base_min
        if step <= 0 or self.blocked_by(origin) is not None:
            return ZERO
        lo, hi = 0, int((mk.base_max - origin) / step)  # grid index: origin + i·step
        while lo < hi:  # acceptance is monotone in the size: bisect on the grid
            mid = (lo + hi + 1) // 2
            if self.blocked_by(origin + mid * step) is None:
                lo = mid
            else:
                hi = mid - 1
        return origin + lo * step

    def check(self, qty: Decimal) -> None:
        """Refuse `qty` when the exchange would, with the allowed maximum in the reason."""
        why = self.blocked_by(qty)
        if why is None:
            return
        mk, most = self.market, self.max_quantity()
        what = f"{self.side.value} {fmt(qty)} {mk.base}"
        allowed = f"at most {fmt(most)} {mk.base} now"
        mode = self.mode.value.lower()
        if why == NOTIONAL:
            cap = m.max_notional_at(mk, self.leverage).quantize(Decimal(1))
            raise UserInputError(
                f"{what} is refused: {allowed}. A {mode} {mk.base} position may not exceed "
                f"{fmt(cap)} USDC notional at {self.leverage}x (lower the leverage for more)"
            )
        if why == SIZE:
            raise UserInputError(f"{what} is refused: {allowed} (the order size limit)")
        raise UserInputError(
            f"{what} is refused: not enough margin — {allowed} at {self.leverage}x {mode}, "
            f"price {fmt(self.price)} ({max(self.available, ZERO):,.2f} USDC free for margin)"
        )


def check_reduce_only(position_qty: Decimal, side: Side, qty: Decimal, base: str) -> None:
    """A reduce-only order must close part or all of the position, never more."""
    if position_qty == 0 or (position_qty > 0) == (side is Side.BUY):
        raise UserInputError(f"a reduce-only {side.value} has no {base} position to reduce")
    if qty > abs(position_qty):
        raise UserInputError(
            f"reduce-only {side.value} {fmt(qty)} {base} is more than the position: "
            f"at most {fmt(abs(position_qty))} {base}"
        )
