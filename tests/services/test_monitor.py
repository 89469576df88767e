"""The liquidation monitor end to end over the real policy: FakeClock, in-memory SQLite, no sockets.

Position used throughout: ETH isolated long, liquidation price 2000. Distance = (mark − 2000)/mark:
mark 2200 → 9.1 %, 2100 → 4.76 % (warning zone), 2040 → 1.96 % (critical), 2140 → 6.5 % (above
the 6.25 % re-arm line).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pytest
from sqlite_utils import Database

from bot.domain.alert_policy import Decision, DecisionKind, Level, PolicyState, Thresholds
from bot.domain.margin import funding_adjustment, isolated_liq_price
from bot.domain.models import Liquidation, MarginMode
from bot.orderly.stream import ConnectionEvent, ConnectionState, LiquidationEvent
from bot.services import alert_codec
from bot.services.alert_events import AlertEvent, DegradedEvent, Grouper
from bot.services.monitor import Monitor
from bot.timing import FakeClock
from storage.alert_state import AlertStateStore
from storage.chats import ChatStore
from storage.db import open_database
from storage.thresholds import ThresholdStore
from tests.services.monitor_kit import (
    BTC,
    ETH,
    FakeRest,
    Recorder,
    market,
    marks,
    position,
    pushed,
)

D = Decimal
CHAT, OTHER = 101, 202
ISO = "ISOLATED"


@pytest.fixture
def db() -> Database:
    db = open_database(":memory:")
    ChatStore(db).register(CHAT, 1, 0.0)
    return db


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def started(db: Database, clock: FakeClock, rest: FakeRest | None = None,
                  **kw: object) -> tuple[Monitor, Recorder]:  # fmt: skip
    sink = Recorder()
    monitor = Monitor(db, sink, clock=clock, client=rest, markets=[market(ETH), market(BTC)],
                      **kw)  # type: ignore[arg-type]  # fmt: skip
    await monitor.start()
    return monitor, sink


async def walk(monitor: Monitor, clock: FakeClock, *prices: str, symbol: str = "ETH") -> None:
    """One pushed mark per second, with the monitor's timers run after each."""
    for price in prices:
        clock.advance(1.0)
        await monitor.on_stream_event(marks(**{symbol: price}))
        await monitor.tick()


async def wait(monitor: Monitor, clock: FakeClock, seconds: float) -> None:
    for _ in range(int(seconds)):
        clock.advance(1.0)
        await monitor.tick()


# ---- alerts ------------------------------------------------------------------------------------


async def test_warning_fires_once_after_two_updates_in_the_zone(
    db: Database, clock: FakeClock
) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    await walk(monitor, clock, "2200", "2150", "2100")
    assert sink.alerts() == []  # one update in the zone is not enough
    await walk(monitor, clock, "2095")
    await wait(monitor, clock, 5)  # warnings wait out the grouping window
    assert sink.kinds() == [("alert", "WARNING")]
    alert = sink.alerts()[0]
    assert alert.chat_id == CHAT and alert.mark == D(2095) and alert.liq == D(2000)
    assert alert.distance == (D(2095) - D(2000)) / D(2095)
    assert alert.thresholds == Thresholds(D("0.05"), D("0.025"))
    assert alert.position.est_liq_price == D(2000) and alert.market == market(ETH)
    await walk(monitor, clock, "2090", "2100", "2080", "2099")
    await wait(monitor, clock, 10)
    assert sink.kinds() == [("alert", "WARNING")]


async def test_oscillation_around_the_lines_does_not_flap(db: Database, clock: FakeClock) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    await walk(monitor, clock, *["2110", "2100"] * 30)  # in, out, in, out: never 2 in a row
    assert sink.alerts() == []
    await walk(monitor, clock, "2095", "2095", *["2100", "2140"] * 90)  # hold never lasts 60 s
    await wait(monitor, clock, 6)
    assert sink.kinds() == [("alert", "WARNING")]
    await walk(monitor, clock, *["2140"] * 62)  # held above the re-arm line for 60 s
    await wait(monitor, clock, 6)
    assert sink.kinds() == [("alert", "WARNING"), ("recovered", "NONE")]


