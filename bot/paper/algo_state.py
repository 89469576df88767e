"""The paper engine's algo orders (STOP, TP_SL, POSITIONAL_TP_SL and their legs), internal.

A TP_SL or POSITIONAL_TP_SL is three algo orders, as on Orderly: the root and its
TAKE_PROFIT / STOP_LOSS children (root_algo_order_id = parent_algo_order_id = the root's id).
A STOP is a root alone. Only legs and STOPs fire; the root follows its legs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from bot.domain.algo import AlgoOrder, AlgoOrderType, AlgoType
from bot.domain.models import MarginMode, Side

ZERO = Decimal(0)
OPEN = frozenset({"NEW", "PARTIAL_FILLED"})


@dataclass
class AlgoState:
    algo_order_id: int
    account_id: str
    symbol: str
    algo_type: AlgoType
    margin_mode: MarginMode
    side: Side | None = None
    order_type: AlgoOrderType | None = None
    quantity: Decimal | None = None
    trigger_price: Decimal | None = None
    price: Decimal | None = None
    root_id: int = 0
    parent_id: int = 0
    client_order_id: str | None = None
    reduce_only: bool = False
    rising: bool = True  # a STOP: the trigger was above the mark at placement
    status: str = "NEW"
    is_triggered: bool = False
    trigger_time: int = 0
    order_id: int = 0  # the regular order it became when it fired
    executed: Decimal = ZERO
    avg_price: Decimal | None = None
    fee_total: Decimal = ZERO
    reason: str = ""
    created_ms: int = 0
    updated_ms: int = 0
    children: tuple[int, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def fires_itself(self) -> bool:
        """Legs and STOPs watch the mark; a TP_SL root only follows its legs."""
        return self.algo_type in (AlgoType.STOP, AlgoType.TAKE_PROFIT, AlgoType.STOP_LOSS)

    def view(self, kids: tuple[AlgoOrder, ...] = ()) -> AlgoOrder:
        return AlgoOrder(
            algo_order_id=self.algo_order_id, symbol=self.symbol, algo_type=self.algo_type,
            side=self.side, order_type=self.order_type, quantity=self.quantity,
            trigger_price=self.trigger_price, status=self.status, margin_mode=self.margin_mode,
            price=self.price, root_algo_order_id=self.root_id or self.algo_order_id,
            parent_algo_order_id=self.parent_id, client_order_id=self.client_order_id,
            is_triggered=self.is_triggered, reduce_only=self.reduce_only,
            executed_quantity=self.executed, average_executed_price=self.avg_price,
            total_fee=self.fee_total, created_time=self.created_ms,
            updated_time=self.updated_ms, children=kids,
        )


def dump(a: AlgoState) -> dict[str, Any]:
    row = asdict(a)
    for key, value in row.items():
        if isinstance(value, Decimal):
            row[key] = str(value)
    row["children"] = list(a.children)
    return row


def load(row: dict[str, Any]) -> AlgoState:
    def num(key: str) -> Decimal | None:
        value = row.get(key)
        return None if value is None else Decimal(value)

    return AlgoState(
        algo_order_id=int(row["algo_order_id"]), account_id=row["account_id"],
        symbol=row["symbol"], algo_type=AlgoType(row["algo_type"]),
        margin_mode=MarginMode(row["margin_mode"]),
        side=Side(row["side"]) if row.get("side") else None,
        order_type=AlgoOrderType(row["order_type"]) if row.get("order_type") else None,
        quantity=num("quantity"), trigger_price=num("trigger_price"), price=num("price"),
        root_id=int(row["root_id"]), parent_id=int(row["parent_id"]),
        client_order_id=row.get("client_order_id"), reduce_only=bool(row["reduce_only"]),
        rising=bool(row["rising"]), status=row["status"], is_triggered=bool(row["is_triggered"]),
        trigger_time=int(row["trigger_time"]), order_id=int(row["order_id"]),
        executed=Decimal(row["executed"]), avg_price=num("avg_price"),
        fee_total=Decimal(row["fee_total"]), reason=row.get("reason") or "",
        created_ms=int(row["created_ms"]), updated_ms=int(row["updated_ms"]),
        children=tuple(int(c) for c in row.get("children", [])),
    )
