"""Orders: market rules and every rejection code, order types, reduce-only, client ids, edits."""

from __future__ import annotations

import pytest

from bot.domain.models import OrderType
from bot.paper.engine import ExecutionEvent, PaperEngine
from tests.paper.engine_fixtures import (
    ACCOUNT,
    BTC,
    BUY,
    CROSS,
    ETH,
    ISOLATED,
    SELL,
    D,
    make_engine,
    rejected,
    req,
)

T = OrderType


@pytest.mark.parametrize(
    ("code", "request_"),
    [
        (-1103, req(ETH, BUY, "1", price="2500.005")),  # off the 0.01 tick
        (-1103, req(ETH, BUY, "1", price="0")),
        (-1103, req(ETH, SELL, "1", price="100000.01")),  # above quote_max
        (-1105, req(ETH, BUY, "1", price="2575.01")),  # > mark·1.03
        (-1105, req(ETH, SELL, "1", price="2424.99")),  # < mark·0.97
        (-1104, req(ETH, BUY, "0.00005", price="2500")),  # below base_min
        (-1104, req(ETH, BUY, "0.00015", price="2500")),  # off the 0.0001 step
        (-1104, req(ETH, BUY, "501", price="2500")),  # above base_max
        (-1102, req(ETH, BUY, "0.004", price="2500")),  # notional 10 is not > 10
        (-1102, req(ETH, BUY, "0.004")),  # MARKET notional at the mark
        (-1005, req(ETH, BUY, "1", order_type=T.LIMIT)),  # LIMIT without price
        (-1005, req(ETH, BUY, "1", order_type=T.IOC)),
        (-1005, req("PERP_NOPE_USDC", BUY, "1")),
        (-1005, req(ETH, SELL, "1", reduce_only=True)),  # nothing to reduce
        (-1101, req(ETH, BUY, "5")),  # cross IM 1250 > 1000
        (-1101, req(ETH, BUY, "4", ISOLATED)),  # isolated 1002.4 > 1000
        (-1101, req(BTC, BUY, "1", price="60000")),
    ],
)
def test_rejections_change_nothing(code: int, request_: object) -> None:
    engine = make_engine("1000")
    rejected(code, engine.create_order, ACCOUNT, request_)
    assert engine.orders(ACCOUNT) == [] and engine.positions(ACCOUNT).positions == ()
    assert engine.holding(ACCOUNT).holding == 1000 and engine.drain_events() == []


def test_notional_cap_at_leverage_is_a_margin_refusal() -> None:
    engine = make_engine("1000000")
    engine.set_leverage(ACCOUNT, 100, ETH, CROSS)
    # (1/(100·1.724e-7))^1.25 ≈ 0.9 M notional at 100x; 400 ETH is 1 M
    err = rejected(-1101, engine.create_order, ACCOUNT, req(ETH, BUY, "400"))
    assert "100x" in err.message
    engine.set_leverage(ACCOUNT, 20, ETH, CROSS)
    engine.create_order(ACCOUNT, req(ETH, BUY, "400"))


@pytest.mark.parametrize(
    ("order_type", "side", "price", "status", "fill_price"),
    [
        (T.MARKET, BUY, None, "FILLED", "2500"),
        (T.BID, BUY, None, "FILLED", "2500"),
        (T.ASK, SELL, None, "FILLED", "2500"),
        (T.LIMIT, BUY, "2550", "FILLED", "2500"),  # marketable: takes at the mark
        (T.LIMIT, BUY, "2450", "NEW", None),  # rests
        (T.IOC, BUY, "2510", "FILLED", "2500"),
        (T.IOC, BUY, "2490", "CANCELLED", None),
        (T.FOK, SELL, "2490", "FILLED", "2500"),
        (T.FOK, SELL, "2510", "CANCELLED", None),
        (T.POST_ONLY, BUY, "2510", "CANCELLED", None),  # would take
        (T.POST_ONLY, BUY, "2490", "NEW", None),
    ],
)
def test_order_types_at_placement(
    order_type: OrderType, side: object, price: str | None, status: str, fill_price: str | None
) -> None:
    engine = make_engine()
    ack = engine.create_order(ACCOUNT, req(ETH, side, "1", price=price, order_type=order_type))
    order = engine.order(ACCOUNT, ack.order_id)
    assert order.status == status
    execs = [e for e in engine.drain_events() if isinstance(e, ExecutionEvent)]
    assert execs[0].order.status == "NEW" and execs[-1].order.status == status
    pos = engine.position(ACCOUNT, ETH, CROSS)
    if fill_price is None:
        assert pos is None and order.executed_quantity == 0
    else:
        assert order.average_executed_price == D(fill_price)
        assert execs[-1].fee == D(fill_price) * D("0.0006")  # taker
        assert pos is not None and pos.position_qty == side.sign


