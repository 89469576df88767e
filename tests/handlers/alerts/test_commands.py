"""/alert, /limits, /snooze and the alert buttons through the real PTB stack, the Bot API
emulator and the paper exchange, with the alert feature installed (tests/handlers/
alerts_harness.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain.alert_policy import Decision, DecisionKind, Level, Thresholds
from bot.domain.margin import distance_to_liq
from bot.domain.models import MarginAction, MarginMode, OrderRequest, OrderType, Side
from bot.features.alerts import priority_of
from bot.handlers.alerts.commands import ALERTS_KEY
from bot.services.delivery.notifier import Priority
from bot.services.monitor.alert_events import AlertEvent, DegradedEvent
from storage.alert_state import AlertStateStore
from tests.handlers.alerts_harness import ALICE, BOB, WAIT, AlertDesk

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
D = Decimal
ETH = "PERP_ETH_USDC"


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[AlertDesk]:
    async with AlertDesk.open(tmp_path) as running:
        yield running


async def section6(desk: AlertDesk) -> None:
    """orderly-api.md §6 example A: 1 ETH isolated long, margin 251.50, Δfunding 0.5, 2450."""
    await desk.say("/start")
    engine, account = desk.paper.engine, desk.paper.account_id
    engine.create_order(account, OrderRequest(ETH, Side.BUY, OrderType.MARKET, D(1),
                                              MarginMode.ISOLATED))
    engine.adjust_margin(account, ETH, D("1.5"), MarginAction.ADD)  # 250 + 1.5
    engine.apply_funding(ETH, D("0.5"))
    desk.paper.set_price(ETH, D(2450))


def event(desk: AlertDesk, kind: DecisionKind = DecisionKind.ALERT,
          level: Level = Level.WARNING) -> AlertEvent:
    p = desk.position()
    d = distance_to_liq(p.mark_price, p.est_liq_price)
    return AlertEvent(ALICE, p, desk.paper.engine.market(ETH), Decision(kind, level, d, 1),
                      p.mark_price, p.est_liq_price, d, Thresholds())


async def test_thresholds_through_the_bot(desk: AlertDesk) -> None:
    shown = (await desk.say("/alert")).text
    assert "Default: warning 5 % · critical 2.5 %" in shown
    assert "No isolated position is open" in shown
    reply = await desk.say("/alert eth 8 4")
    assert reply.text == "✅ Alerts for ETH: warning at 8 % and critical at 4 % from liquidation."
    assert desk.changed == [ALICE]
    assert "critical level must be closer" in (await desk.say("/alert eth 3 4")).text
    assert "at most 50" in (await desk.say("/alert default 60")).text
    assert (await desk.say("/alert eth off")).text.startswith("🔕 Alerts for ETH are off")
    assert "Per symbol: ETH off" in (await desk.say("/alert")).text
    assert desk.changed == [ALICE, ALICE]


async def test_limits_through_the_bot(desk: AlertDesk) -> None:
    assert "Per action: off" in (await desk.say("/limits")).text
    shown = (await desk.say("/limits 200 1000")).text
    assert "Per action: 200.00 USDC" in shown and "Per day: 1,000.00 USDC" in shown
    shown = (await desk.say("/limits off")).text
    assert "Per action: off" in shown and "Per day: 1,000.00 USDC" in shown
    assert "Per-action cap must be positive" in (await desk.say("/limits -5")).text


async def test_snooze_command(desk: AlertDesk) -> None:
    assert "no open isolated ETH position" in (await desk.say("/snooze eth 1h")).text
    await section6(desk)
    shown = (await desk.say("/snooze eth 1h")).text
    assert shown.startswith("😴 ETH isolated reminders snoozed until")
    state = AlertStateStore(desk.db).get(ALICE, ETH, "ISOLATED")
    assert state is not None and state.snooze_until == pytest.approx(desk.clock.time() + 3600, 5)
    await section6_overview(desk)


async def section6_overview(desk: AlertDesk) -> None:
    shown = (await desk.say("/alert")).text
    assert "ETH" in shown and "7.65 %" in shown and "😴 ETH snoozed until" in shown


async def test_alert_add_button_tops_up_and_shows_the_new_liq_price(desk: AlertDesk) -> None:
    await section6(desk)
    message = await desk.alert(event(desk))
    assert message.text.startswith("⚠️ WARNING — ETH isolated long is 7.65 % from liquidation")
    assert "➕ Add 57.23 USDC → liq 2,205.00, 10.00 % away" in message.text
    assert [b.text for b in message.buttons] == ["Add 57.23 USDC", "Snooze 1h", "Refresh"]
    toast, _ = await desk.press(message, "Add", user=BOB, edit=False)
    assert "for the person who asked" in toast  # bound to Alice, who sent /start
    toast, edited = await desk.press(message, "Add")
    assert edited is not None
    assert edited.text.endswith("✅ Added 57.23 USDC. Liq price now 2,205.00 (10.00 % away).")
    assert "Valid 120 s." not in edited.text
    assert desk.position().margin == D("308.73")
    assert edited.buttons == []  # one press per card; a second one is refused (service tests)
    [row] = desk.approvals()
    assert (row["kind"], row["state"], row["amount"]) == ("topup", "done", "57.23")


async def test_per_action_cap_bites_in_the_alert(desk: AlertDesk) -> None:
    await section6(desk)
    await desk.say("/limits 40")
    message = await desk.alert(event(desk))
    assert "Capped by your per-action limit: Add 40.00 USDC" in message.text
    assert message.button("Add").text == "Add 40 USDC"


async def test_snooze_and_refresh_buttons(desk: AlertDesk) -> None:
    await section6(desk)
    message = await desk.alert(event(desk))
    old_add = message.button("Add").callback_data
    hooks_before = len(desk.changed)  # /start already told the monitor about this chat
    toast, snoozed = await desk.press(message, "Snooze 1h")
    assert toast.startswith("Snoozed until") and toast.endswith("UTC")
    assert snoozed is not None and "😴 ETH snoozed until" in snoozed.text
    assert snoozed.button("Add").callback_data == old_add  # the keyboard stays
    state = AlertStateStore(desk.db).get(ALICE, ETH, "ISOLATED")
    assert state is not None and state.snooze_until is not None
    assert desk.changed[hooks_before:] == [ALICE]
    desk.paper.set_price(ETH, D(2400))
    toast, refreshed = await desk.press(snoozed, "Refresh")
    assert refreshed is not None
    assert refreshed.text.startswith("🔄 ETH isolated long: 5.73 % from liquidation")
    new_add = refreshed.button("Add")
    assert new_add.callback_data != old_add and new_add.text == "Add 101.96 USDC"  # liq 2160


async def test_refresh_after_close_says_so(desk: AlertDesk) -> None:
    await section6(desk)
    message = await desk.alert(event(desk))
    engine = desk.paper.engine
    engine.create_order(desk.paper.account_id, OrderRequest(
        ETH, Side.SELL, OrderType.MARKET, D(1), MarginMode.ISOLATED, reduce_only=True))
    _, refreshed = await desk.press(message, "Refresh")
    assert refreshed is not None and "is closed; nothing to watch" in refreshed.text
    assert refreshed.buttons == []


async def test_degraded_and_closed_notes(desk: AlertDesk) -> None:
    await section6(desk)
    note = await desk.alert(DegradedEvent(ALICE, True, 16.0))
    assert "Monitoring degraded" in note.text and note.buttons == []
    closed = await desk.alert(event(desk, DecisionKind.CLOSED, Level.NONE))
    assert closed.text.startswith("⏹ ETH isolated long is closed") and closed.buttons == []


def test_priority_of_a_batch() -> None:
    def ev(kind: DecisionKind, level: Level) -> AlertEvent:
        return AlertEvent(1, None, None, Decision(kind, level, None, 1), None, None, None,  # type: ignore[arg-type]
                          Thresholds())

    assert priority_of([ev(DecisionKind.ALERT, Level.WARNING),
                        ev(DecisionKind.REMINDER, Level.CRITICAL)]) is Priority.CRITICAL
    assert priority_of([ev(DecisionKind.LIQUIDATED, Level.NONE)]) is Priority.CRITICAL
    assert priority_of([ev(DecisionKind.ALERT, Level.WARNING)]) is Priority.WARNING
    assert priority_of([ev(DecisionKind.DEEPENED, Level.CRITICAL)]) is Priority.CRITICAL
    assert priority_of([ev(DecisionKind.RECOVERED, Level.NONE)]) is Priority.INFO


async def test_a_grouped_batch_is_one_message_and_refresh_answers_apart(desk: AlertDesk) -> None:
    await section6(desk)
    sol = "PERP_SOL_USDC"
    desk.paper.engine.create_order(desk.paper.account_id, OrderRequest(
        sol, Side.SELL, OrderType.MARKET, D(10), MarginMode.ISOLATED))
    p = desk.position(sol)
    d = distance_to_liq(p.mark_price, p.est_liq_price)
    sol_event = AlertEvent(ALICE, p, desk.paper.engine.market(sol),
                           Decision(DecisionKind.ALERT, Level.WARNING, d, 1, opened=True),
                           p.mark_price, p.est_liq_price, d, Thresholds(D("0.1"), D("0.05")))
    message = await desk.alert(event(desk), sol_event)
    assert message.text.count("ETH isolated long") == 1
    assert "⚠️ WARNING — SOL isolated short opened " in message.text
    labels = [b.text for b in message.buttons]
    assert labels[:3] == ["Add 57.23 USDC · ETH", "Snooze 1h · ETH", "Refresh · ETH"]
    assert "Refresh · SOL" in labels
    since = desk.emulator.mark()
    toast, _ = await desk.press(message, "Refresh · ETH", edit=False)
    assert toast == "Refreshing…"
    fresh = await desk.emulator.wait_for_message(
        ALICE, lambda m: m.message_id > message.message_id, 8.0, since=since)
    assert fresh.text.startswith("🔄 ETH isolated long") and fresh.button("Add")
    assert "SOL isolated short" in desk.emulator.message(ALICE, message.message_id).text


async def test_the_topup_targets_twice_the_level_the_alert_was_raised_at(desk: AlertDesk) -> None:
    await section6(desk)
    e = event(desk)
    e = AlertEvent(e.chat_id, e.position, e.market, e.decision, e.mark, e.liq, e.distance,
                   Thresholds(D("0.08"), D("0.04")))
    message = await desk.alert(e)
    assert "8 % / 4 %" in message.text
    assert "➕ Add 203.35 USDC → liq 2,058.00, 16.00 % away" in message.text  # 2450 × 0.84


async def test_info_notes_off_drops_recoveries_but_not_alerts(desk: AlertDesk) -> None:
    await section6(desk)
    desk.services.chats.set_prefs(ALICE, info_notes=False)
    before = len(desk.emulator.sent_messages(ALICE))
    await desk.sink([event(desk, DecisionKind.RECOVERED, Level.NONE)])
    message = await desk.alert(event(desk))
    assert message.text.startswith("⚠️ WARNING")
    assert desk.services.notifier.pending == 0
    texts = [m.text for m in desk.emulator.sent_messages(ALICE)[before:]]
    assert texts == [message.text]


async def test_the_sink_never_makes_the_monitor_wait_for_pricing(
    desk: AlertDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pricing the Add button reads the exchange; the monitor must not wait for it, and a
    chat's messages keep their order."""
    await section6(desk)
    service = desk.services.extras[ALERTS_KEY]
    real_offer = service.offer
    release = asyncio.Event()

    async def slow_offer(*args: object, **kwargs: object) -> object:
        await release.wait()  # the exchange is slow to answer
        return await real_offer(*args, **kwargs)

    monkeypatch.setattr(service, "offer", slow_offer)
    since = desk.emulator.mark()
    async with asyncio.timeout(0.5):  # returns at once although pricing is stuck
        await desk.sink([event(desk)])
        await desk.sink([DegradedEvent(ALICE, True, 16.0)])
    assert [e for e in desk.emulator.events[since:] if e.method == "sendMessage"] == []
    release.set()
    first = await desk.emulator.wait_for_message(ALICE, timeout=WAIT, since=since)
    assert first.text.startswith("⚠️ WARNING — ETH") and first.button("Add")
    second = await desk.emulator.wait_for_message(
        ALICE, lambda m: m.message_id != first.message_id, timeout=WAIT, since=since)
    assert "Monitoring degraded" in second.text  # after the alert handed over before it
