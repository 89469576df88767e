"""What is news about an order: fills, and cancels or rejections by the exchange. Pure.

An order's progress is its running totals (executed quantity, executed notional, fees, status),
which the `executionreport` push and the REST order rows both carry. What a chat has been told
about an order is the same totals as of the last message (or the card that placed it), so a
fill is the difference between the two: it does not matter which source saw it first, how many
pushes were missed, or whether the same state arrives twice — the same totals say nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.domain.algo import LEG_TYPES, AlgoExecution, AlgoType
from bot.domain.models import Liquidation, Order

ZERO = Decimal(0)
OPEN = frozenset({"NEW", "PARTIAL_FILLED"})
ENDED = frozenset({"CANCELLED", "REJECTED"})


@dataclass(frozen=True, slots=True)
class Progress:
    """An order's running totals: what was seen on the exchange, or what a chat was told."""

    executed: Decimal = ZERO
    notional: Decimal = ZERO  # Σ fill qty × fill price
    fee: Decimal = ZERO
    status: str = ""

    def merge(self, newer: Progress) -> Progress:
        """The later of two observations: totals never shrink and an ended order stays ended
        (a REST row read before a push that overtook it must not undo the push)."""
        if newer.executed < self.executed:
            return self
        if newer.executed == self.executed and self.status not in OPEN and self.status:
            return self if newer.status in OPEN else newer
        return newer


def progress_of(order: Order) -> Progress:
    """An order's totals as the exchange reports them."""
    avg = order.average_executed_price or ZERO
    return Progress(order.executed_quantity, avg * order.executed_quantity, order.total_fee,
                    order.status)


class NoticeKind(StrEnum):
    FILLED = "filled"
    PARTIAL = "partial"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    LIQUIDATION = "liquidation"
    TRIGGERED = "triggered"  # a take-profit, stop-loss or stop order fired

    @property
    def audible(self) -> bool:
        """Fills, rejections and triggers ring; a cancel by the exchange or a liquidation
        trade (the liquidation alert itself rings) arrives quietly."""
        return self in (NoticeKind.FILLED, NoticeKind.PARTIAL, NoticeKind.REJECTED,
                        NoticeKind.TRIGGERED)

    @property
    def is_fill(self) -> bool:
        return self in (NoticeKind.FILLED, NoticeKind.PARTIAL)


@dataclass(frozen=True, slots=True)
class FillNotice:
    """One event worth a message: a fill (qty at price, fee), a cancel/rejection by the
    exchange (qty = what was left unfilled), or the trade a liquidation made."""

    kind: NoticeKind
    symbol: str
    order: Order | None  # the order as last seen; None for a liquidation trade
    qty: Decimal
    price: Decimal | None
    fee: Decimal = ZERO
    reason: str = ""
    liquidation: Liquidation | None = None
    algo: AlgoExecution | None = None  # TRIGGERED: the leg or stop that fired
    cancelled_sibling: AlgoType | None = None  # TRIGGERED: the other leg, cancelled by it


def notices(order: Order, seen: Progress, told: Progress, *, user_cancelled: bool = False
            ) -> list[FillNotice]:  # fmt: skip
    """What `seen` adds to what was `told` about this order, oldest first.

    A cancel the user made through the bot is already answered by its reply: not repeated.
    """
    out: list[FillNotice] = []
    if seen.executed > told.executed:
        qty = seen.executed - told.executed
        price = (seen.notional - told.notional) / qty if seen.notional > told.notional else None
        kind = NoticeKind.FILLED if seen.executed >= order.quantity else NoticeKind.PARTIAL
        out.append(FillNotice(kind, order.symbol, order, qty, price or order.price,
                              seen.fee - told.fee))  # fmt: skip
    mine = seen.status == "CANCELLED" and user_cancelled
    if seen.status in ENDED and told.status != seen.status and not mine:
        kind = NoticeKind.REJECTED if seen.status == "REJECTED" else NoticeKind.CANCELLED
        left = max(order.quantity - seen.executed, ZERO)
        out.append(FillNotice(kind, order.symbol, order, left, order.price,
                              reason=order.reason))  # fmt: skip
    return out


def liquidation_notice(liq: Liquidation) -> FillNotice:
    """The trade a liquidation made: the exchange took the position over at transfer_price."""
    return FillNotice(NoticeKind.LIQUIDATION, liq.symbol, None, abs(liq.position_qty),
                      liq.transfer_price, liquidation=liq)  # fmt: skip


FIRED_STATUSES = frozenset({"FILLED", "PARTIAL_FILLED", "REJECTED", "CANCELLED"})


def algo_notices(reports: list[AlgoExecution], told: set[int]) -> list[FillNotice]:
    """One TRIGGERED notice per TP/SL leg or stop order that fired in these reports and is not
    in `told` (algo_order_ids already announced); each names the sibling leg the exchange
    cancelled with it. Placing, editing or cancelling an algo order is not news (its card or
    /cancel reply said it)."""
    out: list[FillNotice] = []
    for r in reports:
        kind = r.algo_type
        fired = r.is_triggered or r.trigger_status == "SUCCESS"
        if kind not in {*LEG_TYPES, AlgoType.STOP} or not fired \
                or r.algo_status not in FIRED_STATUSES or r.algo_order_id in told:
            continue
        if r.algo_status == "CANCELLED" and r.total_executed_quantity == 0 and not r.reason:
            continue
        sibling = next((AlgoType(s.algo_type) for s in reports
                        if s.root_algo_order_id == r.root_algo_order_id
                        and s.algo_order_id != r.algo_order_id and s.algo_type in LEG_TYPES
                        and s.algo_status == "CANCELLED"), None)
        told.add(r.algo_order_id)
        out.append(FillNotice(NoticeKind.TRIGGERED, r.symbol, None, r.total_executed_quantity,
                              r.executed_price or r.average_executed_price, r.total_fee,
                              reason=r.reason, algo=r, cancelled_sibling=sibling))
    return out
