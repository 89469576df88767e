"""How one fill changes a position and the holding: open, add, reduce, close and flip."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import MarginMode, Side
from bot.paper.state import ZERO, AccountState, PosState, State


def _settle_funding(state: State, symbol: str, pos: PosState) -> None:
    # Accrued funding folds into cost_position, so unsettled PnL and the isolated liquidation
    # price are unchanged and a later partial close scales it like the rest of the cost.
    if pos.qty != 0:
        pos.cost += pos.qty * (state.suf[symbol] - pos.last_suf)
    pos.last_suf = state.suf[symbol]


def _open(acct: AccountState, pos: PosState, mode: MarginMode, signed_qty: Decimal,
          price: Decimal, leverage: int) -> None:
    size = abs(signed_qty)
    pos.avg_open = (pos.avg_open * abs(pos.qty) + price * size) / (abs(pos.qty) + size)
    pos.qty += signed_qty
    pos.cost += signed_qty * price
    if mode is MarginMode.ISOLATED:
        allocated = size * price / leverage  # notional / leverage leaves the holding
        acct.holding -= allocated
        pos.margin += allocated


def _reduce(acct: AccountState, pos: PosState, mode: MarginMode, closing: Decimal,
            price: Decimal) -> Decimal:
    """Close `closing` (unsigned) of the position; returns the realized PnL."""
    ratio = closing / abs(pos.qty)
    closed_cost = pos.cost * ratio
    direction = Decimal(1) if pos.qty > 0 else Decimal(-1)
    realized = direction * closing * price - closed_cost
    if mode is MarginMode.ISOLATED:
        released = pos.margin * ratio
        pos.margin -= released
        # An isolated loss never reaches the holding beyond the margin it had (isolation).
        acct.holding += max(ZERO, released + realized)
    else:
        acct.holding += realized
    pos.cost -= closed_cost
    pos.qty -= direction * closing
    if pos.qty == 0:
        pos.cost, pos.margin, pos.avg_open = ZERO, ZERO, ZERO
    return realized


def apply_fill(
    state: State,
    acct: AccountState,
    symbol: str,
    mode: MarginMode,
    side: Side,
    qty: Decimal,
    price: Decimal,
    fee_rate: Decimal,
    leverage: int,
    now: int,
) -> tuple[Decimal, Decimal]:
    """Apply a fill of `qty` at `price` to the (symbol, mode) position; returns the fee charged
    and the PnL the fill realized (0 for an opening fill)."""
    key = (symbol, mode)
    pos = acct.positions.get(key) or PosState(last_suf=state.suf[symbol])
    _settle_funding(state, symbol, pos)
    fee = qty * price * fee_rate
    acct.holding -= fee
    signed = side.sign * qty
    realized = ZERO
    if pos.qty == 0 or (pos.qty > 0) == (signed > 0):
        _open(acct, pos, mode, signed, price, leverage)
    else:
        closing = min(qty, abs(pos.qty))
        realized = _reduce(acct, pos, mode, closing, price)
        if qty > closing:  # flip: the remainder opens fresh at this price
            _open(acct, pos, mode, side.sign * (qty - closing), price, leverage)
    pos.updated_ms = now
    acct.updated_ms = now
    if pos.qty == 0:
        acct.positions.pop(key, None)
    else:
        acct.positions[key] = pos
    return fee, realized


def realized_at(state: State, symbol: str, pos: PosState, price: Decimal) -> Decimal:
    """The PnL closing the whole position at `price` realizes (accrued funding included)."""
    funding = pos.qty * (state.suf[symbol] - pos.last_suf)
    return pos.qty * price - (pos.cost + funding)


def close_at(state: State, acct: AccountState, symbol: str, mode: MarginMode, price: Decimal,
             now: int) -> Decimal:
    """Close the whole (symbol, mode) position at `price` without fee; returns realized PnL."""
    pos = acct.positions.pop((symbol, mode))
    _settle_funding(state, symbol, pos)
    acct.updated_ms = now
    return _reduce(acct, pos, mode, abs(pos.qty), price)
