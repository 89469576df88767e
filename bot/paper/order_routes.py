"""REST handlers for orders: place, edit, cancel and read them (orderly-api.md §4.2)."""

from __future__ import annotations

from typing import Any

from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from bot.paper import shapes
from bot.paper.params import bad
from bot.paper.routes import Ctx, symbol

NEEDS_PRICE = {OrderType.LIMIT, OrderType.IOC, OrderType.FOK, OrderType.POST_ONLY}
ORDER_FIELDS = {
    "symbol", "order_type", "side", "order_price", "order_quantity", "order_amount",
    "client_order_id", "reduce_only", "visible_quantity", "margin_mode", "slippage", "level",
    "post_only_adjust", "order_tag",
}
STATUS_BUNDLES = {"INCOMPLETE": {"NEW", "PARTIAL_FILLED"}, "COMPLETED": {"CANCELLED", "FILLED"}}
ORDER_STATUSES = {"NEW", "CANCELLED", "PARTIAL_FILLED", "FILLED", "REJECTED"}


def _default_mode(ctx: Ctx, sym: str) -> MarginMode:
    return ctx.engine.default_margin_modes(ctx.account_id).get(sym, MarginMode.CROSS)


def create_order(ctx: Ctx) -> Any:
    p = ctx.params
    p.reject_unknown(ORDER_FIELDS)
    sym = symbol(ctx, p.text("symbol"))
    order_type = p.enum("order_type", OrderType)
    side = p.enum("side", Side)
    price = p.number("order_price", required=order_type in NEEDS_PRICE)
    if p.has("order_amount") and not p.has("order_quantity"):
        raise bad("order_amount is not supported by the paper exchange; send order_quantity")
    quantity = p.number("order_quantity")
    assert quantity is not None
    client_id = p.text("client_order_id", required=False, max_len=36)
    if client_id is not None and client_id.startswith("-"):
        raise bad("client_order_id must not start with '-'")
    mode = p.opt_enum("margin_mode", MarginMode) or _default_mode(ctx, sym)
    request = OrderRequest(
        symbol=sym, side=side, order_type=order_type, quantity=quantity, margin_mode=mode,
        price=price if order_type in NEEDS_PRICE else None,
        reduce_only=p.flag("reduce_only"), client_order_id=client_id,
    )
    return shapes.order_ack_row(ctx.engine.create_order(ctx.account_id, request))


def edit_order(ctx: Ctx) -> Any:
    p = ctx.params
    p.reject_unknown(ORDER_FIELDS | {"order_id"})
    order_id = p.integer("order_id", lo=1)
    assert order_id is not None
    symbol(ctx, p.text("symbol"))
    price = p.number("order_price", required=False)
    quantity = p.number("order_quantity", required=False)
    if price is None and quantity is None:
        raise bad("send order_price or order_quantity to edit")
    ctx.engine.edit_order(ctx.account_id, order_id, price, quantity)
    return {"status": "EDIT_SENT"}


def cancel_order(ctx: Ctx) -> Any:
    order_id = ctx.params.integer("order_id", lo=1)
    assert order_id is not None
    ctx.engine.cancel_order(ctx.account_id, symbol(ctx, ctx.params.text("symbol")), order_id)
    return {"status": "CANCEL_SENT"}


def cancel_client_order(ctx: Ctx) -> Any:
    client_id = ctx.params.text("client_order_id", max_len=36)
    assert client_id is not None
    sym = symbol(ctx, ctx.params.text("symbol"))
    ctx.engine.cancel_order_by_client_id(ctx.account_id, sym, client_id)
    return {"status": "CANCEL_SENT"}


def cancel_all(ctx: Ctx) -> Any:
    sym = symbol(ctx, ctx.params.text("symbol")) if ctx.params.has("symbol") else None
    ctx.engine.cancel_all(ctx.account_id, sym)
    return {"status": "CANCEL_ALL_SENT"}


def list_orders(ctx: Ctx) -> Any:
    p = ctx.params
    sym = symbol(ctx, p.text("symbol")) if p.has("symbol") else None
    side = p.opt_enum("side", Side)
    order_type = p.opt_enum("order_type", OrderType)
    status = (p.text("status", required=False) or "").upper()
    if status and status not in ORDER_STATUSES | set(STATUS_BUNDLES):
        raise bad(f"unknown order status {status!r}")
    wanted = STATUS_BUNDLES.get(status, {status} if status else None)
    page = p.integer("page", required=False, lo=1) or 1
    size = p.integer("size", required=False, lo=1, hi=500) or 25
    rows = [
        o for o in ctx.engine.orders(ctx.account_id, sym)
        if (wanted is None or o.status in wanted) and side in (None, o.side)
        and order_type in (None, o.order_type)
    ]
    rows.sort(key=lambda o: (o.created_time, o.order_id), reverse=True)
    chunk = rows[(page - 1) * size : page * size]
    return {"meta": {"total": len(rows), "records_per_page": size, "current_page": page},
            "rows": [shapes.order_row(o) for o in chunk]}


def get_order(ctx: Ctx) -> Any:
    raw = ctx.path["order_id"]
    if not raw.isdigit():
        raise bad(f"order_id must be an integer, got {raw!r}")
    return shapes.order_row(ctx.engine.order(ctx.account_id, int(raw)))


def get_client_order(ctx: Ctx) -> Any:
    return shapes.order_row(ctx.engine.order_by_client_id(ctx.account_id, ctx.path["client_id"]))
