"""The notifier against a scripted fake bot, on a fake clock: order, pacing, and no lost alert."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.services.delivery.notifier import DeliveryFailed, DeliveryStatus, Notifier, Priority
from bot.services.delivery.outbox import OutItem
from bot.services.delivery.splitting import utf16_len
from bot.timing import FakeClock
from tests.services.delivery.test_splitting import assert_valid, rendered


@dataclass
class Call:
    method: str
    chat_id: Any
    text: str
    parse_mode: str | None
    reply_markup: Any
    disable_notification: bool
    message_id: int
    at: float


@dataclass
class FakeBot:
    """Records successful calls; raises scripted errors for calls matching a predicate."""

    clock: FakeClock
    calls: list[Call] = field(default_factory=list)
    attempts: int = 0
    script: list[tuple[Callable[[Call], bool], Exception, int]] = field(default_factory=list)
    next_id: int = 100
    photos: list[tuple[str, bytes]] = field(default_factory=list)

    def fail(self, exc: Exception, when: Callable[[Call], bool] = lambda c: True, times=1) -> None:
        self.script.append((when, exc, times))

    def _handle(self, call: Call) -> Call:
        self.attempts += 1
        for n, (when, exc, times) in enumerate(self.script):
            if when(call):
                if times > 1:
                    self.script[n] = (when, exc, times - 1)
                else:
                    del self.script[n]
                raise exc
        self.calls.append(call)
        return call

    async def send_message(self, chat_id, text, parse_mode=None, reply_markup=None,
                           disable_notification=False, **kw):  # fmt: skip
        self.next_id += 1
        call = Call("send", chat_id, text, parse_mode, reply_markup, disable_notification,
                    self.next_id, self.clock.monotonic())  # fmt: skip
        return SimpleNamespace(message_id=self._handle(call).message_id)

    async def send_photo(self, chat_id, photo, caption=None, parse_mode=None, reply_markup=None,
                         disable_notification=False, **kw):  # fmt: skip
        self.next_id += 1
        call = Call("photo", chat_id, caption, parse_mode, reply_markup, disable_notification,
                    self.next_id, self.clock.monotonic())  # fmt: skip
        message_id = self._handle(call).message_id
        self.photos.append((photo.filename, photo.input_file_content))  # delivered ones only
        return SimpleNamespace(message_id=message_id)

    async def edit_message_text(self, text, chat_id=None, message_id=None, parse_mode=None,
                                reply_markup=None, **kw):  # fmt: skip
        self._handle(Call("edit", chat_id, text, parse_mode, reply_markup, False, message_id,
                          self.clock.monotonic()))  # fmt: skip
        return True

    def texts(self) -> list[str]:
        return [c.text for c in self.calls]


def flood(retry_after: int | dt.timedelta) -> RetryAfter:
    """A 429 as PTB raises it (quietly: PTB 22 warns about the int form)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RetryAfter(retry_after)


