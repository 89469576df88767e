"""REST handlers for algo orders: POST/PUT/DELETE /v1/algo/order, GET/DELETE /v1/algo/orders,
GET /v1/algo/order/{id}, and the client_order_id variants (Orderly's algo order API).

Bodies follow Orderly's samples: a STOP is flat; TP_SL and POSITIONAL_TP_SL carry
`child_orders` (TAKE_PROFIT / STOP_LOSS). Root-level side/type/trigger_price that the official
Python connector always sends are accepted and ignored on a TP_SL.
"""

from __future__ import annotations

from typing import Any

from bot.domain.algo import AlgoLeg, AlgoOrderType, AlgoRequest, AlgoType
from bot.domain.models import MarginMode, Side
from bot.paper import algo_shapes as shapes
from bot.paper.params import Params, bad
from bot.paper.routes import Ctx, symbol

ALGO_FIELDS = {
    "symbol", "algo_type", "quantity", "side", "type", "trigger_price", "trigger_price_type",
    "price", "client_order_id", "order_tag", "reduce_only", "visible_quantity", "child_orders",
    "margin_mode",
}
LEG_FIELDS = {"symbol", "algo_type", "side", "type", "trigger_price", "trigger_price_type",
              "price", "reduce_only", "quantity", "order_tag"}
UNSUPPORTED = {"TRAILING_STOP", "BRACKET"}
STATUS_BUNDLES = {"INCOMPLETE": {"NEW", "PARTIAL_FILLED"}, "COMPLETED": {"CANCELLED", "FILLED"}}
ALGO_STATUSES = {"NEW", "CANCELLED", "PARTIAL_FILLED", "FILLED", "REJECTED"}


def _trigger_type(p: Params) -> None:
    kind = (p.text("trigger_price_type", required=False) or "MARK_PRICE").upper()
    if kind != "MARK_PRICE":
        raise bad(f"trigger_price_type must be MARK_PRICE, got {kind!r}")


def _algo_type(p: Params, allowed: set[AlgoType]) -> AlgoType:
    raw = (p.text("algo_type") or "").upper()
    if raw in UNSUPPORTED:
        raise bad(f"algo_type {raw} is not supported by the paper exchange")
    try:
        kind = AlgoType(raw)
    except ValueError:
        kind = None
    if kind not in allowed:
        names = "|".join(sorted(k.value for k in allowed))
        raise bad(f"algo_type must be one of {names}, got {raw!r}")
    assert kind is not None
    return kind


def _order_type(p: Params, allowed: set[AlgoOrderType]) -> AlgoOrderType:
    kind = p.enum("type", AlgoOrderType)
    if kind not in allowed:
        raise bad(f"type must be one of {'|'.join(sorted(allowed))}, got {kind.value!r}")
    return kind


def _legs(ctx: Ctx, raw: object, sym: str, positional: bool) -> tuple[Side, tuple[AlgoLeg, ...]]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= 2:
        raise bad("child_orders must list one TAKE_PROFIT and/or one STOP_LOSS")
    legs: list[AlgoLeg] = []
    sides: set[Side] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise bad("each child order must be an object")
        p = Params(item)
        p.reject_unknown(LEG_FIELDS)
        if p.has("symbol") and p.text("symbol") != sym:
            raise bad("a child order's symbol must be the algo order's symbol")
        kind = _algo_type(p, {AlgoType.TAKE_PROFIT, AlgoType.STOP_LOSS})
        if any(leg.algo_type is kind for leg in legs):
            raise bad(f"child_orders has two {kind.value} orders")
        _trigger_type(p)
        sides.add(p.enum("side", Side))
        allowed = ({AlgoOrderType.CLOSE_POSITION} if positional
                   else {AlgoOrderType.MARKET, AlgoOrderType.LIMIT})
        order_type = _order_type(p, allowed)
        if "reduce_only" in item and not p.flag("reduce_only"):
            raise bad("child orders of a TP/SL are reduce_only")
        trigger = p.number("trigger_price")
        price = p.number("price", required=order_type is AlgoOrderType.LIMIT)
        assert trigger is not None
        legs.append(AlgoLeg(kind, trigger, order_type,
                            price if order_type is AlgoOrderType.LIMIT else None))
    if len(sides) != 1:
        raise bad("both child orders must have the same side")
    return sides.pop(), tuple(legs)


def create_algo_order(ctx: Ctx) -> Any:
    p = ctx.params
    p.reject_unknown(ALGO_FIELDS)
    sym = symbol(ctx, p.text("symbol"))
    kind = _algo_type(p, {AlgoType.STOP, AlgoType.TP_SL, AlgoType.POSITIONAL_TP_SL})
    _trigger_type(p)
    client_id = p.text("client_order_id", required=False, max_len=36)
    if client_id is not None and client_id.startswith("-"):
        raise bad("client_order_id must not start with '-'")
    mode = p.opt_enum("margin_mode", MarginMode) or ctx.engine.default_margin_modes(
        ctx.account_id).get(sym, MarginMode.CROSS)
    children = p.values.get("child_orders") or []
    if kind is AlgoType.STOP:
        if children:
            raise bad("a STOP order takes no child_orders")
        order_type = _order_type(p, {AlgoOrderType.MARKET, AlgoOrderType.LIMIT})
        limit = order_type is AlgoOrderType.LIMIT
        request = AlgoRequest(
            symbol=sym, algo_type=kind, side=p.enum("side", Side), margin_mode=mode,
            quantity=p.number("quantity"), trigger_price=p.number("trigger_price"),
            order_type=order_type, price=p.number("price", required=limit) if limit else None,
            reduce_only=p.flag("reduce_only"), client_order_id=client_id,
        )
    else:
        positional = kind is AlgoType.POSITIONAL_TP_SL
        side, legs = _legs(ctx, children, sym, positional)
        quantity = None if positional else p.number("quantity")
        if positional and p.has("quantity"):
            raise bad("a POSITIONAL_TP_SL closes the whole position: send no quantity")
        request = AlgoRequest(
            symbol=sym, algo_type=kind, side=side, margin_mode=mode, quantity=quantity,
            legs=legs, reduce_only=True, client_order_id=client_id,
        )
    placed = ctx.engine.create_algo_order(ctx.account_id, request)
    return {"rows": [{"order_id": placed.algo_order_id, "client_order_id": client_id,
                      "algo_type": kind.value, "quantity": placed.quantity}]}


