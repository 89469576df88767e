"""The account's trade history (GET /v1/trades): every fill, liquidations' included, with the
PnL it realized and its fee, as Orderly reports them (orderly-api.md §4.2)."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import MarginMode, Side, Trade
from bot.paper.state import State

KEEP = 500  # Orderly returns only the latest 500 entries


def record(
    state: State, account_id: str, symbol: str, mode: MarginMode, side: Side, qty: Decimal,
    price: Decimal, fee: Decimal, realized: Decimal, now: int, *, order_id: int | None = None,
    maker: bool = False,
) -> Trade:  # fmt: skip
    """Append one fill to the account's history (the oldest beyond KEEP drop off)."""
    trade = Trade(
        trade_id=state.next_trade_id, symbol=symbol, side=side, executed_price=price,
        executed_quantity=qty, fee=fee, realized_pnl=realized, executed_timestamp=now,
        margin_mode=mode, order_id=order_id, is_maker=maker,
    )  # fmt: skip
    state.next_trade_id += 1
    history = state.trades.setdefault(account_id, [])
    history.append(trade)
    del history[:-KEEP]
    return trade


def history(
    state: State, account_id: str, symbol: str | None = None, start: int | None = None,
    end: int | None = None,
) -> list[Trade]:  # fmt: skip
    """The account's fills in [start, end] (ms, both optional), newest first."""
    return [
        t for t in reversed(state.trades.get(account_id, []))
        if (symbol is None or t.symbol == symbol)
        and (start is None or t.executed_timestamp >= start)
        and (end is None or t.executed_timestamp <= end)
    ]  # fmt: skip
