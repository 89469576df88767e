"""/notify switches and quiet hours through the running bot, the monitor and the emulator:
reminders off mutes reminders (warning and critical alike) while the escalation to critical
still arrives, audibly; in quiet hours a warning arrives without a sound and a critical alert
rings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bot.botapi import BotMessage
from tests.e2e_alerts.harness import ALICE, ETH, AlertDesk, kind_of

D = Decimal
MINUTE = 60.0


def kinds(messages: list[BotMessage]) -> list[str | None]:
    return [kind_of(m) for m in messages]


def audible(desk: AlertDesk, message: BotMessage) -> bool:
    """True when the sendMessage that carried `message` asked for a notification."""
    (sent,) = [e for e in desk.emulator.events if e.method == "sendMessage"
               and e.message is not None and e.message.message_id == message.message_id
               and e.chat_id == message.chat_id]  # fmt: skip
    return sent.params.get("disable_notification") in (None, False, "false", "False")


async def test_reminders_off_mutes_reminders_but_the_escalation_still_rings(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        reply = await desk.say("/notify reminders off")
        assert "Alert reminders while a position stays in its level: off" in reply.text, reply.text
        # the clock jumps below make the feed look stale: its notices are switched off too
        reply = await desk.say("/notify degraded off")
        assert "Feed health: monitoring lost or regained fresh prices: off" in reply.text
        since = desk.emulator.mark()
        warn = desk.price_at(ETH, D("0.04"))
        await desk.move(ETH, warn)
        await desk.move(ETH, warn)
        await desk.flush()
        assert kinds(desk.sent(ALICE, since)) == ["warning"]  # a first alert is never muted
        entered = desk.state().entered_at
        assert entered is not None
        await desk.advance(entered + 31 * MINUTE - desk.clock.time())  # the 30 min reminder
        await desk.quiet(0.3)
        assert kinds(desk.sent(ALICE, since)) == ["warning"]

        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # the escalation breaks through
        critical = await desk.next_alert(ALICE, "critical", since=since, seconds=2.0)
        assert audible(desk, critical)
        entered = desk.state().entered_at
        assert entered is not None
        await desk.advance(entered + 5 * MINUTE + 1 - desk.clock.time())  # critical reminder due
        await desk.quiet(0.3)
        assert kinds(desk.sent(ALICE, since)) == ["warning", "critical"]

        await desk.say("/notify reminders on")  # back on: the next reminder arrives
        await desk.advance(entered + 10 * MINUTE + 1 - desk.clock.time())
        await desk.next_alert(ALICE, "reminder", since=since)
        await desk.quiet(0.3)
        assert kinds(desk.sent(ALICE, since)) == ["warning", "critical", "reminder"]


def window_around_now(desk: AlertDesk) -> str:
    """Quiet hours from an hour ago to two hours ahead on the bot's clock (UTC: no /tz set)."""
    now = datetime.fromtimestamp(desk.clock.time(), UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    return f"{start:%H:%M}-{end:%H:%M}"


async def test_quiet_hours_silence_a_warning_while_a_critical_alert_rings(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        window = window_around_now(desk)
        reply = await desk.say(f"/notify quiet {window}")
        assert f"Quiet hours: {window} (UTC)" in reply.text, reply.text
        since = desk.emulator.mark()
        warn = desk.price_at(ETH, D("0.04"))
        await desk.move(ETH, warn)
        await desk.move(ETH, warn)
        await desk.flush()
        (warning,) = desk.sent(ALICE, since)
        assert kind_of(warning) == "warning" and not audible(desk, warning)

        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        critical = await desk.next_alert(ALICE, "critical", since=since, seconds=2.0)
        assert audible(desk, critical)

        off = await desk.say("/notify quiet off")
        assert "Quiet hours: none" in off.text
