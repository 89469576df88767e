"""TP/SL and stop orders through the running bot on the paper exchange: the card (PnL at each
trigger, the SL-beyond-liquidation warning), one algo order per card however often Confirm is
pressed, the mark firing one leg (one close, one message, the sibling cancelled), cancelling
from /orders, a stop order, and bad input refused with nothing sent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.botapi import BotMessage
from bot.domain.algo import AlgoType
from bot.services.trading.actions import client_order_id
from tests.e2e_alerts.harness import ALICE, ETH, FEED, AlertDesk

D = Decimal
ALGO = ("POST", "/v1/algo/order")


def sent_since(desk: AlertDesk, since: int, chat: int = ALICE) -> list[BotMessage]:
    return [e.message for e in desk.emulator.events[since:]
            if e.method == "sendMessage" and e.chat_id == chat and e.message is not None]


async def placed_pair(desk: AlertDesk, command: str = "/tpsl eth 2600 2400") -> BotMessage:
    card = await desk.say(command)
    assert card.button("Confirm"), card.text
    pressed = await desk.press(card, "Confirm")
    assert pressed.message is not None and "placed: algo order" in pressed.message.text, \
        pressed.message
    return card


async def test_a_tpsl_pair_the_mark_triggers_closes_once_with_one_message(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        card = await placed_pair(desk)
        assert "PnL at TP" in card.text and "+100.00 USDC" in card.text, card.text  # (2600−2500)·1
        assert "−100.00 USDC" in card.text and "the other is cancelled" in card.text, card.text
        assert "never fire" not in card.text
        [root] = desk.paper.engine.algo_orders(desk.account_id)
        assert root.algo_type is AlgoType.TP_SL and root.margin_mode.value == "ISOLATED"
        since = desk.emulator.mark()
        desk.paper.set_price(ETH, D("2610"))
        message = await desk.until(lambda: next(
            (m for m in sent_since(desk, since) if "TAKE-PROFIT fired" in m.text), None))
        text = message.text
        assert "ETH: sold 1" in text and "at 2,610.00 (trigger 2,600.00)" in text, text
        assert "The stop-loss was cancelled." in text, text
        assert "FILLED — SELL 1" in text and "Position now: flat." in text, text  # same message
        await desk.quiet(2.5)
        desk.paper.set_price(ETH, D("2390"))  # the cancelled stop-loss's trigger: nothing more
        await desk.quiet(2.0)
        # one message tells the trigger and the fill; the only other is the alert watch's
        # quiet end-of-watch line, which every close of a watched position gets
        told = [m.text for m in sent_since(desk, since)]
        assert [t for t in told if not t.startswith("⏹ ")] == [text], told
        assert len(told) <= 2, told
        assert desk.position() is None
        closes = [o for o in desk.paper.engine.orders(desk.account_id) if o.reduce_only]
        assert len(closes) == 1 and closes[0].status == "FILLED"
        after = desk.paper.engine.algo_order(desk.account_id, root.algo_order_id)
        tp, sl = after.leg(AlgoType.TAKE_PROFIT), after.leg(AlgoType.STOP_LOSS)
        assert tp is not None and tp.status == "FILLED"
        assert sl is not None and sl.status == "CANCELLED"


async def test_a_stop_loss_beyond_liquidation_is_warned_on_the_card(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        liq = desk.liq()
        below = (liq - 20).quantize(D("0.01"))
        card = await desk.say(f"/sl eth {below}")
        assert "This stop-loss can never fire" in card.text, card.text
        assert "liquidation price" in card.text and card.button("Confirm"), card.text
        safe = await desk.say(f"/sl eth {(liq + 50).quantize(D('0.01'))}")
        assert "never fire" not in safe.text, safe.text
        assert desk.exchange.count(*ALGO) == 0  # drawing cards sends nothing


async def test_double_press_places_one_algo_order(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        card = await desk.say("/tp eth 2700")
        data = card.button("Confirm").callback_data
        assert data is not None
        first = desk.emulator.press(ALICE, ALICE, card.message_id, data)
        second = desk.emulator.press(ALICE, ALICE, card.message_id, data)
        await desk.barrier()
        await desk.drained()
        answers = [desk.emulator.callback_answer(q) or {} for q in (first, second)]
        assert [a.get("text") for a in answers] == [
            "Working on it…", "Already done — each card works once."]  # fmt: skip
        assert desk.exchange.count(*ALGO) == 1
        assert len(desk.paper.engine.algo_orders(desk.account_id)) == 1


async def test_cancel_from_orders_and_with_the_cancel_command(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        await placed_pair(desk)
        await placed_pair(desk, "/sl eth 2300")
        first, second = desk.paper.engine.algo_orders(desk.account_id)
        listing = await desk.say("/orders")
        assert "TP/SL and stop orders</b> (2)" in listing.text or "TP/SL and stop orders (2)" \
            in listing.text, listing.text
        assert f"algo {first.algo_order_id}" in listing.text, listing.text
        pressed = await desk.press(listing, f"Cancel algo {first.algo_order_id}", then="reply")
        assert pressed.message is not None, pressed
        assert pressed.message.text.startswith(f"✅ Cancelled algo {first.algo_order_id}"), \
            pressed.message.text
        gone = desk.paper.engine.algo_order(desk.account_id, first.algo_order_id)
        assert gone.status == "CANCELLED" and {c.status for c in gone.children} == {"CANCELLED"}
        reply = await desk.say(f"/cancel algo {second.algo_order_id}")
        assert reply.text.startswith(f"✅ Cancelled algo {second.algo_order_id}"), reply.text
        again = await desk.say(f"/cancel algo {second.algo_order_id}")
        assert "already cancelled" in again.text, again.text
        assert desk.paper.engine.algo_orders(desk.account_id)[1].status == "CANCELLED"


async def test_a_stop_order_opens_when_the_mark_reaches_it(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        card = await desk.say("/stop eth 0.5 2600")
        assert "Confirm stop BUY 0.5 ETH" in card.text and "mark ≥ 2,600.00" in card.text, \
            card.text
        pressed = await desk.press(card, "Confirm")
        assert pressed.message is not None and "stop placed" in pressed.message.text, \
            pressed.message
        since = desk.emulator.mark()
        desk.paper.set_price(ETH, D("2601"))
        message = await desk.until(lambda: next(
            (m for m in sent_since(desk, since) if "STOP triggered" in m.text), None))
        assert "bought 0.5" in message.text, message.text
        position = desk.position()
        assert position is not None and position.position_qty == D("0.5")


async def test_bad_triggers_are_refused_and_nothing_is_sent(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        none = await desk.say("/tp eth 2700")
        assert "No open isolated ETH position to protect" in none.text, none.text
        await desk.open_position("/buy eth 1 isolated")
        low = await desk.say("/tp eth 2400")
        assert "take-profit must be above its entry" in low.text, low.text
        high = await desk.say("/sl eth 2600")
        assert "stop-loss must be below the mark" in high.text, high.text
        tick = await desk.say("/tpsl eth 2600.001 2400")
        assert "tick" in tick.text, tick.text
        usage = await desk.say("/tpsl eth 2600")
        assert "/tpsl SYMBOL TP SL" in usage.text, usage.text
        assert desk.exchange.count(*ALGO) == 0


async def test_a_lost_answer_is_found_by_client_order_id_not_resent(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path, timings=FEED) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        card = await desk.say("/tpsl eth 2600 2400")
        desk.exchange.lose_answer[ALGO] = 1  # the exchange takes it; its answer is lost
        done = await desk.press(card, "Confirm")
        assert done.message is not None and "placed: algo order" in done.message.text, \
            done.message
        cid = client_order_id(desk.approvals()[-1]["token"])
        assert desk.exchange.count(*ALGO) == 1  # never resent
        assert desk.exchange.count("GET", f"/v1/algo/client/order/{cid}") == 1
        assert len(desk.paper.engine.algo_orders(desk.account_id)) == 1
        assert desk.approvals()[-1]["state"] == "done"
