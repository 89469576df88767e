"""The liquidation monitor end to end over the real policy: FakeClock, in-memory SQLite, no sockets.

Position used throughout: ETH isolated long, liquidation price 2000. Distance = (mark − 2000)/mark:
mark 2200 → 9.1 %, 2100 → 4.76 % (warning zone), 2040 → 1.96 % (critical), 2140 → 6.5 % (above
the 6.25 % re-arm line).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlite_utils import Database

from bot.domain.alert_policy import Level, PolicyState, Thresholds
from bot.domain.margin import funding_adjustment, isolated_liq_price
from bot.domain.models import Liquidation, MarginMode
from bot.orderly.stream import LiquidationEvent
from bot.services.monitor import alert_state_codec as alert_codec
from bot.timing import FakeClock
from storage.alert_state import AlertStateStore
from storage.chats import ChatStore
from storage.db import open_database
from storage.thresholds import ThresholdStore
from tests.services.monitor_kit import (
    BTC,
    CHAT,
    ETH,
    ISO,
    OTHER,
    FakeRest,
    market,
    position,
    pushed,
    started,
    wait,
    walk,
)

D = Decimal


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
    await monitor.saver.flush()  # the monitor's saves land before this direct write
    AlertStateStore(db).set_snooze(CHAT, ETH, ISO, clock.time() + 3600, clock.time())
    await monitor.reload_chat(CHAT)
    assert monitor.snapshot(CHAT)[0][2].snooze_until == clock.time() + 3600

    await monitor.on_stream_event(pushed(position(margin="800", liq="1700")))
    pos, distance, state, _ = monitor.snapshot(CHAT)[0]
    assert pos.est_liq_price == D(1700) and pos.margin == D(800) and pos.mark_price == D(2040)
    assert distance == (D(2040) - D(1700)) / D(2040)
    assert state.snooze_until is None
    await monitor.saver.flush()
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
    await monitor.saver.flush()
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


async def test_opening_inside_a_zone_alerts_audibly_once(
    db: Database, clock: FakeClock
) -> None:
    monitor, sink = await started(db, clock)
    await monitor.on_stream_event(pushed(position(mark="2080")))  # opens at 3.8 %
    await walk(monitor, clock, "2080", "2070")
    await wait(monitor, clock, 6)
    assert sink.kinds() == [("alert", "WARNING")]
    assert sink.alerts()[0].decision.opened and not sink.alerts()[0].decision.silent


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
    await first.saver.flush()  # as a stopping monitor does
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
                        extra={"rearm_warning_since": "13.5", "loud_distance": "0.01375",
                               "loud_at": "10.25", "deepen_due": "40.25"})  # fmt: skip
    store = AlertStateStore(db)
    store.save(alert_codec.to_row(CHAT, ETH, ISO, state, D("0.0196")), 20.0)
    row = store.get(CHAT, ETH, ISO)
    assert row is not None and row.level == "critical" and row.last_distance == D("0.0196")
    assert alert_codec.from_row(row) == state
    assert alert_codec.from_row(store.set_snooze(OTHER, ETH, ISO, 50.0, 1.0)) == PolicyState(
        snooze_until=50.0)



