"""The one PTB error handler: known errors become short replies, anything else is logged."""

from __future__ import annotations

import contextlib
import html
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.errors import (
    ExchangeRejected,
    ExchangeUnavailable,
    OutcomeUnknown,
    RateLimited,
    UserInputError,
)
from bot.handlers import render
from bot.handlers.context import services_of
from bot.services.desk.books import database_locked

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on our side; nothing was retried. Check /status and try again."
DATABASE_BUSY = ("The bot's database is locked by another program just now, so this was not "
                 "saved and nothing was sent. Try again in a moment.")


def not_available(name: str) -> str:
    return f"{html.escape(name)} is not available in this version. /help lists what is."


def reply_for(error: BaseException) -> str | None:
    """The reply a known error deserves; None for errors that need a traceback in the log."""
    if isinstance(error, UserInputError):
        return render.user_error(error)
    if isinstance(error, RateLimited):
        return (f"The exchange asks us to slow down; try again in {error.retry_after:.0f} s. "
                "Nothing was sent twice.")
    if isinstance(error, ExchangeRejected):
        return render.exchange_error(error)
    if isinstance(error, OutcomeUnknown | ExchangeUnavailable):
        return render.unavailable(error)
    if database_locked(error):  # another process holds the database's write lock past the timeout
        return DATABASE_BUSY
    return None


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the user in plain words; log unknown errors with their traceback."""
    error = context.error
    if error is None:
        return
    text = reply_for(error)
    if text is None:
        if isinstance(error, TelegramError):
            log.warning("Telegram error: %s", error)
        else:
            log.error("unhandled error", exc_info=error)
        text = UNEXPECTED
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    query = update.callback_query
    if query is not None:
        # Already answered, or too old: the reply below still explains.
        with contextlib.suppress(TelegramError):
            await query.answer()
    await services_of(context).notifier.reply(update.effective_chat.id, text)
