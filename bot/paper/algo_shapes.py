"""Algo orders -> Orderly's wire dicts: the snake_case REST row (with `child_orders`) and the
camelCase `algoexecutionreport` row, field names as in Orderly's docs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.domain.algo import AlgoOrder
from bot.paper.events import AlgoEvent

ZERO = Decimal(0)
Row = dict[str, Any]


def algo_row(x: AlgoOrder, root_status: str | None = None) -> Row:
    """One row of GET /v1/algo/orders or GET /v1/algo/order/{id}."""
    status = root_status or x.status
    return {
        "algo_order_id": x.algo_order_id, "client_order_id": x.client_order_id,
        "root_algo_order_id": x.root_algo_order_id,
        "parent_algo_order_id": x.parent_algo_order_id, "symbol": x.symbol,
        "algo_type": x.algo_type.value, "side": x.side.value if x.side else None,
        "quantity": x.quantity if x.quantity is not None else ZERO,
        "is_triggered": x.is_triggered, "trigger_price": x.trigger_price,
        "trigger_price_type": "MARK_PRICE",
        "type": x.order_type.value if x.order_type else None, "price": x.price,
        "reduce_only": x.reduce_only, "visible_quantity": x.quantity,
        "algo_status": x.status, "root_algo_status": status, "status": x.status,
        "total_executed_quantity": x.executed_quantity,
        "average_executed_price": x.average_executed_price, "total_fee": x.total_fee,
        "fee_asset": "USDC", "created_time": x.created_time, "updated_time": x.updated_time,
        "is_activated": True, "order_tag": "default", "margin_mode": x.margin_mode.value,
        "child_orders": [algo_row(c, status) for c in x.children],
    }


def ws_algo(e: AlgoEvent) -> Row:
    """One `algoexecutionreport` row: this algo order's change (and its fill, if it fired)."""
    x = e.algo
    return {
        "symbol": x.symbol, "rootAlgoOrderId": x.root_algo_order_id,
        "parentAlgoOrderId": x.parent_algo_order_id, "algoOrderId": x.algo_order_id,
        "clientOrderId": x.client_order_id or "", "orderTag": "default", "status": x.status,
        "algoType": x.algo_type.value, "side": x.side.value if x.side else None,
        "quantity": x.quantity if x.quantity is not None else ZERO,
        "triggerStatus": e.trigger_status, "price": x.price,
        "type": x.order_type.value if x.order_type else None,
        "triggerTradePrice": e.last_fill_price if e.trigger_status else None,
        "triggerTime": e.trigger_time or None, "tradeId": e.trade_id,
        "executedPrice": e.last_fill_price, "executedQuantity": e.last_fill_qty, "fee": e.fee,
        "feeAsset": "USDC", "totalExecutedQuantity": x.executed_quantity,
        "averageExecutedPrice": x.average_executed_price or ZERO, "totalFee": x.total_fee,
        "timestamp": x.updated_time, "visibleQuantity": x.quantity, "reduceOnly": x.reduce_only,
        "triggered": x.is_triggered, "maker": False, "isMaker": False,
        "rootAlgoStatus": e.root_status, "algoStatus": x.status, "isActivated": True,
        "triggerPrice": x.trigger_price, "triggerPriceType": "MARK_PRICE",
        "createdTime": x.created_time, "marginMode": x.margin_mode.value, "reason": e.reason,
    }
