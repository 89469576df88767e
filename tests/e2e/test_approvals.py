"""Approvals: a Confirm runs exactly once, and every other press does nothing on the exchange."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.harness import ALICE, BOB, ETH, GROUP, Desk

pytestmark = pytest.mark.asyncio(loop_scope="module")

ORDER = ("POST", "/v1/order")
MARGIN = ("POST", "/v1/position_margin")
EXPIRED = "Expired — nothing was sent. Ask again."


async def test_confirm_sends_exactly_one_order(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    assert desk.exchange.writes == []  # drawing a card sends nothing
    done = await desk.press(card, "Confirm")
    assert desk.exchange.count(*ORDER) == 1
    assert done.message is not None and desk.filled() in done.message.text
    [approval] = desk.approvals()
    assert approval["state"] == "done"


async def test_double_press_still_one_order_and_the_outcome_stays_on_the_card(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    data = card.button("Confirm").callback_data
    assert data is not None
    since = desk.emulator.mark()
    first = desk.emulator.press(ALICE, ALICE, card.message_id, data)  # two taps before the
    second = desk.emulator.press(ALICE, ALICE, card.message_id, data)  # bot sees either
    await desk.barrier()
    await desk.drained()
    assert desk.exchange.count(*ORDER) == 1
    answers = [desk.emulator.callback_answer(q) or {} for q in (first, second)]
    assert [a.get("text") for a in answers] == [
        "Working on it…", "Already done — each card works once."]  # fmt: skip
    final = desk.emulator.message(ALICE, card.message_id)
    assert desk.filled() in final.text, final.text  # not overwritten by the second tap
    edits = [e for e in desk.emulator.events[since:] if e.method == "editMessageText"]
    assert len(edits) == 1


async def test_double_press_on_a_margin_card_moves_margin_once(desk: Desk) -> None:
    await desk.open_position()
    before = desk.margin()
    card = await desk.say("/margin add eth 100")
    data = card.button("Confirm").callback_data
    assert data is not None
    desk.emulator.press(ALICE, ALICE, card.message_id, data)
    desk.emulator.press(ALICE, ALICE, card.message_id, data)
    await desk.barrier()
    assert desk.exchange.count(*MARGIN) == 1
    assert desk.margin() == before + 100


async def test_cancel_button_sends_nothing(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    pressed = await desk.press(card, "Cancel")
    assert pressed.toast == "Cancelled. Nothing was sent."
    assert pressed.message is not None and not pressed.message.buttons
    assert pressed.message.text.endswith("✖️ Cancelled — nothing was sent.")
    assert desk.exchange.writes == []
    assert desk.approvals()[0]["state"] == "cancelled"


async def test_expired_order_card_does_nothing_and_says_so(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    desk.clock.advance(61)  # orders: valid 60 s
    pressed = await desk.press(card, "Confirm")
    assert pressed.toast == EXPIRED
    assert pressed.message is not None and pressed.message.text.endswith("⌛ " + EXPIRED)
    assert not pressed.message.buttons
    assert desk.exchange.writes == []


async def test_margin_cards_live_120_seconds(desk: Desk) -> None:
    await desk.open_position()
    before = desk.margin()
    stale = await desk.say("/margin add eth 100")
    desk.clock.advance(121)
    assert (await desk.press(stale, "Confirm")).toast == EXPIRED
    assert desk.exchange.count(*MARGIN) == 0

    fresh = await desk.say("/margin add eth 100")
    desk.clock.advance(61)  # past an order's 60 s, within a top-up's 120 s
    done = await desk.press(fresh, "Confirm")
    assert done.message is not None and "✅ Added 100 USDC." in done.message.text
    assert desk.exchange.count(*MARGIN) == 1
    assert desk.margin() == before + 100


async def test_another_allowed_users_press_does_nothing(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated", chat=GROUP)
    pressed = await desk.press(card, "Confirm", user=BOB, then=None)
    assert pressed.toast == "This button is for the person who asked."
    assert pressed.answer.get("show_alert") is True
    await desk.barrier()
    assert desk.exchange.writes == []
    assert desk.emulator.message(GROUP, card.message_id).buttons  # the card is still Alice's
    done = await desk.press(card, "Confirm", user=ALICE)
    assert done.message is not None and desk.filled() in done.message.text
    assert desk.exchange.count(*ORDER) == 1


async def test_forged_or_malformed_callback_data_does_nothing(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    for data in ("a:AAAAAAAAAAAAAAAA", "a:<b>x</b>", "zz:1", "a:" + "A" * 70):
        pressed = await desk.press_raw(card, data)
        assert pressed.toast == "Unknown or forged button; nothing done."
    await desk.barrier()
    assert desk.exchange.writes == []
    assert [a["state"] for a in desk.approvals()] == ["pending"]
    # nothing but the card and the barrier's reply: no "something went wrong" message
    assert [m.message_id for m in desk.messages()][-2] == card.message_id


async def test_press_after_a_restart_past_expiry_does_nothing(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    await desk.restart()
    desk.clock.advance(61)
    pressed = await desk.press(card, "Confirm")
    assert pressed.toast == EXPIRED
    assert desk.exchange.writes == []


async def test_press_after_a_restart_within_expiry_still_works(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    await desk.restart()
    done = await desk.press(card, "Confirm")
    assert done.message is not None and desk.filled() in done.message.text
    assert desk.exchange.count(*ORDER) == 1


async def test_preconditions_are_checked_again_at_press_time(desk: Desk) -> None:
    await desk.open_position()
    first = await desk.say("/margin add eth 100")
    second = await desk.say("/margin add eth 100")  # drawn while the margin was 250
    await desk.press(first, "Confirm")
    pressed = await desk.press(second, "Confirm")
    assert pressed.message is not None
    assert pressed.message.text.endswith(
        "⚠️ Not sent: the position margin changed since this card was drawn; ask again")
    assert desk.exchange.count(*MARGIN) == 1
    assert desk.margin() == Decimal(350)

    close = await desk.say("/close eth")
    await desk.open_position("/close eth")  # closed by another card meanwhile
    pressed = await desk.press(close, "Confirm")
    assert pressed.message is not None
    assert "⚠️ Not sent: the position is already closed; nothing was sent" in pressed.message.text
    assert desk.exchange.count(*ORDER) == 2  # the opening buy and one close
    assert desk.position(ETH) is None
