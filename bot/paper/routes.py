"""REST handlers: validated parameters -> one engine call -> Orderly-shaped data (API doc §4).

Public data, leverage and margin mode, position margin, positions and account reads live here;
order handlers are in order_routes.py.

Each handler is synchronous (the engine is pure) and returns the envelope's `data`, or NO_DATA
for the writes Orderly answers with only `{"success":true,"timestamp":…}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.models import MarginAction, MarginMode, Position
from bot.paper import shapes
from bot.paper.engine import KeyRecord, PaperEngine
from bot.paper.params import Params, bad

NO_DATA = object()


@dataclass(frozen=True, slots=True)
class Ctx:
    """One request as a handler sees it; account_id is "" on public routes."""

    engine: PaperEngine
    params: Params
    path: dict[str, str]
    account_id: str
    key: KeyRecord | None
    now: int


Handler = Callable[[Ctx], Any]


def symbol(ctx: Ctx, value: str | None) -> str:
    """A listed symbol, or -1005 naming the unknown one."""
    if value is None or value not in {m.symbol for m in ctx.engine.markets()}:
        raise bad(f"unknown symbol {value!r}")
    return value


def _rows(items: list[Any], shape: Callable[[Any], Any]) -> dict[str, Any]:
    return {"rows": [shape(item) for item in items]}


# ---- public ----------------------------------------------------------------------------------
def info(ctx: Ctx) -> Any:
    return _rows(ctx.engine.markets(), shapes.market_row)


def info_one(ctx: Ctx) -> Any:
    return shapes.market_row(ctx.engine.market(symbol(ctx, ctx.path["symbol"])))


def _funding(ctx: Ctx) -> dict[str, Any]:
    return {f.symbol: f for f in ctx.engine.funding_rates()}


def futures(ctx: Ctx) -> Any:
    funding = _funding(ctx)
    return _rows(ctx.engine.tickers(), lambda t: shapes.ticker_row(t, funding.get(t.symbol)))


def futures_one(ctx: Ctx) -> Any:
    wanted = symbol(ctx, ctx.path["symbol"])
    ticker = next((t for t in ctx.engine.tickers() if t.symbol == wanted), None)
    if ticker is None:
        raise bad(f"no ticker for {wanted}")
    return shapes.ticker_row(ticker, _funding(ctx).get(wanted))


def funding_rates(ctx: Ctx) -> Any:
    return _rows(ctx.engine.funding_rates(), lambda f: shapes.funding_row(f, ctx.now))


def funding_rate_one(ctx: Ctx) -> Any:
    wanted = symbol(ctx, ctx.path["symbol"])
    rate = _funding(ctx).get(wanted)
    if rate is None:
        raise bad(f"no funding rate for {wanted}")
    return shapes.funding_row(rate, ctx.now)


def system_info(ctx: Ctx) -> Any:
    return {"status": 0, "msg": ""}


# ---- leverage and margin mode ---------------------------------------------------------------
def get_leverage(ctx: Ctx) -> Any:
    p = ctx.params
    mode = p.enum("margin_mode", MarginMode, MarginMode.CROSS)
    sym = symbol(ctx, p.text("symbol"))
    return shapes.leverage_row(ctx.engine.get_leverage(ctx.account_id, sym, mode))


def get_leverages(ctx: Ctx) -> Any:
    return _rows(ctx.engine.get_leverages(ctx.account_id), shapes.leverage_row)


def set_leverages(ctx: Ctx) -> Any:
    p = ctx.params
    p.reject_unknown({"leverage", "symbol", "margin_mode"})
    leverage = p.integer("leverage", lo=1, hi=100)
    assert leverage is not None
    sym = symbol(ctx, p.text("symbol")) if p.has("symbol") else None
    mode = p.enum("margin_mode", MarginMode, MarginMode.CROSS)
    changed = ctx.engine.set_leverage(ctx.account_id, leverage, sym, mode)
    # Orderly answers {symbol, margin_mode, leverage}; rows (changed settings) serve batch mode.
    return {"symbol": sym, "margin_mode": mode.value, "leverage": leverage,
            "rows": [shapes.leverage_row(s) for s in changed]}


def margin_modes(ctx: Ctx) -> Any:
    modes = ctx.engine.default_margin_modes(ctx.account_id)
    return {"rows": [{"symbol": s, "default_margin_mode": m.value} for s, m in modes.items()]}


def set_margin_mode(ctx: Ctx) -> Any:
    p = ctx.params
    p.reject_unknown({"symbol", "default_margin_mode"})
    sym = symbol(ctx, p.text("symbol"))
    mode = p.enum("default_margin_mode", MarginMode)
    ctx.engine.set_default_margin_mode(ctx.account_id, sym, mode)
    return NO_DATA


# ---- margin, positions, account -------------------------------------------------------------
def position_margin(ctx: Ctx) -> Any:
    p = ctx.params
    p.reject_unknown({"symbol", "amount", "type"})
    sym = symbol(ctx, p.text("symbol"))
    amount = p.number("amount", as_string=True)
    assert amount is not None
    ctx.engine.adjust_margin(ctx.account_id, sym, amount, p.enum("type", MarginAction))
    return NO_DATA


def positions(ctx: Ctx) -> Any:
    return shapes.positions_data(ctx.engine.positions(ctx.account_id))


def position_one(ctx: Ctx) -> Any:
    sym = symbol(ctx, ctx.path["symbol"])
    mode = ctx.params.enum("margin_mode", MarginMode, MarginMode.CROSS)
    found = ctx.engine.position(ctx.account_id, sym, mode)
    return shapes.position_row(found or _flat(ctx, sym, mode))


def _flat(ctx: Ctx, sym: str, mode: MarginMode) -> Position:
    """The row Orderly returns for a symbol with no position: quantity 0."""
    zero = Decimal(0)
    market = ctx.engine.market(sym)
    return Position(
        symbol=sym, margin_mode=mode, position_qty=zero, cost_position=zero,
        average_open_price=zero, mark_price=ctx.engine.mark(sym), est_liq_price=None,
        unsettled_pnl=zero, last_sum_unitary_funding=zero, imr=market.base_imr,
        mmr=market.base_mmr, leverage=ctx.engine.get_leverage(ctx.account_id, sym, mode).leverage,
        margin=zero, timestamp=ctx.now,
    )


def _page(ctx: Ctx, items: list[Any], shape: Callable[[Any], Any]) -> dict[str, Any]:
    """Orderly's paged history: `page` from 1, `size` ≤ 500 (default 25), with meta."""
    page = ctx.params.integer("page", required=False, lo=1) or 1
    size = ctx.params.integer("size", required=False, lo=1, hi=500) or 25
    chunk = items[(page - 1) * size : page * size]
    return {"meta": {"total": len(items), "records_per_page": size, "current_page": page},
            "rows": [shape(item) for item in chunk]}


