"""Fill and order notices through the running bot: a resting limit order crossed by the mark is
announced once (from the executionreport stream, or from REST with WebSocket off), partial fills
and exchange-side cancels/rejections are told, /notify mutes fills, a restart tells nothing
twice, and an order the bot's card already reported gets no second message."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.botapi import BotMessage
from tests.e2e.harness import GROUP
from tests.e2e_alerts.harness import ALICE, ETH, FEED, AlertDesk

D = Decimal
NOTICE = re.compile(r"^(✅ FILLED|◑ PARTLY FILLED|✖️ CANCELLED|❌ REJECTED|❌ LIQUIDATION TRADE|"
                    r"\d+ order updates)")


def notices(desk: AlertDesk, chat: int = ALICE, since: int = 0) -> list[BotMessage]:
    """Fill/order notices sent in chat from emulator event `since`."""
    return [e.message for e in desk.emulator.events[since:]
            if e.method == "sendMessage" and e.chat_id == chat and e.message is not None
            and NOTICE.match(e.message.text)]  # fmt: skip


def audible(desk: AlertDesk, message: BotMessage) -> bool:
    for e in desk.emulator.events:
        if e.method == "sendMessage" and e.message is not None \
                and e.message.message_id == message.message_id and e.chat_id == message.chat_id:
            return not e.params.get("disable_notification")
    raise LookupError(message)


async def resting_buy(desk: AlertDesk, qty: str = "0.5", price: str = "2400") -> int:
    """Place a resting isolated limit buy through the bot; returns its order id."""
    card = await desk.say(f"/buy eth {qty} {price} isolated")
    pressed = await desk.press(card, "Confirm")
    assert pressed.message is not None and "placed" in pressed.message.text, pressed.message
    return desk.last_order().order_id


async def next_notice(desk: AlertDesk, since: int, chat: int = ALICE) -> BotMessage:
    return await desk.until(lambda: next(iter(notices(desk, chat, since)), None))


@pytest.mark.parametrize("websocket", [True, False], ids=["executionreport", "rest-fallback"])
async def test_a_resting_limit_crossed_by_the_mark_is_announced_once(
    tmp_path: Path, websocket: bool
) -> None:
    async with AlertDesk.open(tmp_path, websocket=websocket, timings=FEED) as desk:
        await desk.begin()
        order_id = await resting_buy(desk)
        since = desk.emulator.mark()
        desk.paper.set_price(ETH, D("2399.5"))
        message = await next_notice(desk, since)
        text = message.text
        assert text.startswith("✅ FILLED — BUY 0.5") and "ETH at 2,400.00 (isolated)" in text
        assert "Fee 0.36 USDC" in text and f"order {order_id}" in text, text  # 0.5·2400·0.03 %
        assert "Position now: LONG 0.5" in text and "est. liq" in text, text
        assert audible(desk, message)
        await desk.quiet(2.5)  # further REST rounds / pushes of the same order say nothing
        assert len(notices(desk, ALICE, since)) == 1, [m.text for m in notices(desk, since=since)]
        assert desk.open_orders() == []


async def test_partial_fills_then_the_rest_each_once_and_grouped_chats(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin((ALICE, ALICE), (GROUP, ALICE))
        await resting_buy(desk, "1")
        since = desk.emulator.mark()
        desk.paper.engine.set_depth(ETH, D("0.4"))
        desk.paper.set_price(ETH, D("2399.5"))
        first = await next_notice(desk, since)
        assert first.text.startswith("◑ PARTLY FILLED — BUY 0.4"), first.text
        assert "0.4000 of 1.0000 ETH filled, the rest open" in first.text, first.text
        await next_notice(desk, since, GROUP)  # every started chat hears it
        mark = desk.emulator.mark()
        desk.paper.engine.set_depth(ETH, None)
        desk.paper.set_price(ETH, D("2399"))
        rest = await next_notice(desk, mark)
        assert rest.text.startswith("✅ FILLED — BUY 0.6"), rest.text
        await desk.quiet(1.5)
        assert len(notices(desk, ALICE, since)) == 2
        assert len(notices(desk, GROUP, since)) == 2


@pytest.mark.parametrize("websocket", [True, False], ids=["executionreport", "rest-fallback"])
async def test_exchange_side_rejection_told_but_not_the_users_own_cancel(
    tmp_path: Path, websocket: bool
) -> None:
    async with AlertDesk.open(tmp_path, websocket=websocket, timings=FEED) as desk:
        await desk.begin()
        mine = await resting_buy(desk, "0.1", "2300")
        rejected = await resting_buy(desk, "0.2", "2350")
        since = desk.emulator.mark()
        reply = await desk.say(f"/cancel {mine}")
        assert "ancel" in reply.text, reply.text
        desk.paper.engine.reject_order(desk.account_id, rejected, "risk limit exceeded")
        desk.paper.set_price(ETH, D("2500"))  # publish the engine's events
        message = await next_notice(desk, since)
        assert message.text.startswith("❌ REJECTED by the exchange — order "
                                       f"{rejected}: BUY 0.2"), message.text
        # the push carries the exchange's reason; Orderly's REST order rows have none
        assert ("Reason: risk limit exceeded" in message.text) is websocket, message.text
        await desk.quiet(1.5)
        assert [m.text[:12] for m in notices(desk, ALICE, since)] == [message.text[:12]]


async def test_notify_fills_off_mutes_fills_and_a_restart_tells_nothing_again(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        shown = await desk.say("/notify")
        assert "Fills of orders (audible): on" in shown.text, shown.text
        await resting_buy(desk, "0.2", "2400")
        await resting_buy(desk, "0.3", "2390")
        changed = await desk.say("/notify fills off")
        assert "Fills of orders (audible): off" in changed.text, changed.text
        since = desk.emulator.mark()
        desk.paper.set_price(ETH, D("2399.5"))  # fills the 2400 order only
        await desk.until(lambda: len(desk.open_orders()) == 1 or None)
        await desk.quiet(2.0)
        assert notices(desk, ALICE, since) == []

        await desk.say("/notify fills on")
        await desk.stop()  # the second order fills while the bot is down
        desk.paper.set_price(ETH, D("2389"))
        since = desk.emulator.mark()
        await desk.start()
        message = await next_notice(desk, since)
        assert message.text.startswith("✅ FILLED — BUY 0.3"), message.text
        await desk.quiet(1.5)
        assert len(notices(desk, ALICE, since)) == 1  # the muted fill is not told late

        await desk.stop()
        since = desk.emulator.mark()
        await desk.start()
        await desk.quiet(2.0)
        assert notices(desk, ALICE, since) == []


async def test_a_market_order_reported_on_its_card_gets_no_fill_message(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        since = desk.emulator.mark()
        card = await desk.open_position("/buy eth 0.5 isolated")
        assert "FILLED" in card.text
        await desk.quiet(2.0)
        assert notices(desk, ALICE, since) == []


async def test_a_liquidation_trade_is_told_once_quietly_beside_the_alert(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        liq = desk.liq(ETH)
        since = desk.emulator.mark()
        desk.paper.set_price(ETH, (liq - 1).quantize(D("0.01")))
        message = await next_notice(desk, since)
        assert message.text.startswith("❌ LIQUIDATION TRADE — the exchange took over the "
                                       "isolated long of 1.0000 ETH at "), message.text
        assert not audible(desk, message)  # the liquidation alert is the loud one
        await desk.next_alert(ALICE, "liquidated", since=since)
        await desk.quiet(1.5)
        assert len(notices(desk, ALICE, since)) == 1


async def test_a_fill_while_the_websocket_is_down_is_told_once_after_the_switch(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await resting_buy(desk, "0.5", "2400")
        since = desk.emulator.mark()
        await desk.paper.drop_websockets()  # nobody hears the push of the fill below
        desk.paper.set_price(ETH, D("2399.5"))
        message = await next_notice(desk, since)  # REST while down, or the reconnect's sync
        assert message.text.startswith("✅ FILLED — BUY 0.5000 ETH at 2,400.00"), message.text
        await desk.until(lambda: desk.paper.hub.connections == 2 or None)  # reconnected
        await desk.quiet(2.5)
        assert len(notices(desk, ALICE, since)) == 1
