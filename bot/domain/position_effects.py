"""What an order or a margin change does to an isolated position, as the exchange applies it.

One pure function per effect, over the maths of bot/domain/margin.py (orderly-api.md §6):

- open / add: margin += q·P/L and cost += q·P;
- reduce / close: margin and cost are released pro rata (Q'/Q), so the realized PnL leaves the
  position with the closed part and the liquidation price stays where it was;
- flip: the position is closed, then the rest opens fresh at P (margin |Q'|·P/L);
- margin add / reduce: margin ± amount, nothing else.

A fill first settles the accrued funding F = Q·Δfunding into cost (the position's unsettled PnL is
unchanged by that), exactly as the paper exchange does (bot/paper/fills.py). What a fill takes
from the free collateral is margin plus the taker fee: q·P·(1/L + FEE_BUFFER), `order_margin`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum

from bot.domain import margin as m
from bot.domain.models import MarginMode, MarketInfo, Position, Side

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class IsolatedState:
    """The numbers that decide an isolated position's liquidation price; funding is F unsettled."""

    qty: Decimal
    cost: Decimal
    margin: Decimal
    funding: Decimal = ZERO

    @classmethod
    def of(cls, position: Position | None, sum_unitary_funding: Decimal) -> IsolatedState:
        """The state of a position row (None: flat) at the symbol's current funding sum."""
        if position is None or position.position_qty == 0:
            return FLAT
        funding = m.funding_adjustment(
            position.position_qty, sum_unitary_funding, position.last_sum_unitary_funding
        )
        return cls(position.position_qty, position.cost_position, position.margin, funding)

    def liq_price(self, market: MarketInfo, ref_price: Decimal) -> Decimal | None:
        """The exchange's est. liquidation price of this state, MMR taken at ref_price."""
        return m.isolated_liq_price(
            market, self.qty, self.cost, self.margin, ref_price, self.funding
        )

    def settled(self) -> IsolatedState:
        """Funding folded into cost, as at every fill."""
        return IsolatedState(self.qty, self.cost + self.funding, self.margin)


FLAT = IsolatedState(ZERO, ZERO, ZERO)


class Kind(Enum):
    OPEN = "open"
    ADD = "add"
    REDUCE = "reduce"
    CLOSE = "close"
    FLIP = "flip"
    MARGIN_ADD = "margin add"
    MARGIN_REDUCE = "margin reduce"

    @property
    def reduces(self) -> bool:
        return self in (Kind.REDUCE, Kind.CLOSE, Kind.FLIP)


@dataclass(frozen=True, slots=True)
class Effect:
    """One action's result: the position after, its liq price, and the money it moves."""

    kind: Kind
    before: IsolatedState
    after: IsolatedState
    liq_after: Decimal | None
    locked: Decimal = ZERO  # taken from the free collateral: new margin and the fee buffer
    released: Decimal = ZERO  # isolated margin handed back by the closed part
    realized_pnl: Decimal = ZERO  # PnL of the closed part at the fill price, before fees


def fill_price(side: Side, limit: Decimal | None, mark: Decimal) -> Decimal:
    """Where an order is expected to fill: at the mark when marketable, else at its limit."""
    if limit is None:
        return mark
    marketable = mark <= limit if side is Side.BUY else mark >= limit
    return mark if marketable else limit


def opening_part(position_qty: Decimal, side: Side, qty: Decimal) -> Decimal:
    """The part of `qty` that grows the position (all of it, or what is left after a close)."""
    if position_qty == 0 or (position_qty > 0) == (side is Side.BUY):
        return qty
    return max(ZERO, qty - abs(position_qty))


def margin_for_opening(
    market: MarketInfo, mode: MarginMode, leverage: int, opening: Decimal, after_qty: Decimal,
    price: Decimal,
) -> Decimal:
    """What the exchange requires free for the opening part of an order (book.check_margin).

    Isolated: opening·P·(1/L + fee buffer). Cross: opening·P·IMR at the notional after the fill.
    """
    if opening <= 0:
        return ZERO
    if mode is MarginMode.ISOLATED:
        return m.order_margin(opening, price, leverage)
    after = abs(after_qty) * price
    return opening * price * m.imr_rate(market, leverage, after)


def open_or_add(
    market: MarketInfo, state: IsolatedState, side: Side, qty: Decimal, price: Decimal,
    leverage: int,
) -> Effect:
    """A fill on the position's own side (or from flat): more size, margin q·P/L."""
    q = side.sign * abs(qty)
    base = state.settled()
    after = IsolatedState(
        base.qty + q, base.cost + q * price, base.margin + abs(q) * price / Decimal(leverage)
    )
    kind = Kind.OPEN if state.qty == 0 else Kind.ADD
    return Effect(kind, state, after, after.liq_price(market, price),
                  locked=m.order_margin(q, price, leverage))


def reduce(market: MarketInfo, state: IsolatedState, qty: Decimal, price: Decimal) -> Effect:
    """Close `qty` (at most the size) of the position: margin and cost go pro rata."""
    size = abs(state.qty)
    closing = min(abs(qty), size)
    base = state.settled()
    ratio = closing / size
    direction = Decimal(1) if state.qty > 0 else Decimal(-1)
    closed_cost = base.cost * ratio
    released = base.margin * ratio
    realized = direction * closing * price - closed_cost
    if closing == size:
        return Effect(Kind.CLOSE, state, FLAT, None, released=base.margin, realized_pnl=realized)
    after = IsolatedState(base.qty - direction * closing, base.cost - closed_cost,
                          base.margin - released)
    return Effect(Kind.REDUCE, state, after, after.liq_price(market, price),
                  released=released, realized_pnl=realized)


def flip(
    market: MarketInfo, state: IsolatedState, side: Side, qty: Decimal, price: Decimal,
    leverage: int,
) -> Effect:
    """Reduce through zero: the position closes, the rest opens on the other side at P."""
    closed = reduce(market, state, abs(state.qty), price)
    opened = open_or_add(market, FLAT, side, abs(qty) - abs(state.qty), price, leverage)
    return Effect(Kind.FLIP, state, opened.after, opened.liq_after, locked=opened.locked,
                  released=closed.released, realized_pnl=closed.realized_pnl)


def after_order(
    market: MarketInfo, state: IsolatedState, side: Side, qty: Decimal, price: Decimal,
    leverage: int,
) -> Effect:
    """The effect of a fill of `qty` at `price`: open/add, reduce/close or flip."""
    if state.qty == 0 or (state.qty > 0) == (side is Side.BUY):
        return open_or_add(market, state, side, qty, price, leverage)
    if abs(qty) <= abs(state.qty):
        return reduce(market, state, qty, price)
    return flip(market, state, side, qty, price, leverage)


def margin_change(
    market: MarketInfo, state: IsolatedState, amount: Decimal, mark: Decimal
) -> Effect:
    """Move `amount` USDC into (> 0) or out of (< 0) the position's margin."""
    after = replace(state, margin=state.margin + amount)
    kind = Kind.MARGIN_ADD if amount >= 0 else Kind.MARGIN_REDUCE
    return Effect(kind, state, after, after.liq_price(market, mark),
                  locked=max(amount, ZERO), released=max(-amount, ZERO))