def test_resting_limit_fills_at_its_price_as_maker_when_the_mark_crosses() -> None:
    engine = make_engine()
    buy = engine.create_order(ACCOUNT, req(ETH, BUY, "1", price="2490"))
    sell = engine.create_order(ACCOUNT, req(ETH, SELL, "1", price="2520", cid="tp"))
    engine.set_mark(ETH, D("2495"))
    assert engine.order(ACCOUNT, buy.order_id).status == "NEW"
    engine.set_mark(ETH, D("2480"))  # gapped through: still filled at the limit
    filled = engine.order(ACCOUNT, buy.order_id)
    assert (filled.status, filled.average_executed_price) == ("FILLED", 2490)
    assert engine.holding(ACCOUNT).holding == D(10000) - D("0.747")  # maker 0.0003
    engine.set_mark(ETH, D("2520"))
    assert engine.order_by_client_id(ACCOUNT, "tp").status == "FILLED"
    assert engine.position(ACCOUNT, ETH, CROSS) is None
    assert engine.holding(ACCOUNT).holding == D(10000) - D("0.747") + 30 - D("0.756")
    assert sell.order_id == buy.order_id + 1


def test_reduce_only_is_clipped_checked_per_mode_and_cancelled_without_position() -> None:
    engine = make_engine()
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    rejected(-1005, engine.create_order, ACCOUNT, req(ETH, BUY, "1", ISOLATED, reduce_only=True))
    rejected(-1005, engine.create_order, ACCOUNT, req(ETH, SELL, "1", CROSS, reduce_only=True))
    resting = engine.create_order(
        ACCOUNT, req(ETH, SELL, "2", ISOLATED, price="2600", reduce_only=True)
    )
    assert resting.quantity == 1  # clipped to the position
    assert engine.holding(ACCOUNT).isolated_order_frozen == 0
    engine.create_order(ACCOUNT, req(ETH, SELL, "5", ISOLATED, reduce_only=True))  # closes all
    assert engine.position(ACCOUNT, ETH, ISOLATED) is None
    engine.set_mark(ETH, D(2600))
    assert engine.order(ACCOUNT, resting.order_id).status == "CANCELLED"
    assert engine.positions(ACCOUNT).positions == ()


def test_client_order_id_unique_among_open_orders() -> None:
    engine = make_engine()
    first = engine.create_order(ACCOUNT, req(ETH, BUY, "1", price="2400", cid="abc"))
    err = rejected(-1007, engine.create_order, ACCOUNT, req(BTC, BUY, "0.001", price="59000",
                                                            cid="abc"))
    assert err.http_status == 409
    engine.cancel_order_by_client_id(ACCOUNT, ETH, "abc")
    second = engine.create_order(ACCOUNT, req(ETH, BUY, "1", price="2400", cid="abc"))
    assert engine.order_by_client_id(ACCOUNT, "abc").order_id == second.order_id
    assert engine.order(ACCOUNT, first.order_id).status == "CANCELLED"
    rejected(-1006, engine.cancel_order_by_client_id, ACCOUNT, ETH, "zzz")
    rejected(-1006, engine.order_by_client_id, ACCOUNT, "zzz")


def test_cancel_status_filters_and_cancel_all() -> None:
    engine = make_engine()
    a = engine.create_order(ACCOUNT, req(ETH, BUY, "1", price="2400"))
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", price="2300"))
    engine.create_order(ACCOUNT, req(BTC, BUY, "0.001", price="59000"))
    engine.create_order(ACCOUNT, req(ETH, BUY, "0.1"))  # filled
    rejected(-1006, engine.cancel_order, ACCOUNT, BTC, a.order_id)  # wrong symbol
    engine.cancel_order(ACCOUNT, ETH, a.order_id)
    rejected(-1006, engine.cancel_order, ACCOUNT, ETH, a.order_id)  # already cancelled
    rejected(-1006, engine.order, ACCOUNT, 999)
    assert [o.status for o in engine.orders(ACCOUNT, status="INCOMPLETE")] == ["NEW", "NEW"]
    assert {o.status for o in engine.orders(ACCOUNT, status="COMPLETED")} == {"CANCELLED", "FILLED"}
    assert len(engine.orders(ACCOUNT, symbol=ETH)) == 3
    rejected(-1005, engine.orders, ACCOUNT, None, "BOGUS")
    assert engine.cancel_all(ACCOUNT, ETH) == 1
    assert engine.cancel_all(ACCOUNT, None) == 1
    assert engine.orders(ACCOUNT, status="NEW") == []


