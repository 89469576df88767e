"""Deny by default: who may talk to the bot, checked on every update before any handler runs."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handlers import render
from bot.handlers.context import Services, answer_quietly, services_of
from bot.services.delivery.notifier import Priority

log = logging.getLogger(__name__)

EDITED = "Edited messages are not run. Send the command again as a new message."
FORWARDED = "Forwarded messages never run commands. Type the command yourself."
VIA_BOT = "Messages sent via an inline bot never run commands. Type the command yourself."
AS_CHANNEL = ("Commands sent as a channel or as an anonymous admin are refused: "
              "Margin Desk must know which person asks.")


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop every update that is not a fresh message or button press by an allowed user."""
    services = services_of(context)
    allowed = services.settings.bot_allowed_user_ids
    user = update.effective_user
    query = update.callback_query
    if query is not None:
        if user is None or user.id not in allowed:
            sender = f"user {user.id if user else '?'}"
            if services.refusals.allow(f"press by {sender}"):  # else unanswered: no request
                log.warning("refused a button press from %s", sender)
                await answer_quietly(
                    query, render.stranger_toast(user.id if user else None), show_alert=True
                )
            raise ApplicationHandlerStop
        return
    message = update.message
    chat = update.effective_chat
    if message is None or chat is None:
        if update.edited_message is not None and user is not None and user.id in allowed:
            await services.notifier.reply(update.edited_message.chat_id, EDITED)
        raise ApplicationHandlerStop  # edits, channel posts, joins…: never run anything
    if message.sender_chat is not None:  # a channel or an anonymous group admin
        await _refuse(services, chat.id, f"chat {message.sender_chat.id}", AS_CHANNEL)
        raise ApplicationHandlerStop
    if user is None or user.id not in allowed:
        text = render.stranger(user.id if user else None)
        await _refuse(services, chat.id, f"user {user.id if user else '?'}", text)
        raise ApplicationHandlerStop
    if message.forward_origin is not None:
        await services.notifier.reply(chat.id, FORWARDED)
        raise ApplicationHandlerStop
    if message.via_bot is not None:  # its text was written by another (inline) bot
        await services.notifier.reply(chat.id, VIA_BOT)
        raise ApplicationHandlerStop


async def _refuse(services: Services, chat_id: int, sender: str, text: str) -> None:
    """Tell a sender they are refused, at most once per 10 min and only from the budget that
    alerts and allowed users' replies leave spare (a flood of strangers never delays them)."""
    if not services.refusals.allow(sender):
        log.debug("refused a message from %s again (already told)", sender)
        return
    log.warning("refused a message from %s", sender)
    await services.notifier.send(chat_id, text, priority=Priority.REFUSAL)