def _history_filter(ctx: Ctx) -> tuple[str | None, int | None, int | None]:
    p = ctx.params
    p.reject_unknown({"symbol", "start_t", "end_t", "page", "size"})
    sym = symbol(ctx, p.text("symbol")) if p.has("symbol") else None
    return sym, p.integer("start_t", required=False), p.integer("end_t", required=False)


def trades(ctx: Ctx) -> Any:
    """GET /v1/trades: the latest fills (500 at most), optionally of one symbol and time range,
    newest first, paged."""
    sym, start, end = _history_filter(ctx)
    return _page(ctx, ctx.engine.trades(ctx.account_id, sym, start, end), shapes.trade_row)


def funding_fee_history(ctx: Ctx) -> Any:
    """GET /v1/funding_fee/history: funding payments, newest first, paged like /v1/trades."""
    sym, start, end = _history_filter(ctx)
    rows = ctx.engine.funding_fees(ctx.account_id, sym, start, end)
    return _page(ctx, rows, shapes.funding_fee_row)


def holding(ctx: Ctx) -> Any:
    return {"holding": [shapes.holding_row(ctx.engine.holding(ctx.account_id))]}


def aggregate_holding(ctx: Ctx) -> Any:
    row = shapes.holding_row(ctx.engine.holding(ctx.account_id))
    return {"rows": [{"account_id": ctx.account_id, **row}]}


def client_info(ctx: Ctx) -> Any:
    return shapes.client_info_row(ctx.engine.client_info(ctx.account_id))


def account_info(ctx: Ctx) -> Any:
    return shapes.account_row(ctx.engine.account_summary(ctx.account_id))


def key_info(ctx: Ctx) -> Any:
    return _rows(ctx.engine.keys_of(ctx.account_id), shapes.key_info_row)
