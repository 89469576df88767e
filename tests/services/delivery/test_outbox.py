"""The pure queue and pacing: send order, coalescing and Telegram's budgets."""

from __future__ import annotations

from bot.services.delivery.outbox import Outbox, OutItem, Pacer, Priority


def item(chat: int, text: str, priority: Priority = Priority.INFO, key: str | None = None):
    return OutItem(chat, [text], priority, coalesce_key=key)


def order(box: Outbox) -> list[str]:
    return [i.chunks[0] for i in box.items()]


def free_pacer() -> Pacer:
    return Pacer(per_chat_interval=0.0, group_per_minute=10**6, global_per_second=10**6)


def test_priority_first_then_fifo() -> None:
    box = Outbox()
    for text, prio in [("w1", Priority.WARNING), ("i1", Priority.INFO), ("w2", Priority.WARNING),
                       ("c1", Priority.CRITICAL), ("r1", Priority.REPLY)]:  # fmt: skip
        box.push(item(1, text, prio))
    assert order(box) == ["c1", "r1", "w1", "w2", "i1"]


def test_newer_pending_alert_replaces_older_in_its_place() -> None:
    box = Outbox()
    box.push(item(1, "5% away", Priority.WARNING, key="ETH"))
    box.push(item(1, "other", Priority.WARNING))
    replaced = box.push(item(1, "4% away", Priority.WARNING, key="ETH"))
    assert replaced is not None and replaced.chunks == ["5% away"]
    assert order(box) == ["4% away", "other"]


def test_escalation_replaces_and_moves_to_the_higher_priority() -> None:
    box = Outbox()
    box.push(item(1, "5% away", Priority.WARNING, key="ETH"))
    box.push(item(2, "5% away", Priority.WARNING, key="ETH"))  # another chat: kept
    box.push(item(1, "BTC", Priority.WARNING, key="BTC"))  # another position: kept
    box.push(item(1, "2% away", Priority.CRITICAL, key="ETH"))
    assert [(i.chat_id, i.chunks[0]) for i in box.items()] == [
        (1, "2% away"), (2, "5% away"), (1, "BTC"),
    ]  # fmt: skip


def test_an_item_already_going_out_is_not_replaced() -> None:
    box = Outbox()
    first = item(1, "5% away", key="ETH")
    box.push(first)
    first.in_flight = True
    assert box.push(item(1, "4% away", key="ETH")) is None
    assert order(box) == ["5% away", "4% away"]
    box.remove(first)
    assert box.push(item(1, "3% away", key="ETH")) is not None  # the pending one is replaced
    assert order(box) == ["3% away"]


def test_drop_chat_removes_only_that_chat() -> None:
    box = Outbox()
    for chat in (1, 2, 1):
        box.push(item(chat, f"to {chat}"))
    assert [i.chat_id for i in box.drop_chat(1)] == [1, 1]
    assert order(box) == ["to 2"]


def test_per_chat_interval() -> None:
    pacer = Pacer(per_chat_interval=1.0, group_per_minute=20, global_per_second=30)
    assert pacer.ready_at(1, 100.0) == 100.0
    pacer.record(1, 100.0)
    assert pacer.ready_at(1, 100.2) == 101.0
    assert pacer.ready_at(2, 100.2) == 100.2


def test_global_window_of_thirty_per_second() -> None:
    pacer = Pacer(per_chat_interval=1.0, group_per_minute=20, global_per_second=30)
    for n in range(30):
        pacer.record(n, 100.0 + n * 0.01)
    assert pacer.global_ready_at(100.5) == 101.0
    assert pacer.ready_at(999, 100.5) == 101.0
    assert pacer.global_ready_at(101.0) == 101.0


def test_group_twenty_per_minute() -> None:
    pacer = Pacer(per_chat_interval=1.0, group_per_minute=20, global_per_second=30)
    for n in range(20):
        pacer.record(-100, 100.0 + n)
    assert pacer.ready_at(-100, 120.0) == 160.0
    assert pacer.ready_at(5, 120.0) == 120.0  # a private chat is not affected