def test_orders_of_other_accounts_are_invisible() -> None:
    engine = make_engine()
    engine.create_account("0xother", D(1000))
    mine = engine.create_order(ACCOUNT, req(ETH, BUY, "1", price="2400"))
    rejected(-1006, engine.order, "0xother", mine.order_id)
    rejected(-1006, engine.cancel_order, "0xother", ETH, mine.order_id)
    assert engine.orders("0xother") == []
    rejected(-1000, engine.orders, "0xnobody")


def test_pending_orders_hold_margin_until_cancelled() -> None:
    engine = make_engine("1000")
    iso = engine.create_order(ACCOUNT, req(ETH, BUY, "2", ISOLATED, price="2400"))
    assert engine.holding(ACCOUNT).isolated_order_frozen == D("482.88")  # 4800·(0.1+0.0006)
    engine.create_order(ACCOUNT, req(ETH, BUY, "2", CROSS, price="2400"))  # IM 480
    assert engine.account_summary(ACCOUNT).free_collateral == D("37.12")
    rejected(-1101, engine.create_order, ACCOUNT, req(ETH, BUY, "1", CROSS, price="2400"))
    engine.cancel_order(ACCOUNT, ETH, iso.order_id)
    assert engine.holding(ACCOUNT).isolated_order_frozen == 0
    assert engine.account_summary(ACCOUNT).free_collateral == 520


def test_edit_order_revalidates_and_can_fill() -> None:
    engine = make_engine("1000")
    ack = engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED, price="2400"))
    edited = engine.edit_order(ACCOUNT, ack.order_id, D("2450"), D("2"))
    assert (edited.price, edited.quantity, edited.status) == (2450, 2, "NEW")
    assert engine.holding(ACCOUNT).isolated_order_frozen == D("492.94")
    rejected(-1101, engine.edit_order, ACCOUNT, ack.order_id, None, D("5"))
    rejected(-1103, engine.edit_order, ACCOUNT, ack.order_id, D("2450.001"), None)
    assert engine.order(ACCOUNT, ack.order_id).quantity == 2  # unchanged by the refusals
    filled = engine.edit_order(ACCOUNT, ack.order_id, D("2510"), None)  # now marketable
    assert (filled.status, filled.average_executed_price) == ("FILLED", 2500)
    rejected(-1006, engine.edit_order, ACCOUNT, ack.order_id, D("2400"), None)


# ---- what the fills announcer relies on: totals, trade ids, partial fills, rejections ------
def _resting_buy(qty: str = "1") -> tuple[PaperEngine, int]:
    engine = make_engine()
    ack = engine.create_order(ACCOUNT, req(ETH, BUY, qty, ISOLATED, price="2400"))
    engine.drain_events()
    return engine, ack.order_id


def _executions(engine: PaperEngine) -> list[ExecutionEvent]:
    return [e for e in engine.drain_events() if isinstance(e, ExecutionEvent)]


def test_resting_fill_carries_trade_id_and_fee_totals() -> None:
    engine, order_id = _resting_buy()
    engine.set_mark(ETH, D("2399"))
    (fill,) = _executions(engine)
    assert fill.order.order_id == order_id and fill.trade_id > 0 and fill.last_fill_qty == 1
    assert fill.order.status == "FILLED" and fill.order.total_fee == fill.fee == D("0.72")


def test_depth_gives_partial_fills_then_the_rest() -> None:
    engine, _ = _resting_buy("1")
    engine.set_depth(ETH, D("0.4"))
    engine.set_mark(ETH, D("2399"))
    first = _executions(engine)
    assert [(e.last_fill_qty, e.order.status) for e in first] == [(D("0.4"), "PARTIAL_FILLED")]
    engine.set_depth(ETH, None)
    engine.set_mark(ETH, D("2398"))
    second = _executions(engine)
    assert [(e.last_fill_qty, e.order.status) for e in second] == [(D("0.6"), "FILLED")]
    assert second[0].trade_id > first[0].trade_id
    assert second[0].order.total_fee == first[0].fee + second[0].fee


def test_exchange_rejects_a_resting_order_with_a_reason() -> None:
    engine, order_id = _resting_buy()
    engine.reject_order(ACCOUNT, order_id, "risk check failed")
    (event,) = _executions(engine)
    assert (event.order.status, event.order.reason, event.trade_id) == (
        "REJECTED", "risk check failed", 0)
    rejected(-1006, engine.reject_order, ACCOUNT, order_id, "again")
