"""The monitor's feed: REST fallback, degraded notices, polling, and the production loop."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import ClassVar

import pytest
from sqlite_utils import Database

from bot.orderly.stream import ConnectionEvent, ConnectionState
from bot.services.monitor.monitor import PRIVATE_TOPICS, Monitor
from bot.timing import FakeClock
from storage.chats import ChatStore
from storage.worker import Storage
from tests.services.monitor_kit import (
    CHAT,
    ETH,
    OTHER,
    FakeRest,
    Recorder,
    market,
    marks,
    position,
    pushed,
    started,
    wait,
    walk,
)

D = Decimal


# ---- feed health -------------------------------------------------------------------------------


async def test_silent_stream_falls_back_to_rest_and_degrades_once_per_chat(
    db: Database, clock: FakeClock
) -> None:
    ChatStore(db).register(OTHER, 2, 0.0)
    rest = FakeRest([position()])
    rest.tickers = {ETH: (D(2200), D(0))}
    monitor, sink = await started(db, clock, rest)
    assert rest.calls == {"tickers": 1, "positions": 1}
    await walk(monitor, clock, *["2200"] * 10)
    assert rest.calls["tickers"] == 1  # the stream is alive: no polling
    assert monitor.feed_age() == 0.0

    await wait(monitor, clock, 10)  # stream silent: REST every 2 s after 5 s
    assert rest.calls["tickers"] == 4 and rest.calls["positions"] == 4
    assert sink.degraded() == []

    rest.fail = True
    await wait(monitor, clock, 30)
    assert [(e.chat_id, e.degraded) for e in sink.degraded()] == [(CHAT, True), (OTHER, True)]
    assert monitor.feed_age() is not None and monitor.feed_age() > 15  # type: ignore[operator]

    rest.fail = False
    await wait(monitor, clock, 10)
    assert [(e.chat_id, e.degraded) for e in sink.degraded()] == [
        (CHAT, True), (OTHER, True), (CHAT, False), (OTHER, False)]  # fmt: skip
    assert sink.alerts() == []


async def test_stale_data_never_concludes_recovered(db: Database, clock: FakeClock) -> None:
    rest = FakeRest([position()])
    rest.tickers = {ETH: (D(2100), D(0))}
    rest.fail = True
    monitor, sink = await started(db, clock, rest)
    await monitor.on_stream_event(pushed(position()))
    await walk(monitor, clock, "2040", "2140")  # critical, then above both re-arm lines
    await wait(monitor, clock, 120)  # the feed dies: the hold cannot complete on stale data
    assert ("recovered", "NONE") not in sink.kinds()


async def test_with_websocket_off_rest_is_polled_every_poll_interval(
    db: Database, clock: FakeClock
) -> None:
    rest = FakeRest([position()])
    rest.tickers = {ETH: (D(2200), D(0))}
    monitor, sink = await started(db, clock, rest, websocket=False, poll_seconds=5.0)
    await wait(monitor, clock, 20)
    assert rest.calls["tickers"] == 5 and rest.calls["positions"] == 5
    rest.tickers = {ETH: (D(2040), D(0))}
    await wait(monitor, clock, 5)
    assert sink.kinds() == [("alert", "CRITICAL")]
    assert sink.degraded() == []


async def test_a_private_reconnect_rereads_positions(db: Database, clock: FakeClock) -> None:
    rest = FakeRest([position()])
    rest.tickers = {ETH: (D(2200), D(0))}
    monitor, _ = await started(db, clock, rest)
    await monitor.on_stream_event(ConnectionEvent(ConnectionState.CONNECTED), private=True)
    await walk(monitor, clock, "2200", "2200")  # at most every stale_poll_interval
    assert rest.calls["positions"] == 2 and rest.calls["tickers"] == 1
    await walk(monitor, clock, *["2200"] * 5)
    assert rest.calls["positions"] == 2  # read once, not for as long as the stream is up


async def test_a_rest_answer_older_than_a_push_is_not_taken(
    db: Database, clock: FakeClock
) -> None:
    rest = FakeRest([position()])
    rest.tickers = {ETH: (D(2200), D(0))}
    monitor, _ = await started(db, clock, rest)
    rest.gate = asyncio.Event()
    polling = asyncio.create_task(monitor.poll_once())
    await asyncio.sleep(0)  # the REST reads are under way …
    await monitor.on_stream_event(marks(ETH="2150"))  # … when the stream pushes newer data
    await monitor.on_stream_event(pushed(position(margin="800", liq="1700")))
    rest.gate.set()
    await polling
    pos = monitor.snapshot(CHAT)[0][0]
    assert (pos.mark_price, pos.margin, pos.est_liq_price) == (D(2150), D(800), D(1700))


# ---- the production loop ---------------------------------------------------------------------


class FakeStream:
    """Stands in for OrderlyStream: replays scripted pushes, then idles until stopped."""

    made: ClassVar[list[FakeStream]] = []

    def __init__(self, url: str, *, topics: tuple[str, ...], on_message: object,
                 signer: object = None, **_: object) -> None:  # fmt: skip
        self.url, self.topics, self.on_message, self.signer = url, topics, on_message, signer
        self.stopped = False
        FakeStream.made.append(self)

    async def run(self) -> None:
        send = self.on_message
        if "position" in self.topics:
            await send(ConnectionEvent(ConnectionState.CONNECTED))  # type: ignore[operator]
            await send(pushed(position()))  # type: ignore[operator]
        else:
            await asyncio.sleep(0.01)
            await send(marks(ETH="2040"))  # type: ignore[operator]
        await asyncio.Event().wait()

    async def stop(self) -> None:
        self.stopped = True


async def test_run_follows_both_streams_until_cancelled(db: Database) -> None:
    FakeStream.made.clear()
    sink = Recorder()
    monitor = Monitor(Storage(db), sink, clock=FakeClock(), markets=[market(ETH)])
    heard: list[object] = []

    async def broken(event: object) -> None:
        raise RuntimeError("a listener's bug")

    async def listener(event: object) -> None:
        heard.append(event)

    monitor.private_listeners += [broken, listener]  # e.g. fill notices share the stream
    task = asyncio.create_task(monitor.run("ws://pub/acct", "ws://priv/acct", "signer",
                                           stream_factory=FakeStream))  # fmt: skip
    for _ in range(200):
        if sink.alerts():
            break
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sink.kinds() == [("alert", "CRITICAL")]
    assert [type(e).__name__ for e in heard] == ["ConnectionEvent", "PositionsEvent"]
    assert [(s.url, s.topics, s.signer) for s in FakeStream.made] == [
        ("ws://pub/acct", ("markprices",), None),
        ("ws://priv/acct", PRIVATE_TOPICS, "signer")]  # fmt: skip
    assert "executionreport" in PRIVATE_TOPICS  # fill notices follow the same connection
    assert all(s.stopped for s in FakeStream.made)
