"""The real python-telegram-bot stack (Application, polling, AIORateLimiter) over the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.botapi import BotApiEmulator, ptb_requests

# AIORateLimiter itself reads RetryAfter.retry_after, which PTB 22.2+ flags as deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = USER = 4242
TOKEN = "123456:TEST-token-never-logged"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/echo <words>: repeat the words in bold with a button."""
    assert update.effective_message is not None
    words = " ".join(context.args or [])
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    await update.effective_message.reply_text(
        f"<b>{words}</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )


async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Again button: answer first, then edit the message in place."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    await query.answer("done")
    await query.edit_message_text(f"{query.message.text} (pressed)")


async def broken(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/broken: send HTML Telegram refuses, remember the error PTB raised."""
    assert update.effective_message is not None
    try:
        await update.effective_message.reply_text("1 < 2", parse_mode=ParseMode.HTML)
    except BadRequest as exc:
        context.bot_data["error"] = exc.message
        context.bot_data["done"].set()


@pytest.fixture
async def running(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[BotApiEmulator, Application]]:
    emulator = BotApiEmulator()
    r1, r2 = ptb_requests(emulator)
    builder = Application.builder().token(TOKEN).request(r1).get_updates_request(r2)
    base_url = getattr(request, "param", None)
    if base_url:
        builder = builder.base_url(base_url)
    app = builder.rate_limiter(AIORateLimiter(max_retries=3)).build()
    app.add_handler(CommandHandler("echo", echo))
    app.add_handler(CommandHandler("broken", broken))
    app.add_handler(CallbackQueryHandler(again, pattern="^again$"))
    assert app.updater is not None
    async with asyncio.timeout(10):
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
    try:
        yield emulator, app
    finally:
        async with asyncio.timeout(10):
            await app.updater.stop()
            await app.stop()
            await app.shutdown()


@pytest.mark.parametrize("running", [None, "http://emulator/bot"], indirect=True)
async def test_command_reply_is_recorded(running: tuple[BotApiEmulator, Application]) -> None:
    emulator, _app = running
    emulator.push_text(CHAT, USER, "/echo hi")
    msg = await emulator.wait_for_message(CHAT, timeout=5)
    assert msg.text == "hi"
    assert msg.entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert [b.callback_data for b in msg.buttons] == ["again"]
    sent = emulator.calls_of("sendMessage")
    assert [c.params["chat_id"] for c in sent] == [CHAT]
    assert sent[0].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Again"
    assert emulator.calls_of("getMe") and emulator.calls_of("deleteWebhook")
    assert all(TOKEN not in str(c.params) for c in emulator.calls)


async def test_flood_429_is_retried_by_the_rate_limiter(
    running: tuple[BotApiEmulator, Application],
) -> None:
    emulator, _app = running
    emulator.fail_next("sendMessage", 429, retry_after=1)
    emulator.push_text(CHAT, USER, "/echo later")
    msg = await emulator.wait_for_message(CHAT, timeout=5)
    assert msg.text == "later"
    statuses = [c.status for c in emulator.calls_of("sendMessage")]
    assert statuses == [429, 200]
    gap = emulator.calls_of("sendMessage")[1].at - emulator.calls_of("sendMessage")[0].at
    assert gap >= 1.0


async def test_button_press_is_answered_then_edited(
    running: tuple[BotApiEmulator, Application],
) -> None:
    emulator, _app = running
    emulator.push_text(CHAT, USER, "/echo hi")
    msg = await emulator.wait_for_message(CHAT, timeout=5)
    query_id = emulator.press(CHAT, USER, msg.message_id, msg.button("Again").callback_data or "")
    edited = await emulator.wait_for_message(CHAT, lambda m: m.edit_date is not None, timeout=5)
    assert edited.message_id == msg.message_id
    assert edited.text == "hi (pressed)"
    assert edited.buttons == []  # the edit did not repeat the keyboard, so Telegram drops it
    assert emulator.callback_answer(query_id) == {"callback_query_id": query_id, "text": "done"}
    methods = [c.method for c in emulator.calls if c.method != "getUpdates"]
    assert methods[-2:] == ["answerCallbackQuery", "editMessageText"]


async def test_unparsable_html_surfaces_as_bad_request(
    running: tuple[BotApiEmulator, Application],
) -> None:
    emulator, app = running
    app.bot_data["done"] = asyncio.Event()
    emulator.push_text(CHAT, USER, "/broken")
    await asyncio.wait_for(app.bot_data["done"].wait(), 5)
    assert "parse entities" in app.bot_data["error"]
    assert emulator.sent_messages(CHAT) == []