async def test_critical_goes_out_at_once_and_carries_pending_warnings(
    db: Database, clock: FakeClock
) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position(), position(BTC, liq="20000", cost="25000",
                                                              mark="22000")))  # fmt: skip
    await walk(monitor, clock, "21000", "21000", symbol="BTC")  # BTC warning: held back
    assert sink.batches == []
    await walk(monitor, clock, "2040")  # ETH critical: flushes now, with BTC's warning
    assert len(sink.batches) == 1
    assert [(e.position.symbol, e.decision.level) for e in sink.alerts()] == [
        (BTC, Level.WARNING), (ETH, Level.CRITICAL)]  # fmt: skip


async def test_two_warnings_within_the_window_make_one_batch(
    db: Database, clock: FakeClock
) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position(), position(BTC, liq="20000", cost="25000",
                                                              mark="22000")))  # fmt: skip
    await walk(monitor, clock, "2100", "2100")
    await walk(monitor, clock, "21000", "21000", symbol="BTC")
    await wait(monitor, clock, 6)
    assert len(sink.batches) == 1 and len(sink.batches[0]) == 2


# ---- position changes --------------------------------------------------------------------------


async def test_more_margin_moves_the_liq_price_and_clears_the_snooze(
    db: Database, clock: FakeClock
) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    await walk(monitor, clock, "2200", "2040")
    assert sink.kinds() == [("alert", "CRITICAL")]
    AlertStateStore(db).set_snooze(CHAT, ETH, ISO, clock.time() + 3600, clock.time())
    await monitor.reload_chat(CHAT)
    assert monitor.snapshot(CHAT)[0][2].snooze_until == clock.time() + 3600

    await monitor.on_stream_event(pushed(position(margin="800", liq="1700")))
    pos, distance, state, _ = monitor.snapshot(CHAT)[0]
    assert pos.est_liq_price == D(1700) and pos.margin == D(800) and pos.mark_price == D(2040)
    assert distance == (D(2040) - D(1700)) / D(2040)
    assert state.snooze_until is None
    assert AlertStateStore(db).get(CHAT, ETH, ISO).snooze_until is None  # type: ignore[union-attr]


async def test_funding_shifts_the_liq_price_until_the_exchange_says_otherwise(
    db: Database, clock: FakeClock
) -> None:
    rest = FakeRest([position(liq="2262.58", margin="251.5", cost="2500", mark="2450")])
    rest.tickers = {ETH: (D(2450), D(0))}
    monitor, _ = await started(db, clock, rest)
    assert monitor.snapshot(CHAT)[0][0].est_liq_price == D("2262.58")
    rest.tickers = {ETH: (D(2450), D("0.5"))}
    await monitor.poll_once(positions=False)  # funding moved; no position row since
    m, p = market(ETH), rest.positions[0]

    def local(funding: str) -> Decimal:
        adj = funding_adjustment(p.position_qty, D(funding), p.last_sum_unitary_funding)
        liq = isolated_liq_price(m, p.position_qty, p.cost_position, p.margin, D(2450), adj)
        assert liq is not None
        return liq

    shifted = monitor.snapshot(CHAT)[0][0].est_liq_price
    assert shifted == D("2262.58") + local("0.5") - local("0")
    assert D("2263.0") < shifted < D("2263.2")  # type: ignore[operator]  # ≈ +0.503
    await monitor.on_stream_event(pushed(position(liq="2263.50", margin="251.5", mark="2450")))
    assert monitor.snapshot(CHAT)[0][0].est_liq_price == D("2263.50")


async def test_without_an_exchange_liq_price_the_local_formula_gives_it(
    db: Database, clock: FakeClock
) -> None:
    monitor, _ = await started(db, clock)
    await monitor.on_stream_event(pushed(position(liq=None, margin="251.5", mark="2450")))
    adj = funding_adjustment(D(1), D(0), D(0))
    expected = isolated_liq_price(market(ETH), D(1), D(2500), D("251.5"), D(2450), adj)
    assert monitor.snapshot(CHAT)[0][0].est_liq_price == expected


