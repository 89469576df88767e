"""FillWatcher over a fake order feed: pushes and REST rounds of the same events tell each once,
across a switch between them and across a restart; the first round is a baseline; what a card
reported is not repeated; notices arriving together leave as one batch."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from sqlite_utils import Database

from bot.domain.fills import NoticeKind
from bot.domain.models import (
    AccountSummary,
    Liquidation,
    MarginMode,
    Order,
    OrderType,
    PositionsSnapshot,
    Side,
)
from bot.orderly.stream import (
    ConnectionEvent,
    ConnectionState,
    ExecutionEvent,
    LiquidationEvent,
)
from bot.services.monitor.fill_watcher import FillWatcher, NoticeBatch
from bot.timing import FakeClock

D = Decimal
ETH = "PERP_ETH_USDC"


def order(order_id: int, executed: str = "0", status: str = "NEW", updated: int = 1000,
          fee: str = "0") -> Order:  # fmt: skip
    done = D(executed)
    return Order(order_id=order_id, symbol=ETH, side=Side.BUY, order_type=OrderType.LIMIT,
                 price=D("2400"), quantity=D("1"), executed_quantity=done, status=status,
                 margin_mode=MarginMode.ISOLATED, average_executed_price=D("2400") if done else
                 None, updated_time=updated, total_fee=D(fee))  # fmt: skip


@dataclass
class FakeFeed:
    """The exchange's order book as REST shows it (newest state per order id)."""

    orders: dict[int, Order] = field(default_factory=dict)
    reads: int = 0

    def put(self, *orders: Order) -> None:
        self.orders.update({o.order_id: o for o in orders})

    async def get_orders(self, symbol: str | None = None, status: str = "INCOMPLETE", *,
                         page: int = 1, size: int = 100, pages: int = 10) -> list[Order]:
        self.reads += 1
        wanted = {"INCOMPLETE": {"NEW", "PARTIAL_FILLED"}, "COMPLETED": {"FILLED", "CANCELLED"},
                  "REJECTED": {"REJECTED"}}[status]  # fmt: skip
        return [o for o in self.orders.values() if o.status in wanted][:size]

    async def get_order(self, order_id: int) -> Order:
        return self.orders[order_id]

    async def get_positions(self) -> PositionsSnapshot:
        return PositionsSnapshot(AccountSummary(D(0), D(0)), ())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def watcher(db: Database, feed: FakeFeed, clock: FakeClock, sent: list[NoticeBatch],
            ) -> FillWatcher:  # fmt: skip
    async def sink(batch: NoticeBatch) -> None:
        sent.append(batch)

    return FillWatcher(db, sink, clock=clock, client=feed, group_window=1.0)


def kinds(sent: list[NoticeBatch]) -> list[list[tuple[int, NoticeKind, Decimal]]]:
    return [[(n.order.order_id if n.order else 0, n.kind, n.qty) for n in b.notices] for b in sent]


async def settle(w: FillWatcher, clock: FakeClock) -> None:
    clock.advance(1.5)
    await w.tick()


async def test_first_round_is_a_baseline_then_a_push_and_rest_tell_one_fill(
    db: Database, clock: FakeClock
) -> None:
    feed, sent = FakeFeed(), []
    feed.put(order(1, "1", "FILLED", 500), order(2))
    w = watcher(db, feed, clock, sent)
    await w.poll_once()
    await settle(w, clock)
    assert sent == []  # history is not news
    filled = order(2, "1", "FILLED", 2000, "0.72")
    await w.on_stream_event(ExecutionEvent(filled, D("1"), D("2400"), D("0.72"), trade_id=5))
    feed.put(filled)
    await w.poll_once()  # the REST round sees the same fill
    await settle(w, clock)
    assert kinds(sent) == [[(2, NoticeKind.FILLED, D("1"))]]
    assert sent[0].notices[0].fee == D("0.72") and sent[0].positions == {}


async def test_fills_missed_while_the_stream_was_down_are_told_once_after_the_switch(
    db: Database, clock: FakeClock
) -> None:
    feed, sent = FakeFeed(), []
    feed.put(order(3))
    w = watcher(db, feed, clock, sent)
    await w.poll_once()
    partial = order(3, "0.4", "PARTIAL_FILLED", 2000, "0.288")
    await w.on_stream_event(ExecutionEvent(partial, D("0.4"), D("2400"), D("0.288"), trade_id=1))
    await w.on_stream_event(ConnectionEvent(ConnectionState.DISCONNECTED))
    feed.put(order(3, "1", "FILLED", 3000, "0.72"))  # the rest fills while it is down
    await w.poll_once()
    await w.on_stream_event(ConnectionEvent(ConnectionState.CONNECTED))
    # the reconnected stream replays the last report: nothing new
    await w.on_stream_event(ExecutionEvent(order(3, "1", "FILLED", 3000, "0.72"), D("0.6"),
                                           D("2400"), D("0.432"), trade_id=2))  # fmt: skip
    await settle(w, clock)
    assert kinds(sent) == [[(3, NoticeKind.FILLED, D("1"))]]  # one batch, the whole fill
    await w.poll_once()
    await settle(w, clock)
    assert len(sent) == 1


