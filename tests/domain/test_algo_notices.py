"""Which algoexecutionreport rows are news: a leg or stop that fired (once), with the sibling
the exchange cancelled; placing and cancelling are not."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.algo import AlgoExecution, AlgoType
from bot.domain.fills import NoticeKind, algo_notices
from bot.domain.models import Side

D = Decimal


def row(algo_id: int, kind: str, status: str, *, triggered: bool = False,
        executed: str = "0", reason: str = "") -> AlgoExecution:
    return AlgoExecution(
        algo_order_id=algo_id, root_algo_order_id=10, parent_algo_order_id=10 if algo_id != 10
        else 0, symbol="PERP_ETH_USDC", algo_type=kind, side=Side.SELL, status=status,
        algo_status=status, root_algo_status=status, trigger_price=D(2600),
        is_triggered=triggered, trigger_status="SUCCESS" if triggered else "", quantity=D(1),
        executed_quantity=D(executed), executed_price=D(2610) if executed != "0" else None,
        total_executed_quantity=D(executed), average_executed_price=None, fee=D(0),
        total_fee=D("1.5"), client_order_id=None, trade_id=7, timestamp=1, reason=reason,
    )


def test_a_fired_leg_is_told_once_with_its_cancelled_sibling() -> None:
    push = [row(11, "TAKE_PROFIT", "FILLED", triggered=True, executed="1"),
            row(12, "STOP_LOSS", "CANCELLED", reason="TAKE_PROFIT fired"),
            row(10, "TP_SL", "FILLED", triggered=True, executed="1")]
    told: set[int] = set()
    [notice] = algo_notices(push, told)
    assert notice.kind is NoticeKind.TRIGGERED and notice.kind.audible
    assert notice.cancelled_sibling is AlgoType.STOP_LOSS
    assert notice.qty == D(1) and notice.price == D(2610)
    assert algo_notices(push, told) == []  # the same rows again: nothing new


def test_placing_and_cancelling_are_not_news() -> None:
    placed = [row(10, "TP_SL", "NEW"), row(11, "TAKE_PROFIT", "NEW"),
              row(12, "STOP_LOSS", "NEW")]
    cancelled = [row(11, "TAKE_PROFIT", "CANCELLED"), row(12, "STOP_LOSS", "CANCELLED")]
    assert algo_notices(placed + cancelled, set()) == []


def test_a_fired_leg_whose_close_was_rejected_is_told() -> None:
    [notice] = algo_notices([row(12, "STOP_LOSS", "REJECTED", triggered=True,
                                 reason="size below the minimum")], set())
    assert notice.reason == "size below the minimum" and notice.qty == 0
