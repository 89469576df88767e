"""The monitor's data feed and Telegram's flood limits, through the running bot: a silent
WebSocket falls back to REST, a dead feed is announced once per chat (and its return once),
and a 429 burst delays but never loses a critical alert, nor lets a warning overtake one."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.botapi import BotMessage
from tests.e2e.harness import BOB, GROUP
from tests.e2e_alerts.harness import ALICE, BTC, ETH, FEED, SOL, AlertDesk, bounded, kind_of

D = Decimal
CHATS = ((ALICE, ALICE), (GROUP, ALICE))


def kinds(desk: AlertDesk, chat: int, since: int) -> list[str | None]:
    return [kind_of(m) for m in desk.sent(chat, since)]


@pytest.mark.parametrize("websocket", [True, False], ids=["ws-silent", "rest-only"])
async def test_a_dead_feed_is_announced_once_per_chat_and_rest_keeps_alerting(
    tmp_path: Path, websocket: bool
) -> None:
    async with AlertDesk.open(tmp_path, websocket=websocket, timings=FEED) as desk:
        await desk.begin(*CHATS)
        await desk.open_position()
        since = desk.emulator.mark()
        desk.mute()  # the stream stays open but pushes no mark (with WebSocket off: no-op)
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # only REST can see this
        for chat, _ in CHATS:
            await desk.next_alert(chat, "critical", since=since, seconds=3.0)

        desk.tap.down.add("*")  # and now the exchange's REST API is unreachable too
        await desk.until(lambda: (desk.runtime and (desk.runtime.monitor.feed_age() or 0) > 1.6)
                         or None)  # fmt: skip
        await desk.flush()
        for _ in range(3):  # a long outage: still one notice
            await desk.advance(20)
        await desk.flush()
        for chat, _ in CHATS:
            assert kinds(desk, chat, since) == ["critical", "degraded"], desk.sent(chat, since)

        desk.tap.down.clear()
        desk.unmute()
        await desk.move(ETH, desk.price_at(ETH, D("0.021")))
        await desk.flush()
        for _ in range(3):
            await desk.move(ETH, desk.price_at(ETH, D("0.02")))
            await desk.advance(3)
        await desk.flush()
        for chat, _ in CHATS:
            assert kinds(desk, chat, since) == ["critical", "degraded", "feed_back"], \
                [(round(m.date), m.text[:30]) for m in desk.sent(chat, since)]


async def test_a_live_stream_needs_no_rest_polls_and_the_monitor_idles(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        polls, ticks = desk.tap.count("GET", "/v1/public/futures"), desk.ticks
        for step in range(8):  # a mark every 0.25 s (Orderly pushes them every second)
            await desk.move(ETH, D(2490) - step)
            await asyncio.sleep(0.25)
        assert desk.tap.count("GET", "/v1/public/futures") == polls  # no mark polls
        assert desk.ticks - ticks <= 6  # about one round a second, not a busy loop


async def test_dropped_websockets_reconnect_and_rest_bridges_the_gap(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        desk.mute()  # the sockets drop, and what reconnects stays silent for a while
        await desk.paper.drop_websockets()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # only REST polls can see this
        await desk.next_alert(ALICE, "critical", since=since, seconds=3.0)
        desk.unmute()
        await desk.until(lambda: desk.paper.hub.connections == 2 or None)  # both reconnected
        before = desk.pushes
        await desk.move(ETH, desk.price_at(ETH, D("0.021")))
        await desk.until(lambda: desk.pushes > before or None)  # marks come pushed again
        await desk.flush()
        assert kinds(desk, ALICE, since) == ["critical"]


async def test_a_429_burst_delivers_every_critical_and_criticals_first(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        chats = (ALICE, BOB, GROUP)
        await desk.begin((ALICE, ALICE), (BOB, BOB), (GROUP, ALICE))
        for text in ("/buy eth 1 isolated", "/buy btc 0.05 isolated", "/buy sol 10 isolated"):
            await desk.open_position(text)
        since, calls = desk.emulator.mark(), len(desk.emulator.calls)
        sol = desk.price_at(SOL, D("0.04"))
        await desk.move(SOL, sol)
        await desk.move(SOL, sol)  # SOL warnings wait in the 5 s grouping window

        def refused() -> int:
            return sum(c.status == 429 for c in desk.emulator.calls[calls:])

        desk.emulator.fail_next("sendMessage", 429, count=6, retry_after=1)
        await desk.advance(6)  # the window closes: three warnings run into the 429s …
        await desk.until(lambda: refused() >= 3 or None)
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # … as two positions turn critical
        await desk.move(BTC, desk.price_at(BTC, D("0.02")))
        # ETH and BTC may turn critical in one mark push: then they share one message
        # (grouping; critical first) — either way every position is told, criticals first.
        def told(chat: int) -> list[str]:
            return [_subject(m) for m in desk.sent(chat, since)]

        def everyone_told() -> bool | None:
            return all(sorted("+".join(told(c)).split("+")) == ["BTC", "ETH", "SOL"]
                       for c in chats) or None  # fmt: skip

        await bounded(desk.until(everyone_told, 12.0), 13.0)
        await bounded(desk.drained())
        assert refused() == 6
        for chat in chats:
            messages = desk.sent(chat, since)
            kinds = [kind_of(m) for m in messages]
            assert kinds[-1] == "warning" and set(kinds[:-1]) == {"critical"}, \
                [m.text for m in messages]
            assert told(chat)[-1] == "SOL"  # the warning comes after both criticals
            assert all(m.button("Add") for m in messages)  # every one priced in time
        delivered = [e.message for e in desk.emulator.events[since:]
                     if e.method == "sendMessage" and e.message is not None]
        order = [kind_of(m) for m in delivered]
        assert order == sorted(order, key=lambda k: k != "critical"), order  # criticals first
        assert order.count("warning") == 3


def _subject(message: BotMessage) -> str:
    """The symbols an alert message is about, in order, joined by "+" (e.g. "ETH+BTC")."""
    return "+".join(re.findall(r"— (\w+) isolated", message.text))
