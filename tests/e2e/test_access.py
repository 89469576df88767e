"""Deny by default: strangers, edits, forwards and channel posts never run anything."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ALICE, GROUP, STRANGER, Desk

pytestmark = pytest.mark.asyncio(loop_scope="module")

STRANGER_REPLY = (f"Margin Desk is private. Your Telegram user id is {STRANGER}. "
                  "Ask the owner to add it to BOT_ALLOWED_USER_IDS.")  # fmt: skip


def chats_rows(desk: Desk) -> int:
    return desk.db.execute("SELECT count(*) FROM chats").fetchone()[0]


async def test_a_strangers_commands_get_only_their_id_once_per_10_minutes(desk: Desk) -> None:
    reply = await desk.say("/start", user=STRANGER)
    assert reply.text == STRANGER_REPLY
    for text in ("/buy eth 0.5", "/margin add eth 100", "/positions", "hello"):
        desk.push(text, user=STRANGER)
    await desk.barrier()
    await desk.drained()
    assert desk.exchange.requests == []  # not even a read
    assert desk.approvals() == []
    assert chats_rows(desk) == 0
    assert [(m.text, m.buttons) for m in desk.messages(STRANGER)] == [(STRANGER_REPLY, [])]
    desk.clock.advance(599)
    desk.push("/positions", user=STRANGER)
    await desk.barrier()
    await desk.drained()
    assert len(desk.messages(STRANGER)) == 1  # still within 10 min of the refusal
    desk.clock.advance(2)
    assert (await desk.say("/positions", user=STRANGER)).text == STRANGER_REPLY
    assert len(desk.messages(STRANGER)) == 2


async def test_a_strangers_button_press_gets_a_toast_only(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated", chat=GROUP)
    since = desk.emulator.mark()
    pressed = await desk.press(card, "Confirm", user=STRANGER, then=None)
    assert pressed.toast == STRANGER_REPLY
    assert pressed.answer.get("show_alert") is True
    await desk.barrier()
    assert desk.exchange.writes == []
    assert [e.method for e in desk.emulator.events[since:] if e.chat_id == GROUP] == [
        "answerCallbackQuery"]  # fmt: skip
    assert desk.approvals()[0]["state"] == "pending"  # Alice may still confirm it
    again = desk.emulator.press(GROUP, STRANGER, card.message_id, card.button("Confirm").
                                callback_data or "")  # fmt: skip
    await desk.barrier()
    assert desk.emulator.callback_answer(again) is None  # within 10 min: not even answered
    assert desk.exchange.writes == []


async def test_an_edited_message_is_not_run(desk: Desk) -> None:
    await desk.say("/positions")
    before = len(desk.exchange.requests)
    reply = await desk.say("/buy eth 0.5 isolated", edited=True)
    assert reply.text == "Edited messages are not run. Send the command again as a new message."
    assert len(desk.exchange.requests) == before
    assert desk.approvals() == []
    since = desk.push("/buy eth 0.5", user=STRANGER, edited=True)  # a stranger's edit: silence
    await desk.barrier()
    assert [e for e in desk.emulator.events[since:] if e.chat_id == STRANGER] == []


async def test_a_forwarded_message_is_not_run(desk: Desk) -> None:
    reply = await desk.say("/buy eth 0.5 isolated", forward=True)
    assert reply.text == "Forwarded messages never run commands. Type the command yourself."
    assert desk.exchange.requests == []
    assert desk.approvals() == []


async def test_a_message_sent_as_a_channel_or_anonymous_admin_is_refused(desk: Desk) -> None:
    as_admin = await desk.say("/buy eth 0.5", chat=GROUP, sender_chat=GROUP)
    as_channel = await desk.say("/positions", chat=GROUP, sender_chat=-100_777)
    for reply in (as_admin, as_channel):
        assert reply.text.startswith("Commands sent as a channel or as an anonymous admin "
                                     "are refused")  # fmt: skip
    assert desk.exchange.requests == []
    assert desk.approvals() == []


async def test_alice_is_served_in_her_chat_and_in_a_group(desk: Desk) -> None:
    assert (await desk.say("/positions")).text == "No open positions."
    assert (await desk.say("/positions@margin_desk_bot", chat=GROUP)).text == "No open positions."
    assert {m.chat_id for m in desk.emulator.sent_messages()} == {ALICE, GROUP}
