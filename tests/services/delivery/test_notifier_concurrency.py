"""The notifier with slow Bot API calls in flight together, on virtual time: rate, order, 429."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.error import TimedOut

from bot.services.delivery.notifier import DeliveryFailed, DeliveryStatus, Notifier, Priority
from bot.timing import FakeClock
from tests.services.delivery.test_notifier import FakeBot, flood


class VirtualTime:
    """Fake time for many waiters: sleep() parks until run() has moved the clock to its deadline."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    async def sleep(self, delay: float) -> None:
        future = asyncio.get_running_loop().create_future()
        deadline = self.clock.monotonic() + max(delay, 0.0)
        heapq.heappush(self._timers, (deadline, next(self._seq), future))
        await future  # a cancelled sleeper cancels the future, and run() skips it

    async def run(self, awaitable: Awaitable[Any], limit: float = 3600.0) -> Any:
        """Await `awaitable`, moving the clock to the next deadline whenever all tasks wait."""
        task = asyncio.ensure_future(awaitable)
        end = self.clock.monotonic() + limit
        while True:
            await settle()
            if task.done():
                return task.result()
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)
            assert self._timers, "deadlock: every task waits and no timer is set"
            deadline = self._timers[0][0]
            assert deadline <= end, "still running when the time limit ran out"
            self.clock.advance(max(deadline - self.clock.monotonic(), 0.0))
            while self._timers and self._timers[0][0] <= deadline:
                future = heapq.heappop(self._timers)[2]
                if not future.done():
                    future.set_result(None)


async def settle() -> None:
    """Yield until no other callback is ready to run (every task waits on fake time or events)."""
    loop = asyncio.get_running_loop()
    ready = getattr(loop, "_ready", None)  # CPython's run queue; else yield a fixed number of times
    for _ in range(100_000 if ready is not None else 200):
        await asyncio.sleep(0)
        if ready is not None and not ready:
            return


@dataclass
class SlowBot(FakeBot):
    """A FakeBot whose calls take `latency(text)` of fake time; it watches what is in flight."""

    sleep: Callable[[float], Awaitable[None]] | None = None
    latency: Callable[[str], float] = lambda text: 0.2
    starts: list[tuple[Any, str, float]] = field(default_factory=list)
    events: list[tuple[str, Any, float]] = field(default_factory=list)  # starts and answers
    busy: list[Any] = field(default_factory=list)  # chats with a call in flight
    overlaps: list[Any] = field(default_factory=list)  # chats that had two at once
    peak: int = 0

    async def send_message(self, chat_id, text, **kw):  # type: ignore[override]
        if chat_id in self.busy:
            self.overlaps.append(chat_id)
        self.busy.append(chat_id)
        self.peak = max(self.peak, len(self.busy))
        self.starts.append((chat_id, text, self.clock.monotonic()))
        self.events.append(("start", chat_id, self.clock.monotonic()))
        try:
            assert self.sleep is not None
            await self.sleep(self.latency(text))
            self.events.append(("answer", chat_id, self.clock.monotonic()))
            return await super().send_message(chat_id, text, **kw)
        finally:
            self.busy.remove(chat_id)


