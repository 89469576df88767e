"""The whole command and button table in one place, and the dispatcher from text to handler."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import access, callbacks, errors
from bot.handlers import parsing as p
from bot.handlers.account import commands as account
from bot.handlers.alerts import commands as alerts
from bot.handlers.context import Ctx, services_of
from bot.handlers.menu import MENU
from bot.handlers.menus import screens
from bot.handlers.notices import commands as notices
from bot.handlers.reports import commands as reports
from bot.handlers.risk import commands as risk_commands
from bot.handlers.risk import parsing as rp
from bot.handlers.tpsl import commands as tpsl
from bot.handlers.trading import commands as trading

Handler = Callable[[Ctx, Any], Awaitable[None]]
_ADDRESSED = re.compile(r"/[A-Za-z0-9_]{1,32}@([A-Za-z0-9_]{1,64})(?:\s|$)")

# Command type -> handler. Every parsed command has exactly one home.
HANDLERS: dict[type, Handler] = {
    p.Start: account.start,
    p.Help: account.help_,
    p.Positions: account.positions,
    p.PositionShow: account.position,
    p.Balance: account.balance,
    p.LeverageShow: account.leverage_show,
    p.LeverageSet: trading.leverage_set,
    p.ModeShow: trading.mode_show,
    p.ModeSet: trading.mode_set,
    p.BuySell: trading.buy_sell,
    p.Close: trading.close,
    p.Orders: account.orders,
    p.Cancel: trading.cancel,
    p.CancelAll: trading.cancel_all,
    p.MarginChange: trading.margin,
    p.TakeProfitStopLoss: tpsl.tpsl,
    p.StopOrder: tpsl.stop,
    p.CancelAlgo: tpsl.cancel_algo,
    p.Status: account.status,
    p.History: account.history,
    p.AlertShow: alerts.alert_show,
    p.AlertSet: alerts.alert_set,
    p.AlertToggle: alerts.alert_toggle,
    p.Snooze: alerts.snooze,
    p.Limits: alerts.limits,
    p.Notify: notices.notify,
    p.Pnl: reports.pnl,
    p.Daily: reports.daily,
    p.TimeZone: reports.tz,
    rp.Risk: risk_commands.risk,
    rp.BudgetShow: risk_commands.budget,
    rp.BudgetSet: risk_commands.budget,
    rp.Chart: risk_commands.chart,
}



async def menu(c: Ctx, cmd: p.Menu) -> None:
    """/menu: buttons for the everyday screens of this version's command table."""
    await screens.show(c, HANDLERS)


async def menu_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /menu button: its screen replaces the menu message (see handlers/menus/screens.py)."""
    await screens.press(Ctx(update, services_of(context)), HANDLERS)


HANDLERS[p.Menu] = menu


async def dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Parse the message into a typed command and run its handler (errors go to errors.py)."""
    message = update.message
    assert message is not None
    addressee = _addressee(message.text or "")
    if addressee is not None and addressee.lower() != (context.bot.username or "").lower():
        # `/cancel@other_bot all` is another bot's command: never ours to run
        if message.chat.type == "private":
            await services_of(context).notifier.reply(
                message.chat_id, f"That command is addressed to @{addressee}, not to this bot."
            )
        return
    command = p.parse_command(message.text or "")
    handler = HANDLERS.get(type(command))
    c = Ctx(update, services_of(context))
    if handler is None:  # parsed, but its feature is not registered in this version
        await c.reply(errors.not_available(f"/{p.command_name(message.text or '')}"))
        return
    await handler(c, command)


def _addressee(text: str) -> str | None:
    """`other_bot` for `/cmd@other_bot …`; None when the command names no bot."""
    match = _ADDRESSED.match(text)
    return match.group(1) if match else None


async def not_a_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text or media: say how to talk to the bot."""
    assert update.effective_chat is not None
    await services_of(context).notifier.reply(
        update.effective_chat.id, "Send a command, for example /positions. /help lists them all."
    )


# The update types the handlers below act on (the gate answers edits); Telegram is asked for
# these only, by getUpdates and by setWebhook alike.
ALLOWED_UPDATES: tuple[str, ...] = ("message", "edited_message", "callback_query")


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Install the gate, every command, the button router and the error handler."""
    app.add_handler(TypeHandler(Update, access.gate), group=-1)
    fresh = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(fresh & filters.COMMAND, dispatch))
    app.add_handler(CallbackQueryHandler(menu_press, pattern=screens.PATTERN))
    app.add_handler(CallbackQueryHandler(callbacks.on_button))
    app.add_handler(MessageHandler(fresh & ~filters.COMMAND, not_a_command))
    app.add_error_handler(errors.on_error)


def bot_commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in MENU]

