"""What is news about an order: fills as differences of running totals, ends told once."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.domain.fills import NoticeKind, Progress, liquidation_notice, notices, progress_of
from bot.domain.models import Liquidation, MarginMode, Order, OrderType, Side

D = Decimal
ORDER = Order(order_id=9, symbol="PERP_ETH_USDC", side=Side.BUY, order_type=OrderType.LIMIT,
              price=D("2400"), quantity=D("1"), executed_quantity=D("0"), status="NEW",
              margin_mode=MarginMode.ISOLATED)  # fmt: skip


def at(executed: str, avg: str | None, fee: str, status: str) -> Order:
    return replace(ORDER, executed_quantity=D(executed),
                   average_executed_price=None if avg is None else D(avg), total_fee=D(fee),
                   status=status)  # fmt: skip


def test_a_fill_is_the_difference_of_totals_with_its_own_price_and_fee() -> None:
    told = progress_of(at("0.4", "2400", "0.288", "PARTIAL_FILLED"))
    later = at("1", "2399", "0.72", "FILLED")  # the rest filled at 2398.333…
    (n,) = notices(later, progress_of(later), told)
    assert (n.kind, n.qty, n.fee) == (NoticeKind.FILLED, D("0.6"), D("0.432"))
    assert n.price is not None and abs(n.price - D("2398.3333")) < D("0.001")


def test_the_same_totals_twice_say_nothing() -> None:
    seen = progress_of(at("0.4", "2400", "0.288", "PARTIAL_FILLED"))
    assert notices(at("0.4", "2400", "0.288", "PARTIAL_FILLED"), seen, seen) == []


def test_a_partial_fill_then_a_cancel_by_the_exchange_are_two_notices() -> None:
    order = replace(at("0.4", "2400", "0.288", "CANCELLED"), reason="reduce-only")
    kinds = [(n.kind, n.qty, n.reason) for n in notices(order, progress_of(order), Progress())]
    assert kinds == [(NoticeKind.PARTIAL, D("0.4"), ""),
                     (NoticeKind.CANCELLED, D("0.6"), "reduce-only")]


def test_the_users_own_cancel_is_not_told_but_a_rejection_is() -> None:
    cancelled = at("0", None, "0", "CANCELLED")
    assert notices(cancelled, progress_of(cancelled), Progress(D(0), D(0), D(0), "NEW"),
                   user_cancelled=True) == []
    rejected = replace(at("0", None, "0", "REJECTED"), reason="risk")
    (n,) = notices(rejected, progress_of(rejected), Progress(), user_cancelled=True)
    assert (n.kind, n.kind.audible, n.qty) == (NoticeKind.REJECTED, True, D("1"))


def test_merge_never_goes_back_a_stale_rest_row_cannot_undo_a_push() -> None:
    pushed = progress_of(at("1", "2400", "0.72", "FILLED"))
    stale = progress_of(at("0.4", "2400", "0.288", "PARTIAL_FILLED"))
    assert pushed.merge(stale) == pushed and stale.merge(pushed) == pushed
    ended = progress_of(at("0", None, "0", "CANCELLED"))
    assert ended.merge(progress_of(ORDER)) == ended  # a NEW read after the cancel push


def test_liquidation_trade_notice_is_quiet_and_carries_the_transfer() -> None:
    liq = Liquidation(3, 1, "PERP_ETH_USDC", MarginMode.ISOLATED, D("-2"), D("2734.1"))
    n = liquidation_notice(liq)
    assert (n.kind, n.qty, n.price, n.kind.audible) == (
        NoticeKind.LIQUIDATION, D("2"), D("2734.1"), False)