def most_in_one_second(times: list[float]) -> int:
    """The most starts in any window [t, t + 1 s)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + 1.0 - 1e-9) - i for i, t in enumerate(times))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vt(clock: FakeClock) -> VirtualTime:
    return VirtualTime(clock)


@pytest.fixture
def bot(clock: FakeClock, vt: VirtualTime) -> SlowBot:
    return SlowBot(clock, sleep=vt.sleep)


def make(bot: SlowBot, clock: FakeClock, vt: VirtualTime, **kw: Any) -> Notifier:
    return Notifier(bot, clock=clock, sleep=vt.sleep, **kw)


async def drain(notifier: Notifier, vt: VirtualTime) -> None:
    """Start, let everything queued go out on virtual time, stop."""
    await notifier.start()
    await vt.run(notifier.stop(drain=True))


async def test_thirty_per_second_when_each_call_takes_200_ms(bot: SlowBot, clock, vt):
    notifier = make(bot, clock, vt)  # the default max_in_flight
    start = clock.monotonic()
    deliveries = [await notifier.send(chat, f"hi {chat}", priority=Priority.INFO)
                  for chat in range(1000)]  # fmt: skip
    await drain(notifier, vt)
    assert all(d.status is DeliveryStatus.SENT for d in deliveries) and len(bot.calls) == 1000
    starts = [t for _, _, t in bot.starts]
    assert most_in_one_second(starts) == 30
    assert 33.0 <= clock.monotonic() - start < 35.0  # ≈ 30/s, where one at a time gives 5/s
    assert 1 < bot.peak <= 16 and bot.overlaps == []


async def test_one_request_at_a_time_is_latency_bound(bot: SlowBot, clock, vt):
    notifier = make(bot, clock, vt, max_in_flight=1)
    start = clock.monotonic()
    for chat in range(50):
        await notifier.send(chat, f"hi {chat}", priority=Priority.INFO)
    await drain(notifier, vt)
    assert len(bot.calls) == 50 and bot.peak == 1
    assert clock.monotonic() - start == pytest.approx(10.0)  # 5/s at 200 ms a call


async def test_a_chat_never_has_two_in_flight_and_keeps_its_order(bot: SlowBot, clock, vt):
    bot.latency = lambda text: 2.5 if text.endswith("#0") else 0.2  # slower than the pacing
    notifier = make(bot, clock, vt)
    for n in range(4):
        for chat in (1, 2, 3, -100):
            await notifier.send(chat, f"{chat} #{n}", priority=Priority.INFO)
    long_text = "\n".join(f"row {i:03d} " + "x" * 60 for i in range(150))  # three parts
    split = await notifier.send(4, long_text, priority=Priority.WARNING)
    after = await notifier.send(4, "after the table", priority=Priority.WARNING)
    await drain(notifier, vt)
    assert bot.overlaps == [] and bot.peak > 1
    for chat in (1, 2, 3, -100):
        sent = [c for c in bot.calls if c.chat_id == chat]
        assert [c.text for c in sent] == [f"{chat} #{n}" for n in range(4)]
        starts = [t for c, _, t in bot.starts if c == chat]
        assert all(b - a >= 2.5 for a, b in itertools.pairwise(starts[:2]))  # waited for #0
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(starts))
    table = [c for c in bot.calls if c.chat_id == 4]
    assert len(table) == 4 and table[-1].text == "after the table"
    assert "".join(c.text for c in table[:-1]).replace("\n", "") == long_text.replace("\n", "")
    assert await split == [c.message_id for c in table[:-1]] and await after


async def test_criticals_queued_after_warnings_start_first_when_a_slot_frees(
    bot: SlowBot, clock, vt
):
    bot.latency = lambda text: 0.5
    notifier = make(bot, clock, vt, max_in_flight=2)
    await notifier.start()
    for chat in range(1, 7):
        await notifier.send(chat, f"warning {chat}", priority=Priority.WARNING)
    await settle()
    assert [text for _, text, _ in bot.starts] == ["warning 1", "warning 2"]
    await notifier.send(9, "info", priority=Priority.INFO)
    await notifier.reply(8, "reply")
    await notifier.send(7, "CRITICAL", priority=Priority.CRITICAL)
    await vt.run(notifier.stop(drain=True))
    assert [text for _, text, _ in bot.starts] == [
        "warning 1", "warning 2", "CRITICAL", "reply",
        "warning 3", "warning 4", "warning 5", "warning 6", "info",
    ]  # fmt: skip
    assert bot.peak == 2


async def test_a_critical_waits_for_its_chats_send_in_flight(bot: SlowBot, clock, vt):
    bot.latency = lambda text: 3.0 if text == "warning" else 0.2  # slower than the pacing
    notifier = make(bot, clock, vt)
    await notifier.start()
    start = clock.monotonic()
    await notifier.send(1, "warning", priority=Priority.WARNING)
    await settle()
    await notifier.send(1, "CRITICAL", priority=Priority.CRITICAL)
    await notifier.send(2, "other chat", priority=Priority.INFO)
    await vt.run(notifier.stop(drain=True))
    assert bot.overlaps == [] and bot.texts() == ["other chat", "warning", "CRITICAL"]
    assert [(text, t - start) for _, text, t in bot.starts] == [
        ("warning", 0.0), ("other chat", 0.0), ("CRITICAL", 3.0),
    ]  # fmt: skip


async def test_a_429_on_one_in_flight_send_pauses_new_starts_and_retries_it_once(
    bot: SlowBot, clock, vt
):
    bot.fail(flood(2), when=lambda c: c.chat_id == 50)  # answered 200 ms after it started
    notifier = make(bot, clock, vt)
    deliveries = [await notifier.send(chat, f"hi {chat}", priority=Priority.INFO)
                  for chat in range(120)]  # fmt: skip
    await drain(notifier, vt)
    assert [kind for kind, chat, _ in bot.events if chat == 50] == ["start", "answer"] * 2
    refused = bot.events.index(next(e for e in bot.events if e[:2] == ("answer", 50)))
    refused_at = bot.events[refused][2]
    later = [(chat, t) for kind, chat, t in bot.events[refused:] if kind == "start"]
    assert later[0] == (50, pytest.approx(refused_at + 2.0))  # nothing during the pause; it first
    assert len(later) > 1 and later[1][1] >= refused_at + 2.0
    resumed = later[0][1]
    under_way = [c for kind, c, t in bot.events[refused + 1 :] if kind == "answer" and t < resumed]
    assert len(under_way) >= 5  # the sends already started when the 429 came finish meanwhile
    assert [c.chat_id for c in bot.calls].count(50) == 1 and len(bot.calls) == 120
    assert await deliveries[50] == [next(c.message_id for c in bot.calls if c.chat_id == 50)]
    assert all(d.status is DeliveryStatus.SENT for d in deliveries)
    assert notifier.stats.retried_429 == 1 and notifier.stats.sent == 120


async def test_an_alert_in_flight_is_not_replaced_but_the_pending_one_is(bot: SlowBot, clock, vt):
    bot.latency = lambda text: 0.5
    notifier = make(bot, clock, vt)
    await notifier.start()
    first = await notifier.send(1, "ETH 5% away", priority=Priority.WARNING, coalesce_key="ETH")
    await settle()
    assert bot.busy == [1]
    stale = await notifier.send(1, "ETH 4% away", priority=Priority.WARNING, coalesce_key="ETH")
    last = await notifier.send(1, "ETH 2% away", priority=Priority.CRITICAL, coalesce_key="ETH")
    await vt.run(notifier.stop(drain=True))
    assert bot.texts() == ["ETH 5% away", "ETH 2% away"]
    assert await first and await last and stale.status is DeliveryStatus.SUPERSEDED


async def test_a_hanging_chat_times_out_without_holding_up_the_others(bot: SlowBot, clock, vt):
    bot.latency = lambda text: 5.0 if text == "slow" else 0.2
    bot.fail(TimedOut(), when=lambda c: c.text == "slow")
    notifier = make(bot, clock, vt, max_in_flight=4)
    start = clock.monotonic()
    slow = await notifier.send(1, "slow", priority=Priority.CRITICAL)
    others = [await notifier.send(chat, f"to {chat}", priority=Priority.INFO)
              for chat in range(2, 32)]  # fmt: skip
    await drain(notifier, vt)
    assert await slow and all(d.status is DeliveryStatus.SENT for d in others)
    at = {c.text: c.at - start for c in bot.calls}
    assert max(at[f"to {chat}"] for chat in range(2, 32)) < 5.0  # while "slow" hung
    assert at["slow"] == pytest.approx(5.0 + 1.0 + 5.0)  # timed out, backed off 1 s, tried again
    assert notifier.stats.retried_network == 1


async def test_stop_with_drain_waits_for_what_is_in_flight(bot: SlowBot, clock, vt):
    notifier = make(bot, clock, vt)
    await notifier.start()
    deliveries = [await notifier.send(chat, "x", priority=Priority.INFO) for chat in range(3)]
    await settle()
    assert len(bot.busy) == 3
    await vt.run(notifier.stop(drain=True))
    assert all(d.status is DeliveryStatus.SENT for d in deliveries) and not bot.busy


async def test_stop_without_drain_cancels_what_is_in_flight(bot: SlowBot, clock, vt):
    notifier = make(bot, clock, vt)
    await notifier.start()
    deliveries = [await notifier.send(chat, "x", priority=Priority.INFO) for chat in range(3)]
    queued = await notifier.send(0, "second to chat 0", priority=Priority.INFO)
    await settle()
    await notifier.stop(drain=False)
    assert not bot.busy and bot.calls == [] and notifier.pending == 0
    for delivery in [*deliveries, queued]:
        with pytest.raises(DeliveryFailed, match="stopped"):
            await delivery