async def test_a_position_that_disappears_is_closed_once(db: Database, clock: FakeClock) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    await walk(monitor, clock, "2100", "2100")
    await monitor.on_stream_event(pushed())
    await monitor.on_stream_event(pushed())
    await wait(monitor, clock, 6)
    assert sink.kinds() == [("alert", "WARNING"), ("closed", "WARNING")]
    assert monitor.watched_count() == 0
    assert AlertStateStore(db).get(CHAT, ETH, ISO) is None


async def test_a_liquidation_push_reports_liquidated_once_and_at_once(
    db: Database, clock: FakeClock
) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    await walk(monitor, clock, "2040")
    taken = LiquidationEvent((Liquidation(7, 0, ETH, MarginMode.ISOLATED, D(1), D(2000)),))
    await monitor.on_stream_event(taken)
    assert sink.kinds() == [("alert", "CRITICAL"), ("liquidated", "CRITICAL")]  # no tick needed
    await monitor.on_stream_event(pushed())  # the position push that follows
    await monitor.on_stream_event(taken)
    await wait(monitor, clock, 6)
    assert sink.kinds() == [("alert", "CRITICAL"), ("liquidated", "CRITICAL")]


async def test_opening_inside_a_zone_gives_one_silent_note(
    db: Database, clock: FakeClock
) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position(mark="2080")))  # opens at 3.8 %
    await walk(monitor, clock, "2080", "2070")
    await wait(monitor, clock, 6)
    assert sink.kinds() == [("opened_in_zone", "WARNING")]
    assert sink.alerts()[0].decision.silent


# ---- who is watched ----------------------------------------------------------------------------


async def test_a_symbol_with_alerts_off_is_not_watched(db: Database, clock: FakeClock) -> None:
    ChatStore(db).register(OTHER, 2, 0.0)
    ThresholdStore(db).set_enabled(CHAT, ETH, False)
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    assert monitor.watched_count() == 1  # OTHER only
    await walk(monitor, clock, "2040")
    assert [e.chat_id for e in sink.alerts()] == [OTHER]
    ThresholdStore(db).set_enabled(CHAT, ETH, True)
    await monitor.reload_chat(CHAT)
    assert monitor.watched_count() == 2 and len(monitor.snapshot(CHAT)) == 1


async def test_thresholds_come_from_the_store_in_percent(db: Database, clock: FakeClock) -> None:
    ThresholdStore(db).set_default(CHAT, D(8), D(4))
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    assert monitor.snapshot(CHAT)[0][3] == Thresholds(D("0.08"), D("0.04"))
    await walk(monitor, clock, "2150")  # 6.98 %: quiet at 5 %, but past 4 %? no: warning at 8 %
    await walk(monitor, clock, "2080")  # 3.85 % <= 4 %: critical for this chat
    assert sink.kinds() == [("alert", "CRITICAL")]
    ThresholdStore(db).set_default(CHAT, D(3), D("1.5"))
    await monitor.reload_chat(CHAT)
    assert monitor.snapshot(CHAT)[0][3].critical == D("0.015")


async def test_a_chat_that_starts_later_is_watched_after_reload(
    db: Database, clock: FakeClock
) -> None:
    monitor, _ = await started(db, clock)
    await monitor.on_stream_event(pushed(position()))
    ChatStore(db).register(OTHER, 2, 1.0)
    await monitor.reload_chat(OTHER)
    assert monitor.watched_count() == 2


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


# ---- persistence -------------------------------------------------------------------------------


