"""The liquidation engine: isolated positions one by one, cross positions account-wide."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.models import MarginMode
from bot.paper import ledger
from bot.paper.fills import close_at, realized_at
from bot.paper.state import ZERO, AccountState, State

CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED


@dataclass(frozen=True, slots=True)
class Taken:
    """One position the liquidation engine closed."""

    account_id: str
    symbol: str
    margin_mode: MarginMode
    position_qty: Decimal
    price: Decimal
    margin_lost: Decimal
    realized_pnl: Decimal  # what closing it at `price` realized (the margin_lost covers it)


def isolated_breached(state: State, acct: AccountState, symbol: str) -> bool:
    """True when the mark has reached the isolated position's liquidation price."""
    pos = acct.positions.get((symbol, ISOLATED))
    if pos is None or pos.qty == 0:
        return False
    liq = ledger.liq_price(state, acct, (symbol, ISOLATED), pos)
    if liq is None:
        return False
    mark = state.marks[symbol]
    return mark <= liq if pos.qty > 0 else mark >= liq


def cross_breached(state: State, acct: AccountState) -> bool:
    """True when TCV has fallen below the cross positions' maintenance margin."""
    has_cross = any(md is CROSS and p.qty != 0 for (_, md), p in acct.positions.items())
    return has_cross and ledger.tcv(state, acct) < ledger.cross_mm(state, acct)


def _take_isolated(state: State, acct: AccountState, symbol: str) -> Taken:
    # Only the position's margin is lost: holding and the other positions are untouched.
    pos = acct.positions.pop((symbol, ISOLATED))
    price = state.marks[symbol]
    return Taken(acct.account_id, symbol, ISOLATED, pos.qty, price, pos.margin,
                 realized_at(state, symbol, pos, price))


def _take_cross(state: State, acct: AccountState, now: int) -> list[Taken]:
    taken = []
    for symbol, mode in sorted(k for k in acct.positions if k[1] is CROSS):
        qty = acct.positions[(symbol, mode)].qty
        realized = close_at(state, acct, symbol, CROSS, state.marks[symbol], now)
        taken.append(Taken(acct.account_id, symbol, CROSS, qty, state.marks[symbol],
                           max(ZERO, -realized), realized))
    acct.holding = max(ZERO, acct.holding)  # the insurance fund takes what is beyond the holding
    return taken


def run(state: State, symbol: str, now: int) -> list[Taken]:
    """Liquidate what the current `symbol` mark (or funding) has pushed past the line."""
    taken: list[Taken] = []
    for acct in state.accounts.values():
        if isolated_breached(state, acct, symbol):
            taken.append(_take_isolated(state, acct, symbol))
        if (symbol, CROSS) in acct.positions and cross_breached(state, acct):
            taken.extend(_take_cross(state, acct, now))
    return taken
