"""Pydantic models of Orderly's algo order JSON: REST rows (snake_case, with `child_orders`),
the create reply, and the `algoexecutionreport` push (camelCase). Same number rules as wire.py."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bot.domain import algo as a
from bot.domain import models as m
from bot.orderly.wire import ZERO, Int, Num, Text, _Wire


def _side(value: str | None) -> m.Side | None:
    return m.Side(value) if value in ("BUY", "SELL") else None


def _order_type(value: str | None) -> a.AlgoOrderType | None:
    try:
        return a.AlgoOrderType(value) if value else None
    except ValueError:
        return None


class AlgoRow(_Wire):
    algo_order_id: Int
    symbol: str
    algo_type: a.AlgoType
    side: str | None = None
    type: str | None = None
    quantity: Num | None = None
    trigger_price: Num | None = None
    price: Num | None = None
    algo_status: str | None = None
    status: str | None = None
    root_algo_order_id: Int = 0
    parent_algo_order_id: Int = 0
    client_order_id: Text | None = None
    is_triggered: bool | str | None = None
    reduce_only: bool | None = None
    total_executed_quantity: Num = ZERO
    average_executed_price: Num | None = None
    total_fee: Num | None = None
    margin_mode: m.MarginMode = m.MarginMode.CROSS
    created_time: Int = 0
    updated_time: Int = 0
    child_orders: list[AlgoRow] = Field(default_factory=list)

    def to_domain(self) -> a.AlgoOrder:
        triggered = self.is_triggered in (True, "true", "TRUE", "1")
        done = self.total_executed_quantity
        return a.AlgoOrder(
            algo_order_id=self.algo_order_id, symbol=self.symbol, algo_type=self.algo_type,
            side=_side(self.side), order_type=_order_type(self.type),
            quantity=self.quantity or None, trigger_price=self.trigger_price,
            status=self.algo_status or self.status or "NEW", margin_mode=self.margin_mode,
            price=self.price, root_algo_order_id=self.root_algo_order_id or self.algo_order_id,
            parent_algo_order_id=self.parent_algo_order_id,
            client_order_id=self.client_order_id or None, is_triggered=triggered,
            reduce_only=bool(self.reduce_only), executed_quantity=done,
            average_executed_price=self.average_executed_price if done else None,
            total_fee=self.total_fee or ZERO, created_time=self.created_time,
            updated_time=self.updated_time,
            children=tuple(c.to_domain() for c in self.child_orders),
        )


class AlgoPage(_Wire):
    rows: list[AlgoRow] = Field(default_factory=list)

    def to_domain(self) -> list[a.AlgoOrder]:
        return [r.to_domain() for r in self.rows]


class AlgoAckRow(_Wire):
    order_id: Int
    client_order_id: Text | None = None
    algo_type: str | None = None


class AlgoAckData(_Wire):
    """`{rows: [{order_id, client_order_id, algo_type, quantity}]}` of POST /v1/algo/order."""

    rows: list[AlgoAckRow]

    def to_domain(self) -> int:
        if not self.rows:
            raise ValueError("no rows in the algo order reply")
        return self.rows[0].order_id


class AlgoReportRow(_Wire):
    """One row of the `algoexecutionreport` push."""

    algoOrderId: Int
    rootAlgoOrderId: Int = 0
    parentAlgoOrderId: Int = 0
    symbol: str
    algoType: str
    side: str | None = None
    status: str = ""
    algoStatus: str | None = None
    rootAlgoStatus: str | None = None
    triggerPrice: Num | None = None
    triggered: bool | None = None
    isTriggered: bool | None = None
    triggerStatus: str | None = None
    quantity: Num | None = None
    executedQuantity: Num | None = None
    executedPrice: Num | None = None
    totalExecutedQuantity: Num | None = None
    averageExecutedPrice: Num | None = None
    fee: Num | None = None
    totalFee: Num | None = None
    clientOrderId: Text | None = None
    tradeId: Int | None = None
    timestamp: Int = 0
    reason: str | None = None

    def to_domain(self) -> a.AlgoExecution:
        status = self.algoStatus or self.status
        return a.AlgoExecution(
            algo_order_id=self.algoOrderId, root_algo_order_id=self.rootAlgoOrderId
            or self.algoOrderId, parent_algo_order_id=self.parentAlgoOrderId,
            symbol=self.symbol, algo_type=self.algoType, side=_side(self.side),
            status=self.status or status, algo_status=status,
            root_algo_status=self.rootAlgoStatus or status, trigger_price=self.triggerPrice,
            is_triggered=bool(self.triggered or self.isTriggered),
            trigger_status=self.triggerStatus or "", quantity=self.quantity,
            executed_quantity=self.executedQuantity or ZERO,
            executed_price=self.executedPrice or None,
            total_executed_quantity=self.totalExecutedQuantity or ZERO,
            average_executed_price=self.averageExecutedPrice or None, fee=self.fee or ZERO,
            total_fee=self.totalFee or ZERO, client_order_id=self.clientOrderId or None,
            trade_id=self.tradeId or 0, timestamp=self.timestamp, reason=self.reason or "",
        )


def report_rows(data: Any) -> list[Any]:
    """The push's data is a list of rows (Orderly's docs); a single object is accepted too."""
    if isinstance(data, list):
        return data
    return [data] if isinstance(data, dict) else []
