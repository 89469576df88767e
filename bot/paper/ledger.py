"""Balances, positions and margin of one paper account, over the maths in bot/domain/margin.py.

Account model (coherent with margin.max_add): `holding` excludes isolated margin;
TCV = holding + cross unsettled PnL; free collateral = TCV − cross initial margin (positions and
pending cross orders) − isolated_order_frozen.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain import margin as m
from bot.domain.models import AccountSummary, Holding, MarginMode, Position, Side
from bot.paper.state import ZERO, AccountState, OrderState, PosKey, PosState, State

CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED
NO_CROSS_MARGIN_RATIO = Decimal(10)  # Orderly reports 1000 % when there is nothing to margin


def funding_adj(state: State, symbol: str, pos: PosState) -> Decimal:
    """Funding owed by the position since its last settlement."""
    return m.funding_adjustment(pos.qty, state.suf[symbol], pos.last_suf)


def upnl(state: State, symbol: str, pos: PosState) -> Decimal:
    """Unsettled PnL at the current mark, funding included."""
    return m.unsettled_pnl(pos.qty, state.marks[symbol], pos.cost, funding_adj(state, symbol, pos))


def notional(state: State, symbol: str, pos: PosState) -> Decimal:
    return abs(pos.qty) * state.marks[symbol]


def _of_mode(acct: AccountState, mode: MarginMode) -> list[tuple[str, PosState]]:
    return [(s, p) for (s, md), p in acct.positions.items() if md is mode and p.qty != 0]


def cross_upnl(state: State, acct: AccountState) -> Decimal:
    return sum((upnl(state, s, p) for s, p in _of_mode(acct, CROSS)), ZERO)


def position_im(
    state: State, acct: AccountState, symbol: str, pos: PosState, mode: MarginMode
) -> Decimal:
    """Initial margin of a position at the current mark and leverage setting."""
    n = notional(state, symbol, pos)
    return n * m.imr_rate(state.markets[symbol], state.leverage_of(acct, symbol, mode), n)


def cross_mm(state: State, acct: AccountState) -> Decimal:
    """Σ maintenance margin of the cross positions."""
    total = ZERO
    for s, p in _of_mode(acct, CROSS):
        n = notional(state, s, p)
        total += n * m.mmr_rate(state.markets[s], n)
    return total


def order_reserve(state: State, acct: AccountState, order: OrderState) -> Decimal:
    """Margin a pending order holds: order_margin for ISOLATED, initial margin for CROSS."""
    qty = min(order.opening_qty, order.remaining)
    if qty <= 0 or order.price is None:
        return ZERO
    if order.margin_mode is ISOLATED:
        return m.order_margin(qty, order.price, order.leverage)
    n = qty * order.price
    lev = state.leverage_of(acct, order.symbol, CROSS)
    return n * m.imr_rate(state.markets[order.symbol], lev, n)


def _reserves(state: State, acct: AccountState, mode: MarginMode, exclude: int | None) -> Decimal:
    orders = [
        o for o in state.open_orders(acct.account_id)
        if o.margin_mode is mode and o.order_id != exclude
    ]
    return sum((order_reserve(state, acct, o) for o in orders), ZERO)


def isolated_order_frozen(state: State, acct: AccountState, exclude: int | None = None) -> Decimal:
    return _reserves(state, acct, ISOLATED, exclude)


def isolated_margin(acct: AccountState) -> Decimal:
    return sum((p.margin for _, p in _of_mode(acct, ISOLATED)), ZERO)


def tcv(state: State, acct: AccountState) -> Decimal:
    """Total collateral value: holding + cross unsettled PnL."""
    return acct.holding + cross_upnl(state, acct)


def free_collateral(state: State, acct: AccountState, exclude: int | None = None) -> Decimal:
    """TCV − cross initial margin (positions and orders) − isolated order frozen."""
    cross_im = sum((position_im(state, acct, s, p, CROSS) for s, p in _of_mode(acct, CROSS)), ZERO)
    return (
        tcv(state, acct)
        - cross_im
        - _reserves(state, acct, CROSS, exclude)
        - isolated_order_frozen(state, acct, exclude)
    )


def max_add(state: State, acct: AccountState, exclude: int | None = None) -> Decimal:
    """Most USDC that can move from holding into isolated margin."""
    fc = free_collateral(state, acct, exclude)
    return m.max_add(acct.holding, fc, cross_upnl(state, acct))


def holding_view(state: State, acct: AccountState) -> Holding:
    return Holding(
        token="USDC",
        holding=acct.holding,
        frozen=ZERO,
        pending_short=ZERO,
        isolated_margin=isolated_margin(acct),
        isolated_order_frozen=isolated_order_frozen(state, acct),
        updated_time=acct.updated_ms,
        account_id=acct.account_id,
    )


def summary(state: State, acct: AccountState) -> AccountSummary:
    """Account totals; ratios are over the cross positions (isolated ones stand alone)."""
    total_collateral = tcv(state, acct)
    cross = _of_mode(acct, CROSS)
    cross_n = sum((notional(state, s, p) for s, p in cross), ZERO)
    isolated_equity = sum((p.margin + upnl(state, s, p) for s, p in _of_mode(acct, ISOLATED)), ZERO)
    if cross_n > 0:
        im = sum((position_im(state, acct, s, p, CROSS) for s, p in cross), ZERO)
        ratio, imr, mmr = total_collateral / cross_n, im / cross_n, cross_mm(state, acct) / cross_n
    else:
        ratio, imr, mmr = NO_CROSS_MARGIN_RATIO, None, None
    return AccountSummary(
        free_collateral=free_collateral(state, acct),
        total_collateral_value=total_collateral,
        margin_ratio=ratio,
        initial_margin_ratio=imr,
        maintenance_margin_ratio=mmr,
        account_value=total_collateral + isolated_equity,
    )


def cross_liq_price(state: State, acct: AccountState, symbol: str, pos: PosState) -> Decimal | None:
    """DOCS closed form: mark + (TCV − Σ cross MM) / (|Q|·MMR − Q); None when ≤ 0."""
    n = notional(state, symbol, pos)
    denominator = abs(pos.qty) * m.mmr_rate(state.markets[symbol], n) - pos.qty
    if denominator == 0:
        return None
    liq = state.marks[symbol] + (tcv(state, acct) - cross_mm(state, acct)) / denominator
    return liq if liq > 0 else None


def liq_price(state: State, acct: AccountState, key: PosKey, pos: PosState) -> Decimal | None:
    symbol, mode = key
    if mode is CROSS:
        return cross_liq_price(state, acct, symbol, pos)
    return m.isolated_liq_price(
        state.markets[symbol], pos.qty, pos.cost, pos.margin, state.marks[symbol],
        funding_adj(state, symbol, pos),
    )


def position_view(state: State, acct: AccountState, key: PosKey) -> Position:
    """The domain Position for (symbol, mode), every field filled."""
    symbol, mode = key
    pos = acct.positions[key]
    market, mark = state.markets[symbol], state.marks[symbol]
    n = notional(state, symbol, pos)
    leverage = state.leverage_of(acct, symbol, mode)
    pending = [o for o in state.open_orders(acct.account_id, symbol) if o.margin_mode is mode]
    return Position(
        symbol=symbol,
        margin_mode=mode,
        position_qty=pos.qty,
        cost_position=pos.cost,
        average_open_price=pos.avg_open,
        mark_price=mark,
        est_liq_price=liq_price(state, acct, key, pos),
        unsettled_pnl=upnl(state, symbol, pos),
        last_sum_unitary_funding=pos.last_suf,
        imr=m.imr_rate(market, leverage, n),
        mmr=m.mmr_rate(market, n),
        leverage=leverage,
        margin=pos.margin if mode is ISOLATED else ZERO,
        settle_price=pos.cost / pos.qty,
        pending_long_qty=sum((o.remaining for o in pending if o.side is Side.BUY), ZERO),
        pending_short_qty=sum((o.remaining for o in pending if o.side is Side.SELL), ZERO),
        timestamp=pos.updated_ms,
    )


def positions_view(state: State, acct: AccountState) -> tuple[Position, ...]:
    """Every open position of the account, sorted by symbol then mode."""
    keys = sorted(k for k, p in acct.positions.items() if p.qty != 0)
    return tuple(position_view(state, acct, k) for k in keys)