class FakeSleep:
    """Moves the fake clock instead of sleeping, and remembers each delay."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.clock.advance(delay)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bot(clock: FakeClock) -> FakeBot:
    return FakeBot(clock)


@pytest.fixture
def sleep(clock: FakeClock) -> FakeSleep:
    return FakeSleep(clock)


@pytest.fixture
def notifier(bot: FakeBot, clock: FakeClock, sleep: FakeSleep) -> Notifier:
    return Notifier(bot, clock=clock, sleep=sleep)


async def run(notifier: Notifier) -> None:
    """Start, let everything queued go out, stop."""
    await notifier.start()
    await asyncio.wait_for(notifier.stop(drain=True), timeout=10)


async def test_critical_queued_after_warnings_goes_first(notifier: Notifier, bot: FakeBot):
    for n in range(3):
        await notifier.send(1, f"warning {n}", priority=Priority.WARNING)
    await notifier.send(2, "info", priority=Priority.INFO)
    await notifier.send(1, "CRITICAL", priority=Priority.CRITICAL)
    await notifier.reply(1, "reply")
    await run(notifier)
    assert [(c.chat_id, c.text) for c in bot.calls] == [
        (1, "CRITICAL"), (2, "info"), (1, "reply"),
        (1, "warning 0"), (1, "warning 1"), (1, "warning 2"),
    ]  # fmt: skip


async def test_fifo_within_a_priority(notifier: Notifier, bot: FakeBot):
    for n in range(6):
        await notifier.send(n % 2, f"m{n}", priority=Priority.INFO)
    await run(notifier)
    assert bot.texts() == ["m0", "m1", "m2", "m3", "m4", "m5"]


async def test_only_the_newest_pending_alert_per_position_is_sent(notifier: Notifier, bot: FakeBot):
    first = await notifier.send(1, "ETH 5% away", priority=Priority.WARNING, coalesce_key="ETH")
    second = await notifier.send(1, "ETH 4% away", priority=Priority.WARNING, coalesce_key="ETH")
    other = await notifier.send(1, "BTC 5% away", priority=Priority.WARNING, coalesce_key="BTC")
    last = await notifier.send(1, "ETH 2% away", priority=Priority.CRITICAL, coalesce_key="ETH")
    await run(notifier)
    assert bot.texts() == ["ETH 2% away", "BTC 5% away"]
    assert await first == [] and await second == []
    assert first.status is second.status is DeliveryStatus.SUPERSEDED
    assert await last == [bot.calls[0].message_id] and await other == [bot.calls[1].message_id]
    assert notifier.stats.superseded == 2 and notifier.stats.sent == 2


async def test_a_sent_alert_is_not_superseded(notifier: Notifier, bot: FakeBot):
    await notifier.start()
    await (await notifier.send(1, "ETH 5% away", priority=Priority.WARNING, coalesce_key="ETH"))
    await notifier.send(1, "ETH 2% away", priority=Priority.CRITICAL, coalesce_key="ETH")
    await notifier.stop()
    assert bot.texts() == ["ETH 5% away", "ETH 2% away"]


@pytest.mark.parametrize("retry_after", [3, dt.timedelta(seconds=3)])
async def test_retry_after_waits_then_sends_once(
    notifier: Notifier, bot: FakeBot, sleep: FakeSleep, clock: FakeClock, retry_after: Any
):
    bot.fail(flood(retry_after), when=lambda c: c.chat_id == 1)
    start = clock.monotonic()
    alert = await notifier.send(1, "ETH 2% away", priority=Priority.CRITICAL)
    await notifier.send(2, "for someone else", priority=Priority.INFO)
    await run(notifier)
    assert 3.0 in sleep.delays
    assert bot.texts() == ["ETH 2% away", "for someone else"]  # the alert kept its place
    assert bot.calls[0].at - start == pytest.approx(3.0)
    assert await alert == [bot.calls[0].message_id]
    assert notifier.stats.retried_429 == 1 and notifier.stats.sent == 2


async def test_a_thousand_chats_never_exceed_thirty_per_second(
    notifier: Notifier, bot: FakeBot, clock: FakeClock
):
    start = clock.monotonic()
    deliveries = [await notifier.send(chat, f"hi {chat}", priority=Priority.INFO)
                  for chat in range(1000)]  # fmt: skip
    await run(notifier)
    assert len(bot.calls) == 1000 and all(d.status is DeliveryStatus.SENT for d in deliveries)
    times = [c.at for c in bot.calls]
    assert all(times[i + 30] - times[i] >= 1.0 - 1e-9 for i in range(len(times) - 30))
    assert 33.0 <= times[-1] - start < 35.0  # at the limit, not far below it


async def test_one_message_per_second_per_chat_and_twenty_per_minute_per_group(
    notifier: Notifier, bot: FakeBot
):
    for n in range(5):
        await notifier.send(7, f"private {n}", priority=Priority.INFO)
    for n in range(25):
        await notifier.send(-100, f"group {n}", priority=Priority.INFO)
    await run(notifier)
    private = [c.at for c in bot.calls if c.chat_id == 7]
    group = [c.at for c in bot.calls if c.chat_id == -100]
    assert len(private) == 5 and len(group) == 25
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(private))
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(group))
    assert all(group[i + 20] - group[i] >= 60.0 for i in range(len(group) - 20))


async def test_blocked_chat_is_dropped_and_reported_once(bot: FakeBot, clock, sleep):
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    notifier = Notifier(bot, clock=clock, sleep=sleep, on_blocked=on_blocked)
    bot.fail(Forbidden("Forbidden: bot was blocked by the user"), when=lambda c: c.chat_id == 7)
    lost = [await notifier.send(7, f"to 7 #{n}", priority=Priority.WARNING) for n in range(3)]
    kept = await notifier.send(8, "to 8", priority=Priority.WARNING)
    await run(notifier)
    assert blocked == [7] and bot.attempts == 2  # one refused try, then chat 8 only
    assert bot.texts() == ["to 8"] and await kept
    for delivery in lost:
        assert delivery.status is DeliveryStatus.BLOCKED
        with pytest.raises(DeliveryFailed):
            await delivery


async def test_unparsable_html_is_resent_as_plain_text(notifier: Notifier, bot: FakeBot):
    bot.fail(BadRequest("Can't parse entities: unsupported start tag \"sym\" at byte offset 0"),
             when=lambda c: c.parse_mode == "HTML")  # fmt: skip
    delivery = await notifier.send(
        1, "<sym>PERP_ETH_USDC</sym> P&amp;L &lt;b&gt; -3%", priority=Priority.CRITICAL
    )
    await run(notifier)
    assert [(c.text, c.parse_mode) for c in bot.calls] == [("PERP_ETH_USDC P&L <b> -3%", None)]
    assert await delivery and notifier.stats.plain_fallbacks == 1


async def test_long_message_is_split_with_the_keyboard_on_the_last_part(
    notifier: Notifier, bot: FakeBot
):
    rows = "\n".join(f"PERP_{i:03d}_USDC  long  1.5  &lt;2%&gt;  {'=' * 20}" for i in range(300))
    text = "<b>Positions</b>\n<pre>" + rows + "</pre>\n<i>end</i>"
    assert len(text) > 10_000
    keyboard = object()
    delivery = await notifier.reply(1, text, keyboard=keyboard)
    await run(notifier)
    assert len(bot.calls) >= 3
    for call in bot.calls:
        assert_valid(call.text, 4096)
        assert utf16_len(rendered(call.text)) <= 4096
    assert [c.reply_markup for c in bot.calls] == [None] * (len(bot.calls) - 1) + [keyboard]
    assert [c.disable_notification for c in bot.calls][1:] == [True] * (len(bot.calls) - 1)
    assert await delivery == [c.message_id for c in bot.calls]
    joined = "".join(rendered(c.text) for c in bot.calls)
    assert joined.replace("\n", "") == rendered(text).replace("\n", "")


async def test_edit_not_modified_counts_as_done(notifier: Notifier, bot: FakeBot):
    bot.fail(BadRequest("Message is not modified: specified new message content and reply "
                        "markup are exactly the same"))  # fmt: skip
    delivery = await notifier.edit(1, 55, "<b>Refreshed</b>")
    await run(notifier)
    assert await delivery == [55] and delivery.status is DeliveryStatus.SENT


async def test_edits_of_one_message_coalesce_and_a_lost_message_is_sent_anew(
    notifier: Notifier, bot: FakeBot
):
    old = await notifier.edit(1, 55, "mark 2000")
    await notifier.edit(1, 55, "mark 1990")
    bot.fail(BadRequest("Message to edit not found"))
    await run(notifier)
    assert old.status is DeliveryStatus.SUPERSEDED
    assert [(c.method, c.text) for c in bot.calls] == [("send", "mark 1990")]


async def test_timeouts_are_retried_with_backoff(notifier: Notifier, bot: FakeBot, sleep):
    bot.fail(TimedOut(), times=2)
    delivery = await notifier.send(1, "result: margin added", priority=Priority.CRITICAL)
    await run(notifier)
    assert await delivery and bot.attempts == 3 and len(bot.calls) == 1
    assert sleep.delays == [1.0, 2.0]
    assert notifier.stats.retried_network == 2


async def test_persistent_network_failure_is_reported(bot: FakeBot, clock, sleep):
    notifier = Notifier(bot, clock=clock, sleep=sleep, max_retries=2)
    bot.fail(TimedOut(), times=100)
    delivery = await notifier.send(1, "result", priority=Priority.CRITICAL)
    await run(notifier)
    assert bot.attempts == 3 and delivery.status is DeliveryStatus.FAILED
    with pytest.raises(DeliveryFailed, match="network"):
        await delivery.wait()
    assert notifier.stats.failed == 1


async def test_a_failing_chat_does_not_hold_up_the_others(notifier: Notifier, bot: FakeBot):
    bot.fail(TimedOut(), when=lambda c: c.chat_id == 1, times=3)
    await notifier.send(1, "slow", priority=Priority.CRITICAL)
    for chat in (2, 3):
        await notifier.send(chat, f"to {chat}", priority=Priority.INFO)
    await run(notifier)
    assert bot.texts() == ["to 2", "to 3", "slow"]


async def test_on_sent_reports_enqueue_and_send_times(bot: FakeBot, clock, sleep):
    seen: list[tuple[str, float, float]] = []
    def on_sent(item: OutItem, at: float) -> None:
        seen.append((item.chunks[0], item.enqueued_at, at))

    notifier = Notifier(bot, clock=clock, sleep=sleep, on_sent=on_sent)
    for n in range(2):
        await notifier.send(1, f"m{n}", priority=Priority.INFO)
    await run(notifier)
    assert [s[0] for s in seen] == ["m0", "m1"]
    assert seen[1][2] - seen[1][1] == pytest.approx(1.0)


async def test_stop_without_drain_fails_what_is_left(bot: FakeBot, clock):
    async def forever(delay: float) -> None:
        await asyncio.Event().wait()

    notifier = Notifier(bot, clock=clock, sleep=forever)
    bot.fail(flood(60))
    await notifier.start()
    delivery = await notifier.send(1, "x", priority=Priority.INFO)
    for _ in range(5):
        await asyncio.sleep(0)
    assert bot.attempts == 1
    await notifier.stop(drain=False)
    with pytest.raises(DeliveryFailed, match="stopped"):
        await delivery


async def test_empty_text_is_refused_at_once(notifier: Notifier):
    with pytest.raises(ValueError, match="empty"):
        await notifier.send(1, "<b> </b>\n", priority=Priority.INFO)



@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_real_ptb_bot_errors_are_understood(clock: FakeClock, sleep: FakeSleep):
    """PTB's own mapping of Telegram's answers (429, 400, 403) drives the same behaviour."""
    sent: list[dict[str, str]] = []
    refusals = [
        (429, "Too Many Requests: retry after 5", {"retry_after": 5}),
        (400, "Bad Request: can't parse entities: Unsupported start tag \"x\"", None),
    ]

    def refuse(code: int, text: str, params: dict | None = None) -> httpx.Response:
        body = {"ok": False, "error_code": code, "description": text, "parameters": params}
        return httpx.Response(code, json={k: v for k, v in body.items() if v is not None})

    def handle(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        data = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Desk", "username": "desk_bot"}
            return httpx.Response(200, json={"ok": True, "result": me})
        if data.get("chat_id") == "9":
            return refuse(403, "Forbidden: bot was blocked by the user")
        if method == "editMessageText":
            return refuse(400, "Bad Request: message is not modified")
        if refusals:
            return refuse(*refusals.pop(0))
        sent.append(data)
        chat = {"id": int(data["chat_id"]), "type": "private"}
        message = {"message_id": len(sent), "date": 0, "chat": chat, "text": data["text"]}
        return httpx.Response(200, json={"ok": True, "result": message})

    request = HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(handle)})
    ptb_bot = Bot("123456:" + "A" * 35, request=request)
    await ptb_bot.initialize()
    blocked: list[int] = []
    notifier = Notifier(ptb_bot, clock=clock, sleep=sleep, on_blocked=blocked.append)
    alert = await notifier.send(5, "<x>ETH</x> 2% &amp; falling", priority=Priority.CRITICAL)
    refused = await notifier.send(9, "hello", priority=Priority.INFO)
    edited = await notifier.edit(5, 77, "same card")
    await run(notifier)
    assert await alert == [1] and 5.0 in sleep.delays
    assert [(d["text"], d.get("parse_mode")) for d in sent] == [("ETH 2% & falling", None)]
    assert refused.status is DeliveryStatus.BLOCKED and blocked == [9]
    assert await edited == [77]


async def test_a_photo_goes_in_its_place_paced_and_retried_after_429(
    notifier: Notifier, bot: FakeBot, sleep: FakeSleep, clock: FakeClock
):
    bot.fail(flood(2), when=lambda c: c.method == "photo")
    await notifier.send(1, "first", priority=Priority.REPLY)
    picture = await notifier.send_photo(1, b"\x89PNG-bytes", "<b>ETH</b> chart",
                                        filename="eth.png")  # fmt: skip
    await notifier.send(1, "after", priority=Priority.REPLY)
    await run(notifier)
    assert [(c.method, c.text) for c in bot.calls] == [
        ("send", "first"), ("photo", "<b>ETH</b> chart"), ("send", "after")]
    assert bot.photos == [("eth.png", b"\x89PNG-bytes")]  # sent once, after the 429
    assert 2.0 in sleep.delays and notifier.stats.retried_429 == 1
    assert bot.calls[1].at - bot.calls[0].at >= 1.0  # one per second per chat, photos too
    assert await picture == [bot.calls[1].message_id]


async def test_a_long_caption_continues_as_messages_and_bad_html_falls_back_to_plain(
    notifier: Notifier, bot: FakeBot
):
    bot.fail(BadRequest("Can't parse entities: unsupported start tag"),
             when=lambda c: c.method == "photo" and c.parse_mode == "HTML")  # fmt: skip
    caption = "\n".join(f"line {n} " + "x" * 40 for n in range(40))  # ~2,000 characters
    await notifier.send_photo(1, b"png", caption, keyboard="kb")
    await run(notifier)
    assert bot.calls[0].method == "photo" and len(bot.calls[0].text) <= 1024
    assert bot.calls[0].parse_mode is None  # resent as plain text
    assert all(c.method == "send" for c in bot.calls[1:]) and bot.calls[-1].reply_markup == "kb"
    assert len(bot.photos) == 1 and bot.calls[0].reply_markup is None
