"""/menu and the position card's amount buttons, through the real PTB stack, the Bot API
emulator and the paper exchange: menu buttons answer in place; Add N USDC / Close N % draw the
normal approval card (a double tap draws one, nothing moves before Confirm, another user's
press is refused)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.harness import ALICE, BOB, GROUP, STRANGER, Desk

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARGIN = ("POST", "/v1/position_margin")
ORDER = ("POST", "/v1/order")


async def test_menu_buttons_turn_the_menu_into_each_screen_and_back(desk: Desk) -> None:
    await desk.open_position()
    shown = await desk.say("/menu")
    labels = [b.text for b in shown.buttons]
    assert labels[:4] == ["Positions", "Balance", "Orders", "Alerts"]
    assert {"Notifications", "Status", "History"} <= set(labels)
    assert all(b.callback_data and len(b.callback_data.encode()) <= 64 for b in shown.buttons)

    positions = await desk.press(shown, "Positions")
    assert positions.message is not None and positions.message.message_id == shown.message_id
    assert positions.message.text.startswith("Open positions (1)"), positions.message.text
    assert [b.text for b in positions.message.buttons] == ["ETH iso", "« Menu"]

    back = await desk.press(positions.message, "« Menu")
    assert back.message is not None and back.message.text.startswith("Menu")
    balance = await desk.press(back.message, "Balance")
    assert balance.message is not None and "isolated margin" in balance.message.text
    assert (await desk.press(balance.message, "« Menu")).message is not None

    orders = await desk.press(shown, "Orders")
    assert orders.message is not None and "open orders" in orders.message.text.lower()
    # the menu stayed one message: every answer was an edit of it
    assert [m.message_id for m in desk.messages() if m.message_id >= shown.message_id] == [
        shown.message_id]


async def test_menu_entry_of_a_position_opens_its_card_with_amount_buttons(desk: Desk) -> None:
    await desk.open_position()
    listed = await desk.say("/positions")
    card = await desk.press(listed, "ETH iso", then="reply")
    assert card.message is not None
    assert [b.text for b in card.message.buttons][-6:] == [
        "Add 25 USDC", "Add 50 USDC", "Add 100 USDC", "Close 25 %", "Close 50 %", "Close 100 %"]


async def test_add_50_draws_the_margin_card_and_a_double_tap_draws_one(desk: Desk) -> None:
    await desk.open_position()
    before = desk.margin()
    position = await desk.say("/position eth")
    data = position.button("Add 50 USDC").callback_data
    assert data is not None
    since = desk.emulator.mark()
    first = desk.emulator.press(ALICE, ALICE, position.message_id, data)
    second = desk.emulator.press(ALICE, ALICE, position.message_id, data)
    await desk.barrier()
    assert desk.exchange.count(*MARGIN) == 0  # a button only draws the card
    cards = [m for m in desk.messages() if m.message_id > position.message_id
             and m.text.startswith("Confirm: add 50 USDC to ETH isolated")]  # fmt: skip
    assert len(cards) == 1, [m.text[:40] for m in desk.messages()[since:]]
    answers = [desk.emulator.callback_answer(q) or {} for q in (first, second)]
    assert "already open" in str(answers[1].get("text")), answers
    assert len([a for a in desk.approvals() if a["kind"] == "margin"]) == 1

    done = await desk.press(cards[0], "Confirm")
    assert done.message is not None and "✅" in done.message.text, done.message.text
    assert desk.exchange.count(*MARGIN) == 1
    assert desk.margin() == before + Decimal(50)
    again = await desk.press(position, "Add 50 USDC", then="reply")  # the card is done: a new one
    assert again.message is not None and again.message.text.startswith("Confirm: add 50 USDC")


async def test_close_25_percent_draws_the_close_card_of_a_quarter(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    position = await desk.say("/position eth")
    pressed = await desk.press(position, "Close 25 %", then="reply")
    card = pressed.message
    assert card is not None and card.text.startswith("Confirm close: SELL 0.25 ETH"), card.text
    orders_before = desk.exchange.count(*ORDER)
    done = await desk.press(card, "Confirm")
    assert done.message is not None and "✅" in done.message.text
    assert desk.exchange.count(*ORDER) == orders_before + 1
    p = desk.position()
    assert p is not None and p.position_qty == Decimal("0.75")


async def test_another_users_press_is_refused(desk: Desk) -> None:
    await desk.open_position()
    position = await desk.say("/position eth", chat=GROUP)
    pressed = await desk.press(position, "Add 25 USDC", then="reply")
    card = pressed.message
    assert card is not None and card.text.startswith("Confirm: add 25 USDC")
    bob = await desk.press(card, "Confirm", user=BOB, then=None)
    assert bob.toast == "This button is for the person who asked."
    stranger = await desk.press(position, "Add 100 USDC", user=STRANGER, then=None)
    assert "private" in stranger.toast.lower() or str(STRANGER) in stranger.toast, stranger.toast
    await desk.barrier()
    assert desk.exchange.count(*MARGIN) == 0
    assert [a["user_id"] for a in desk.approvals() if a["kind"] == "margin"] == [ALICE]


async def test_notify_buttons_switch_in_place_once_and_persist_across_a_restart(
    desk: Desk,
) -> None:
    shown = await desk.say("/notify")
    assert [b.text for b in shown.buttons] == [
        "Fills: on", "Orders: on", "Reminders: on", "Daily: on", "Feed: on"]
    data = shown.button("Reminders: on").callback_data
    assert data == "nt:reminders:0"
    desk.emulator.press(ALICE, ALICE, shown.message_id, data)  # a double tap sets it once
    desk.emulator.press(ALICE, ALICE, shown.message_id, data)
    await desk.barrier()
    await desk.drained()
    edited = desk.emulator.message(ALICE, shown.message_id)
    assert "Reminders: off" in [b.text for b in edited.buttons]
    assert "Alert reminders while a position stays in its level: off" in edited.text
    stranger = await desk.press(edited, "Daily: on", user=STRANGER, then=None)
    assert stranger.toast  # refused by the access gate
    quiet = await desk.say("/notify quiet 22:00-06:30")
    assert "Quiet hours: 22:00-06:30 (UTC)" in quiet.text
    assert "Quiet hours off" in [b.text for b in quiet.buttons]

    await desk.restart()
    again = await desk.say("/notify")
    assert [b.text for b in again.buttons] == [
        "Fills: on", "Orders: on", "Reminders: off", "Daily: on", "Feed: on", "Quiet hours off"]
    off = await desk.press(again, "Quiet hours off")
    assert off.message is not None and "Quiet hours: none" in off.message.text
    await desk.say("/tz Asia/Tokyo")  # quiet hours are read on the chat's /tz clock
    assert "Quiet hours: none (" not in (zoned := await desk.say("/notify quiet 23:00-07:00")).text
    assert "Quiet hours: 23:00-07:00 (Asia/Tokyo)" in zoned.text, zoned.text
    await desk.say("/notify quiet off")
    bad = await desk.say("/notify quiet 25:00-07:00")
    assert "HH:MM-HH:MM" in bad.text
    assert "Quiet hours: none" in (await desk.say("/notify")).text


async def test_notifications_from_the_menu_keep_the_way_back(desk: Desk) -> None:
    shown = await desk.say("/menu")
    screen = await desk.press(shown, "Notifications")
    assert screen.message is not None and screen.message.buttons[-1].text == "« Menu"
    toggled = await desk.press(screen.message, "Fills: on")
    assert toggled.message is not None
    assert [b.text for b in toggled.message.buttons][-1] == "« Menu"
    assert "Fills: off" in [b.text for b in toggled.message.buttons]


async def test_a_forged_or_absent_menu_entry_does_nothing(desk: Desk) -> None:
    shown = await desk.say("/menu")
    for data in ("mn:nothing", "mn:UPPER", "mn:" + "a" * 40):
        forged = await desk.press_raw(shown, data)
        assert forged.toast in ("This button is no longer active.",
                                "That button is not valid."), forged.toast  # fmt: skip
    assert desk.emulator.message(ALICE, shown.message_id).text == shown.text