async def test_a_restart_tells_what_happened_meanwhile_and_nothing_twice(
    db: Database, clock: FakeClock
) -> None:
    feed, sent = FakeFeed(), []
    feed.put(order(4), order(5))
    first = watcher(db, feed, clock, sent)
    await first.poll_once()
    feed.put(order(4, "1", "FILLED", 2000))
    await first.poll_once()
    await settle(first, clock)
    assert kinds(sent) == [[(4, NoticeKind.FILLED, D("1"))]]
    # the bot stops; order 5 is cancelled by the exchange and order 6 placed and filled
    feed.put(replace(order(5, status="CANCELLED", updated=3000), reason="liquidation"),
             order(6, "1", "FILLED", 3500))
    second = watcher(db, feed, clock, sent)
    await second.poll_once()
    await settle(second, clock)
    assert kinds(sent)[1:] == [[(5, NoticeKind.CANCELLED, D("1")), (6, NoticeKind.FILLED, D("1"))]]
    third = watcher(db, feed, clock, sent)
    await third.poll_once()
    await settle(third, clock)
    assert len(sent) == 2


async def test_a_card_reported_fill_and_a_users_cancel_are_not_repeated(
    db: Database, clock: FakeClock
) -> None:
    feed, sent = FakeFeed(), []
    w = watcher(db, feed, clock, sent)
    await w.poll_once()
    market = replace(order(7, "1", "FILLED", 2000), order_type=OrderType.MARKET, price=None)
    await w.on_stream_event(ExecutionEvent(market, D("1"), D("2400"), D("0.72"), trade_id=1))
    w.reported(market)  # the card's read-back, inside the grouping window
    resting = order(8)
    w.cancelling([resting])
    await w.on_stream_event(ExecutionEvent(replace(resting, status="CANCELLED"), D(0), D(0),
                                           D(0)))  # fmt: skip
    await settle(w, clock)
    assert sent == []


async def test_liquidation_trade_told_once_and_grouped_with_a_fill(
    db: Database, clock: FakeClock
) -> None:
    feed, sent = FakeFeed(), []
    w = watcher(db, feed, clock, sent)
    await w.poll_once()
    liq = Liquidation(1, 2000, ETH, MarginMode.ISOLATED, D("1"), D("2262.5"))
    await w.on_stream_event(LiquidationEvent((liq,)))
    await w.on_stream_event(LiquidationEvent((liq,)))  # repeated push
    await w.on_stream_event(ExecutionEvent(order(9, "1", "FILLED", 2100), D(1), D(2400), D(0)))
    await settle(w, clock)
    assert kinds(sent) == [[(9, NoticeKind.FILLED, D("1")), (0, NoticeKind.LIQUIDATION, D("1"))]]


async def test_notices_of_an_order_whose_press_is_still_running_wait_for_its_card(
    db: Database, clock: FakeClock
) -> None:
    feed, sent = FakeFeed(), []
    w = watcher(db, feed, clock, sent)
    await w.poll_once()
    db.execute(
        "INSERT INTO approvals (token, kind, chat_id, user_id, action, state, created_at,"
        " expires_at, intent) VALUES ('t1', 'order', 1, 1, '{}', 'executing', 0, 60, ?)",
        ['{"client_order_id": "md-1"}'],
    )
    placed = replace(order(10, "1", "FILLED", 2000), client_order_id="md-1")
    await w.on_stream_event(ExecutionEvent(placed, D(1), D(2400), D(0)))
    await settle(w, clock)
    assert sent == []  # held: the card has not spoken yet
    db.execute("UPDATE approvals SET state = 'unknown' WHERE token = 't1'")  # no read-back
    await settle(w, clock)
    assert kinds(sent) == [[(10, NoticeKind.FILLED, D("1"))]]  # so the notice tells it


async def test_an_order_the_exchange_forgot_does_not_block_the_rest_round(
    db: Database, clock: FakeClock
) -> None:
    from bot.errors import ExchangeRejected

    class Forgetful(FakeFeed):
        async def get_order(self, order_id: int) -> Order:
            if order_id == 11:
                raise ExchangeRejected(-1006, "order 11 not found")
            return await super().get_order(order_id)

    feed, sent = Forgetful(), []
    feed.put(order(11), order(12))
    w = watcher(db, feed, clock, sent)
    await w.poll_once()
    del feed.orders[11]
    feed.put(order(12, "1", "FILLED", 2000))
    await w.poll_once()
    await settle(w, clock)
    assert kinds(sent) == [[(12, NoticeKind.FILLED, D("1"))]]
    await w.poll_once()  # no longer asked about
    await settle(w, clock)
    assert len(sent) == 1
