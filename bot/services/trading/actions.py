"""The exact action an approval stands for, as a JSON-able dict (Decimals as strings)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.algo import AlgoLeg, AlgoOrderType, AlgoRequest, AlgoType
from bot.domain.models import MarginAction, MarginMode, OrderRequest, OrderType, Side
from bot.services.trading.margin import MarginExpectation

ORDER = "order"
MARGIN = "margin"
ALGO = "algo"  # a TP/SL or stop order on the algo order API
TOPUP = "topup"  # a one-tap top-up from an alert: a margin ADD that counts toward /limits


def client_order_id(token: str) -> str:
    """A client_order_id derived from the approval token (≤ 36 chars, no leading hyphen)."""
    return "md" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class OrderAction:
    request: OrderRequest
    expect_qty: Decimal | None  # position size when the card was drawn (closes re-check it)

    def to_json(self) -> dict[str, Any]:
        r = self.request
        return {
            "kind": ORDER, "symbol": r.symbol, "side": r.side.value,
            "order_type": r.order_type.value, "quantity": str(r.quantity),
            "price": _dec(r.price), "margin_mode": r.margin_mode.value,
            "reduce_only": r.reduce_only, "expect_qty": _dec(self.expect_qty),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderAction:
        request = OrderRequest(
            symbol=data["symbol"], side=Side(data["side"]),
            order_type=OrderType(data["order_type"]), quantity=Decimal(data["quantity"]),
            margin_mode=MarginMode(data["margin_mode"]),
            price=Decimal(data["price"]) if data.get("price") is not None else None,
            reduce_only=bool(data.get("reduce_only")),
        )
        expect = data.get("expect_qty")
        return cls(request, Decimal(expect) if expect is not None else None)


@dataclass(frozen=True, slots=True)
class MarginChange:
    expect: MarginExpectation
    action: MarginAction
    amount: Decimal
    source: str = "command"  # or "alert" for a one-tap top-up

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": MARGIN, "symbol": self.expect.symbol, "action": self.action.value,
            "amount": str(self.amount), "expect_qty": str(self.expect.position_qty),
            "expect_margin": str(self.expect.margin), "source": self.source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MarginChange:
        expect = MarginExpectation(
            data["symbol"], Decimal(data["expect_qty"]), Decimal(data["expect_margin"])
        )
        return cls(expect, MarginAction(data["action"]), Decimal(data["amount"]),
                   data.get("source", "command"))


@dataclass(frozen=True, slots=True)
class AlgoAction:
    """A TP/SL or stop order an approval stands for; expect_qty: the position on its card."""

    request: AlgoRequest
    expect_qty: Decimal

    def to_json(self) -> dict[str, Any]:
        r = self.request
        return {
            "kind": ALGO, "symbol": r.symbol, "algo_type": r.algo_type.value,
            "side": r.side.value, "margin_mode": r.margin_mode.value,
            "quantity": _dec(r.quantity), "trigger_price": _dec(r.trigger_price),
            "order_type": r.order_type.value, "price": _dec(r.price),
            "reduce_only": r.reduce_only, "expect_qty": str(self.expect_qty),
            "legs": [{"algo_type": leg.algo_type.value, "trigger_price": str(leg.trigger_price)}
                     for leg in r.legs],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlgoAction:
        def num(key: str) -> Decimal | None:
            return Decimal(data[key]) if data.get(key) is not None else None

        request = AlgoRequest(
            symbol=data["symbol"], algo_type=AlgoType(data["algo_type"]), side=Side(data["side"]),
            margin_mode=MarginMode(data["margin_mode"]), quantity=num("quantity"),
            trigger_price=num("trigger_price"), order_type=AlgoOrderType(data["order_type"]),
            price=num("price"), reduce_only=bool(data.get("reduce_only")),
            legs=tuple(AlgoLeg(AlgoType(leg["algo_type"]), Decimal(leg["trigger_price"]))
                       for leg in data.get("legs", [])),
        )
        return cls(request, Decimal(data["expect_qty"]))