def edit_algo_order(ctx: Ctx) -> Any:
    p = ctx.params
    p.reject_unknown({"order_id", "price", "quantity", "trigger_price", "child_orders",
                      "trigger_price_type", "symbol", "algo_type"})
    order_id = p.integer("order_id", lo=1)
    assert order_id is not None
    children = p.values.get("child_orders")
    edits: list[Params] = []
    if children:
        if not isinstance(children, list) or not all(isinstance(c, dict) for c in children):
            raise bad("child_orders must be a list of objects")
        edits = [Params(c) for c in children]
        for e in edits:
            e.reject_unknown({"order_id", "price", "quantity", "trigger_price", "symbol",
                              "algo_type", "side", "type", "reduce_only", "trigger_price_type"})
    else:
        edits = [Params({**p.values, "order_id": order_id})]
    for e in edits:
        leg_id = e.integer("order_id", lo=1)
        assert leg_id is not None
        trigger = e.number("trigger_price", required=False)
        price = e.number("price", required=False)
        quantity = e.number("quantity", required=False)
        if trigger is None and price is None and quantity is None:
            raise bad("send trigger_price, price or quantity to edit")
        ctx.engine.edit_algo_order(ctx.account_id, leg_id, trigger, price, quantity)
    return {"status": "EDIT_SENT"}


def cancel_algo_order(ctx: Ctx) -> Any:
    order_id = ctx.params.integer("order_id", lo=1)
    assert order_id is not None
    sym = symbol(ctx, ctx.params.text("symbol"))
    ctx.engine.cancel_algo_order(ctx.account_id, sym, order_id)
    return {"status": "CANCEL_SENT"}


def cancel_algo_client_order(ctx: Ctx) -> Any:
    client_id = ctx.params.text("client_order_id", max_len=36)
    assert client_id is not None
    sym = symbol(ctx, ctx.params.text("symbol"))
    ctx.engine.cancel_algo_by_client_id(ctx.account_id, sym, client_id)
    return {"status": "CANCEL_SENT"}


def cancel_all_algos(ctx: Ctx) -> Any:
    p = ctx.params
    sym = symbol(ctx, p.text("symbol")) if p.has("symbol") else None
    kind = _algo_type(p, set(AlgoType)) if p.has("algo_type") else None
    ctx.engine.cancel_all_algos(ctx.account_id, sym, kind)
    return {"status": "CANCEL_ALL_SENT"}


def list_algo_orders(ctx: Ctx) -> Any:
    p = ctx.params
    sym = symbol(ctx, p.text("symbol")) if p.has("symbol") else None
    kind = _algo_type(p, set(AlgoType)) if p.has("algo_type") else None
    side = p.opt_enum("side", Side)
    status = (p.text("status", required=False) or "").upper()
    if status and status not in ALGO_STATUSES | set(STATUS_BUNDLES):
        raise bad(f"unknown order status {status!r}")
    wanted = STATUS_BUNDLES.get(status, {status} if status else None)
    triggered = (p.text("is_triggered", required=False) or "").lower()
    if triggered not in ("", "true", "false"):
        raise bad("is_triggered must be true or false")
    start, end = p.integer("start_t", required=False), p.integer("end_t", required=False)
    page = p.integer("page", required=False, lo=1) or 1
    size = p.integer("size", required=False, lo=1, hi=500) or 25
    rows = [
        x for x in ctx.engine.algo_orders(ctx.account_id, sym)
        if (wanted is None or x.status in wanted) and kind in (None, x.algo_type)
        and side in (None, x.side) and (not triggered or str(x.is_triggered).lower() == triggered)
        and (start is None or x.created_time >= start) and (end is None or x.created_time <= end)
    ]
    rows.sort(key=lambda x: (x.created_time, x.algo_order_id), reverse=True)
    chunk = rows[(page - 1) * size : page * size]
    return {"meta": {"total": len(rows), "records_per_page": size, "current_page": page},
            "rows": [shapes.algo_row(x) for x in chunk]}


def get_algo_order(ctx: Ctx) -> Any:
    raw = ctx.path["order_id"]
    if not raw.isdigit():
        raise bad(f"order_id must be an integer, got {raw!r}")
    return shapes.algo_row(ctx.engine.algo_order(ctx.account_id, int(raw)))


def get_algo_client_order(ctx: Ctx) -> Any:
    return shapes.algo_row(ctx.engine.algo_order_by_client_id(ctx.account_id,
                                                              ctx.path["client_id"]))