def test_pause_holds_everything() -> None:
    pacer = Pacer(per_chat_interval=1.0, group_per_minute=20, global_per_second=30)
    pacer.pause(103.0)
    assert pacer.ready_at(1, 100.0) == 103.0


def test_next_ready_skips_a_waiting_chat_without_reordering_it() -> None:
    pacer = Pacer(per_chat_interval=1.0, group_per_minute=20, global_per_second=30)
    box = Outbox()
    box.push(item(1, "a1", Priority.CRITICAL))
    box.push(item(1, "a2", Priority.WARNING))
    box.push(item(2, "b1", Priority.INFO))
    pacer.record(1, 100.0)
    ready, _ = box.next_ready(pacer, 100.5)
    assert ready is not None and ready.chunks == ["b1"]  # chat 1 waits; chat 2 need not
    box.remove(ready)
    pacer.record(2, 100.5)
    assert box.next_ready(pacer, 100.6) == (None, 101.0)
    ready, _ = box.next_ready(pacer, 101.0)
    assert ready is not None and ready.chunks == ["a1"]


def test_backoff_of_one_item_holds_its_chat_only() -> None:
    box = Outbox()
    first = item(1, "a1", Priority.CRITICAL)
    first.not_before = 105.0
    box.push(first)
    box.push(item(1, "a2", Priority.INFO))
    box.push(item(2, "b1", Priority.INFO))
    ready, _ = box.next_ready(free_pacer(), 100.0)
    assert ready is not None and ready.chunks == ["b1"]
    box.remove(ready)
    assert box.next_ready(free_pacer(), 100.0) == (None, 105.0)
    assert Outbox().next_ready(free_pacer(), 100.0) == (None, None)


def test_a_chat_with_an_item_in_flight_sends_nothing_else() -> None:
    box = Outbox()
    going = item(1, "a1", Priority.INFO)
    box.push(going)
    box.push(item(1, "a2", Priority.CRITICAL))  # even a higher priority waits for its chat
    box.push(item(2, "b1", Priority.INFO))
    going.in_flight = True
    ready, _ = box.next_ready(free_pacer(), 100.0)
    assert ready is not None and ready.chunks == ["b1"]
    box.remove(ready)
    assert box.next_ready(free_pacer(), 100.0) == (None, None)  # woken when a1 is answered
    going.in_flight = False
    ready, _ = box.next_ready(free_pacer(), 100.0)
    assert ready is not None and ready.chunks == ["a2"]


def test_refusals_go_last_and_only_from_half_the_group_budget() -> None:
    pacer = Pacer(per_chat_interval=0.0, group_per_minute=20, global_per_second=30)
    box, group, now = Outbox(), -100, 0.0
    for n in range(30):
        box.push(item(group, f"refusal {n}", Priority.REFUSAL))
    sent = []
    while (found := box.next_ready(pacer, now))[0] is not None:
        pacer.record(group, now)
        box.remove(found[0])
        sent.append(found[0].chunks[0])
    assert len(sent) == 10  # half of 20/min: the other half is kept for everything else
    assert box.next_ready(pacer, now) == (None, 60.0)  # when the oldest refusal leaves the window
    box.push(item(group, "warning", Priority.WARNING))
    box.push(item(group, "reply", Priority.REPLY))
    for expected in ("reply", "warning"):
        chosen, _ = box.next_ready(pacer, now)
        assert chosen is not None and chosen.chunks[0] == expected
        pacer.record(group, now)
        box.remove(chosen)


def test_refusals_use_half_the_global_budget() -> None:
    pacer = Pacer(per_chat_interval=1.0, group_per_minute=20, global_per_second=30)
    for chat in range(15):
        pacer.record(chat, 0.0)
    assert pacer.ready_at(99, 0.0, share=0.5) == 1.0
    assert pacer.ready_at(99, 0.0) == 0.0
