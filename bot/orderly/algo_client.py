"""Orderly's algo order endpoints (POST/PUT/DELETE /v1/algo/order, GET/DELETE /v1/algo/orders,
GET /v1/algo/order/{id}, GET /v1/algo/client/order/{cid}); OrderlyClient inherits them.

Bodies follow Orderly's samples; margin_mode is always sent, and every leg carries
`trigger_price_type: MARK_PRICE` and `reduce_only: true`.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.domain import algo as a
from bot.errors import ExchangeRejected, UserInputError
from bot.orderly import algo_wire, wire
from bot.orderly.transport import Params, parse_one, safe

NOT_FOUND = -1006
MAX_ALGO_PAGES = 20


def algo_body(req: a.AlgoRequest) -> dict[str, Any]:
    """The JSON body of POST /v1/algo/order for a request (validated for its shape)."""
    body: dict[str, Any] = {
        "symbol": req.symbol, "algo_type": req.algo_type.value,
        "trigger_price_type": "MARK_PRICE", "margin_mode": req.margin_mode.value,
    }
    if req.client_order_id:
        body["client_order_id"] = req.client_order_id
    if req.algo_type is a.AlgoType.STOP:
        if req.quantity is None or req.trigger_price is None:
            raise UserInputError("a stop order needs a quantity and a trigger price")
        body.update(side=req.side.value, type=req.order_type.value, quantity=req.quantity,
                    trigger_price=req.trigger_price, reduce_only=req.reduce_only)
        if req.order_type is a.AlgoOrderType.LIMIT:
            if req.price is None:
                raise UserInputError("a LIMIT stop order needs a price")
            body["price"] = req.price
        return body
    if not req.legs:
        raise UserInputError("a TP/SL needs a take-profit or a stop-loss")
    if req.algo_type is a.AlgoType.TP_SL:
        if req.quantity is None:
            raise UserInputError("a TP_SL needs a quantity")
        body["quantity"] = req.quantity
    children = []
    for leg in req.legs:
        child: dict[str, Any] = {
            "symbol": req.symbol, "algo_type": leg.algo_type.value, "side": req.side.value,
            "type": leg.order_type.value, "trigger_price_type": "MARK_PRICE",
            "trigger_price": leg.trigger_price, "reduce_only": True,
        }
        if leg.price is not None:
            child["price"] = leg.price
        children.append(child)
    body["child_orders"] = children
    return body


class _Host(Protocol):
    """What the algo methods need from the client they are mixed into (OrderlyClient)."""

    async def _send(self, method: str, path: str, body: Any = None, params: Params = (),
                    timestamp_ms: int | None = None) -> Any: ...

    async def _get(self, path: str, params: Params = (), *, private: bool = True) -> Any: ...


class AlgoOrdersApi:
    """The algo order methods, mixed into OrderlyClient (which sends and reads for them)."""

    async def create_algo_order(self: _Host, req: a.AlgoRequest, *,
                                timestamp_ms: int | None = None) -> int:
        """Place an algo order; returns its (root) algo_order_id."""
        body = algo_body(req)
        data = await self._send("POST", "/v1/algo/order", body, timestamp_ms=timestamp_ms)
        return int(parse_one(algo_wire.AlgoAckData, data, write=("POST", "/v1/algo/order")))

    async def get_algo_orders(self: _Host, symbol: str | None = None, status: str = "INCOMPLETE",
                              algo_type: a.AlgoType | None = None, *, size: int = 100
                              ) -> list[a.AlgoOrder]:
        """Root algo orders (with their legs) matching the filter, every page."""
        found: list[a.AlgoOrder] = []
        for page in range(1, MAX_ALGO_PAGES + 1):
            params: Params = [("symbol", symbol), ("status", status),
                              ("algo_type", algo_type.value if algo_type else None),
                              ("page", page), ("size", size)]
            rows = parse_one(algo_wire.AlgoPage, await self._get("/v1/algo/orders", params))
            found.extend(rows)
            if len(rows) < size:
                break
        return found

    async def get_algo_order(self: _Host, algo_order_id: int) -> a.AlgoOrder:
        data = await self._get(f"/v1/algo/order/{safe(algo_order_id)}")
        return parse_one(algo_wire.AlgoRow, data)

    async def get_algo_order_by_client_id(self: _Host, client_order_id: str) -> a.AlgoOrder | None:
        """The algo order with this client id, or None when the exchange has none."""
        try:
            data = await self._get(f"/v1/algo/client/order/{safe(client_order_id)}")
        except ExchangeRejected as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        return parse_one(algo_wire.AlgoRow, data)

    async def edit_algo_order(self: _Host, algo_order_id: int, *, trigger_price: Any = None,
                              price: Any = None, quantity: Any = None) -> str:
        body: dict[str, Any] = {"order_id": algo_order_id}
        for key, value in (("trigger_price", trigger_price), ("price", price),
                           ("quantity", quantity)):
            if value is not None:
                body[key] = value
        data = await self._send("PUT", "/v1/algo/order", body)
        return str(parse_one(wire.StatusData, data, write=("PUT", "/v1/algo/order")))

    async def cancel_algo_order(self: _Host, algo_order_id: int, symbol: str) -> str:
        params = [("order_id", algo_order_id), ("symbol", symbol)]
        data = await self._send("DELETE", "/v1/algo/order", params=params)
        return str(parse_one(wire.StatusData, data, write=("DELETE", "/v1/algo/order")))

    async def cancel_all_algo_orders(self: _Host, symbol: str | None = None,
                                     algo_type: a.AlgoType | None = None) -> str:
        params = [("symbol", symbol), ("algo_type", algo_type.value if algo_type else None)]
        data = await self._send("DELETE", "/v1/algo/orders", params=params)
        return str(parse_one(wire.StatusData, data, write=("DELETE", "/v1/algo/orders")))
