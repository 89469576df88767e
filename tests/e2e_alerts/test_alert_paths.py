"""Liquidation alerts through the running bot: scripted marks on the paper exchange -> the real
monitor (WebSocket streams) -> the real PTB stack -> the Bot API emulator."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import pytest

from bot.domain import margin
from bot.domain.alert_policy import Level
from tests.e2e.harness import money, num, row
from tests.e2e_alerts.harness import ALICE, BTC, ETH, SOL, AlertDesk, kind_of

D = Decimal
MINUTE = 60.0


def kinds(messages: list) -> list[str | None]:
    return [kind_of(m) for m in messages]


async def test_crossing_the_warning_line_alerts_once_after_two_updates(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        since = desk.emulator.mark()
        mark = desk.price_at(ETH, D("0.04"))  # 4 % from liquidation: inside the 5 % warning
        await desk.move(ETH, mark)
        assert (desk.state().level, desk.state().pending_warning) == (Level.NONE, 1)
        await desk.move(ETH, mark)  # the second consecutive update decides
        assert desk.state().level is Level.WARNING
        await desk.flush()  # the 5 s grouping window
        alerts = desk.sent(ALICE, since)
        assert kinds(alerts) == ["warning"], alerts
        alert = alerts[0]

        # The Add amount is the formula: margin for d = 2 × 5 % at the current mark, cent up.
        p, liq = desk.position(ETH), desk.liq(ETH)
        assert p is not None
        need = margin.margin_to_add_for_distance(desk.paper.engine.market(ETH), p.position_qty,
                                                 p.cost_position, p.margin, mark, D("0.10"), D(0))
        assert alert.button("Add").text == f"Add {need.quantize(D('0.01'), ROUND_CEILING)} USDC"
        assert row(alert.text, "mark") == money(mark)
        assert row(alert.text, "liq price") == money(liq)
        assert row(alert.text, "distance") == f"{money((mark - liq) / mark * 100)} %"
        assert num(row(alert.text, "margin")) == p.margin
        pnl = margin.unsettled_pnl(p.position_qty, mark, p.cost_position)  # at THIS mark
        assert row(alert.text, "unsettled") == f"{money(pnl)} USDC".replace("-", "−")
        assert row(alert.text, "leverage") == "10x"

        await desk.move(ETH, mark - 1)  # deeper but still a warning: nothing new
        await desk.flush()
        assert len(desk.sent(ALICE, since)) == 1


async def test_oscillating_around_the_warning_line_does_not_flap(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        inside, outside = desk.price_at(ETH, D("0.045")), desk.price_above(ETH, D("0.055"))
        far = desk.price_above(ETH, D("0.07"))  # past the 6.25 % re-arm line
        for price in [inside, outside] * 4:  # never two in a row inside: debounced away
            await desk.move(ETH, price)
        await desk.flush()
        assert desk.sent(ALICE, since) == []
        for price in [inside, inside] + [far, inside, outside, inside] * 4:
            await desk.move(ETH, price)
            await desk.advance(10)  # never 60 s above the re-arm line in one go
        await desk.flush()
        assert kinds(desk.sent(ALICE, since)) == ["warning"]


async def test_a_critical_takes_pending_warnings_along_and_leads_the_message(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy sol 10 isolated")
        await desk.open_position("/buy eth 1 isolated")
        since = desk.emulator.mark()
        sol = desk.price_at(SOL, D("0.04"))
        await desk.move(SOL, sol)
        await desk.move(SOL, sol)  # a SOL warning waits in the 5 s grouping window …
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # … and goes with ETH's critical
        message = await desk.next_alert(ALICE, since=since, seconds=2.0)
        assert message.text.startswith("🚨 CRITICAL — ETH isolated long is 2.00 %"), message.text
        assert "\n\n⚠️ WARNING — SOL isolated long is 4.00 % from liquidation" in message.text
        labels = [b.text for b in message.buttons]
        assert [x.split(" · ")[-1] for x in labels if x.startswith("Add ")] == ["ETH", "SOL"]
        await desk.flush()
        assert kinds(desk.sent(ALICE, since)) == ["critical"]


async def test_a_position_opened_inside_the_warning_zone_gets_one_audible_warning(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        reply = await desk.say("/leverage eth 25 isolated")
        assert "25x" in reply.text, reply.text
        since = desk.emulator.mark()
        await desk.open_position("/buy eth 1 isolated")  # 25×: about 3.4 % from liquidation
        await desk.flush()
        alerts = desk.sent(ALICE, since)
        assert kinds(alerts) == ["warning"], alerts
        assert alerts[0].text.startswith("⚠️ WARNING — ETH isolated long opened 3.")
        assert alerts[0].button("Add")
        sent = [c for c in desk.emulator.calls_of("sendMessage")
                if str(c.params.get("text", "")).startswith("⚠️")]  # fmt: skip
        assert sent[0].params.get("disable_notification") in (None, False, "false", "False")
        for _ in range(3):  # more updates inside the zone: the warning is already entered
            await desk.move(ETH, desk.price_at(ETH, D("0.03")))
        await desk.flush()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # the deeper level stays armed
        await desk.next_alert(ALICE, "critical", since=since)
        assert kinds(desk.sent(ALICE, since)) == ["warning", "critical"]


async def test_critical_alerts_at_once_and_reminds_on_schedule(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        alert = await desk.next_alert(ALICE, since=since, seconds=2.0)  # no clock step needed
        assert kind_of(alert) == "critical" and alert.button("Add")
        entered = desk.state().entered_at
        assert entered is not None
        for n, minutes in enumerate((5, 10, 15), start=1):
            await desk.advance(entered + minutes * MINUTE - 3 - desk.clock.time())
            await desk.quiet(0.1)
            assert kinds(desk.sent(ALICE, since)) == ["critical"] + ["reminder"] * (n - 1)
            await desk.advance(4)  # 1 s past the grid time
            await desk.until(lambda n=n: len(desk.sent(ALICE, since, "reminder")) == n or None)
        reminder = desk.sent(ALICE, since, "reminder")[-1]
        assert reminder.text.startswith("🔁 Still CRITICAL — ETH isolated long is 2."), reminder
        assert kinds(desk.sent(ALICE, since)) == ["critical", "reminder", "reminder", "reminder"]


async def test_snooze_holds_reminders_but_not_an_escalation(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        warn = desk.price_at(ETH, D("0.04"))
        await desk.move(ETH, warn)
        await desk.move(ETH, warn)
        await desk.flush()
        assert kinds(desk.sent(ALICE, since)) == ["warning"]
        entered = desk.state().entered_at
        assert entered is not None
        reply = await desk.say("/snooze ETH 1h")
        assert "snoozed" in reply.text.lower(), reply.text
        await desk.advance(entered + 31 * MINUTE - desk.clock.time())  # the 30 min reminder
        await desk.quiet(0.1)
        assert kinds(desk.sent(ALICE, since)) == ["warning"]

        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # escalation breaks through
        await desk.next_alert(ALICE, "critical", since=since, seconds=2.0)
        assert kinds(desk.sent(ALICE, since)) == ["warning", "critical"]


async def test_the_snooze_button_holds_critical_reminders_until_it_ends(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        alert = await desk.next_alert(ALICE, "critical", since=since)
        pressed = await desk.press(alert, "Snooze 1h")
        assert pressed.toast.startswith("Snoozed until"), pressed.toast
        assert pressed.message is not None and "😴 ETH snoozed until" in pressed.message.text
        snoozed_at = desk.clock.time()
        for minutes in (6, 11, 31, 59):
            await desk.advance(snoozed_at + minutes * MINUTE - desk.clock.time())
        await desk.quiet(0.1)
        assert kinds(desk.sent(ALICE, since)) == ["critical"]
        await desk.advance(snoozed_at + 61 * MINUTE - desk.clock.time())
        await desk.next_alert(ALICE, "reminder", since=since)  # the held reminder, once
        await desk.quiet(0.1)
        assert kinds(desk.sent(ALICE, since)) == ["critical", "reminder"]


async def test_recovery_says_so_once_after_holding_60_s(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        warn = desk.price_at(ETH, D("0.04"))
        await desk.move(ETH, warn)
        await desk.move(ETH, warn)
        await desk.flush()
        back = desk.price_above(ETH, D("0.07"))  # above 1.25 × 5 % = 6.25 %
        await desk.move(ETH, back)
        await desk.advance(30)
        await desk.move(ETH, back)
        await desk.flush()  # 36 s above the line: not yet
        assert kinds(desk.sent(ALICE, since)) == ["warning"]
        await desk.advance(25)  # 61 s
        await desk.flush()
        recovered = desk.sent(ALICE, since, "recovered")
        assert len(recovered) == 1
        assert recovered[0].text.startswith("✅ ETH isolated long is back to 7.00 % from liq")
        for _ in range(3):
            await desk.move(ETH, back)
            await desk.advance(30)
        await desk.flush()
        assert kinds(desk.sent(ALICE, since)) == ["warning", "recovered"]


async def test_a_restart_mid_episode_neither_repeats_nor_reschedules(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        await desk.next_alert(ALICE, "critical", since=since)
        entered = desk.state().entered_at
        assert entered is not None
        await desk.advance(entered + 5 * MINUTE + 1 - desk.clock.time())
        await desk.next_alert(ALICE, "reminder", since=since)
        await desk.advance(2 * MINUTE)

        await desk.restart()
        await desk.until(lambda: desk.watched(ETH) or None)
        await desk.ticked(2)
        await desk.quiet(0.2)
        assert kinds(desk.sent(ALICE, since)) == ["critical", "reminder"]
        assert desk.state().entered_at == entered
        await desk.advance(entered + 10 * MINUTE - 3 - desk.clock.time())
        await desk.quiet(0.1)
        assert kinds(desk.sent(ALICE, since)) == ["critical", "reminder"]
        await desk.advance(4)
        await desk.until(lambda: len(desk.sent(ALICE, since, "reminder")) == 2 or None)
        assert kinds(desk.sent(ALICE, since)) == ["critical", "reminder", "reminder"]


@pytest.mark.parametrize("websocket", [True, False], ids=["ws", "rest"])
async def test_a_liquidation_is_reported_once_and_other_positions_are_untouched(
    tmp_path: Path, websocket: bool
) -> None:
    async with AlertDesk.open(tmp_path, websocket=websocket) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        await desk.open_position("/buy btc 0.05 isolated")
        btc = desk.position(BTC)
        assert btc is not None
        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        await desk.next_alert(ALICE, "critical", since=since)
        await desk.move(ETH, desk.liq(ETH) - 5, seen=False)  # through the liquidation price
        liquidated = await desk.next_alert(ALICE, "liquidated", since=since)
        assert liquidated.text.startswith("❌ LIQUIDATED — ETH isolated long")
        assert desk.position(ETH) is None
        taken = desk.paper.engine.trades(desk.account_id, ETH)[0]  # push or not: the same
        assert row(liquidated.text, "liq price") == money(taken.executed_price)
        assert num(row(liquidated.text, "realized PnL")) == taken.realized_pnl.quantize(D("0.01"))
        await desk.flush()
        await desk.move(ETH, D(2000))
        await desk.flush()
        assert kinds(desk.sent(ALICE, since)) == ["critical", "liquidated"]
        after = desk.position(BTC)
        assert after is not None
        assert (after.position_qty, after.margin, after.est_liq_price) == (
            btc.position_qty, btc.margin, btc.est_liq_price)
        assert desk.watched(BTC) and not desk.watched(ETH)


async def test_a_close_during_an_episode_reports_price_pnl_and_margin_lost(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        await desk.next_alert(ALICE, "critical", since=since)
        before = desk.position(ETH)
        assert before is not None
        card = await desk.say("/close eth")
        pressed = await desk.press(card, "Confirm")
        assert pressed.message is not None and "✅" in pressed.message.text, pressed.message
        closed = await desk.next_alert(ALICE, "closed", since=since)
        fill = desk.paper.engine.trades(desk.account_id, ETH)[0]
        assert fill.order_id is not None and fill.realized_pnl < 0
        assert row(closed.text, "close price") == money(fill.executed_price)
        assert num(row(closed.text, "realized PnL")) == fill.realized_pnl.quantize(D("0.01"))
        assert num(row(closed.text, "margin lost")) == (-fill.realized_pnl).quantize(D("0.01"))
        assert num(row(closed.text, "fees")) == fill.fee.quantize(D("0.01"))
        assert before.margin > -fill.realized_pnl