async def test_restart_mid_episode_sends_no_duplicate_and_keeps_the_reminder_time(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "desk.db"
    first_db = open_database(path)
    ChatStore(first_db).register(CHAT, 1, 0.0)
    rest = FakeRest([position()])
    rest.tickers = {ETH: (D(2200), D(0))}
    first, sink = await started(first_db, clock, rest)
    await walk(first, clock, "2040")
    alerted_at = clock.time()
    assert sink.kinds() == [("alert", "CRITICAL")]
    await walk(first, clock, *["2040"] * 100)
    first_db.close()

    rest.tickers = {ETH: (D(2040), D(0))}
    second, sink2 = await started(open_database(path), clock, rest, websocket=False,
                                  poll_seconds=1.0)  # fmt: skip
    assert second.snapshot(CHAT)[0][2].level is Level.CRITICAL
    await wait(second, clock, alerted_at + 299 - clock.time())
    assert sink2.kinds() == []  # no second "critical" after the restart
    await wait(second, clock, 1)
    assert sink2.kinds() == [("reminder", "CRITICAL")]
    assert sink2.alerts()[0].decision.episode == sink.alerts()[0].decision.episode


def test_policy_state_survives_the_store_exactly() -> None:
    db = open_database(":memory:")
    state = PolicyState(level=Level.CRITICAL, episode=3, pending_warning=1, entered_at=10.25,
                        last_sent_at=11.5, next_reminder_at=310.25, rearm_since=12.125,
                        snooze_until=999.0, fingerprint="long:1:500", seen=True,
                        extra={"rearm_warning_since": "13.5"})  # fmt: skip
    store = AlertStateStore(db)
    store.save(alert_codec.to_row(CHAT, ETH, ISO, state, D("0.0196")), 20.0)
    row = store.get(CHAT, ETH, ISO)
    assert row is not None and row.level == "critical" and row.last_distance == D("0.0196")
    assert alert_codec.from_row(row) == state
    assert alert_codec.from_row(store.set_snooze(OTHER, ETH, ISO, 50.0, 1.0)) == PolicyState(
        snooze_until=50.0)


# ---- grouping (pure) ---------------------------------------------------------------------------


def _event(chat: int, level: Level, kind: DecisionKind = DecisionKind.ALERT) -> AlertEvent:
    return AlertEvent(chat, position(), None, Decision(kind, level, D("0.04"), 1), D(2100),
                      D(2000), D("0.04"), Thresholds())  # fmt: skip


def test_grouper_batches_a_chat_within_the_window() -> None:
    g = Grouper(5.0)
    assert g.add(_event(CHAT, Level.WARNING), 100.0) == []
    assert g.add(_event(OTHER, Level.WARNING), 101.0) == []
    assert g.add(_event(CHAT, Level.WARNING), 103.0) == []
    assert g.next_due() == 105.0 and g.due(104.9) == []
    batches = g.due(105.0)
    assert [len(b) for b in batches] == [2] and batches[0][0].chat_id == CHAT
    assert [b[0].chat_id for b in g.due(106.0)] == [OTHER] and len(g) == 0


def test_grouper_flushes_a_critical_at_once_with_what_was_pending() -> None:
    g = Grouper(5.0)
    g.add(_event(CHAT, Level.WARNING), 100.0)
    g.add(DegradedEvent(OTHER, True, 16.0), 100.0)
    batches = g.add(_event(CHAT, Level.CRITICAL), 101.0)
    assert [[e.urgent for e in b] for b in batches] == [[False, True]]
    assert g.add(_event(CHAT, Level.CRITICAL, DecisionKind.REMINDER), 102.0) != []
    assert g.add(_event(CHAT, Level.NONE, DecisionKind.LIQUIDATED), 102.0) != []
    assert g.add(_event(CHAT, Level.NONE, DecisionKind.RECOVERED), 102.0) == []
    assert [b[0].chat_id for b in g.flush_all()] == [OTHER, CHAT]


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
    monitor = Monitor(db, sink, clock=FakeClock(), markets=[market(ETH)])
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
    assert [(s.url, s.topics, s.signer) for s in FakeStream.made] == [
        ("ws://pub/acct", ("markprices",), None),
        ("ws://priv/acct", ("position", "liquidationsaccount"), "signer")]  # fmt: skip
    assert all(s.stopped for s in FakeStream.made)


def test_alert_position_carries_pnl_at_the_current_mark() -> None:
    """The alert's unsettled PnL follows the mark, not the figure of the last position push."""
    from bot.domain.models import Position
    from bot.services.liq_book import LiqBook

    book = LiqBook()
    row = Position(
        "PERP_ETH_USDC", MarginMode.ISOLATED, Decimal(1), Decimal(2500), Decimal(2500),
        Decimal(2500), Decimal("2262.58"), Decimal(0), Decimal(0), Decimal("0.1"),
        Decimal("0.006"), 10, Decimal("251.5"),
    )
    book.upsert(row)
    book.set_mark("PERP_ETH_USDC", Decimal(2315), 0.0)
    view = book.view(row.key)
    assert (view.mark_price, view.unsettled_pnl) == (Decimal(2315), Decimal(-185))
