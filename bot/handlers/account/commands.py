"""Commands that only read: /start, /help, /positions, /position, /balance, /leverage SYMBOL,
/orders, /status, /history."""

from __future__ import annotations

from bot.domain.symbols import base_of
from bot.errors import ExchangeError
from bot.handlers import keyboards, render
from bot.handlers.alerts.commands import settings_changed
from bot.handlers.context import Ctx
from bot.handlers.menu import available_commands
from bot.handlers.parsing import (
    USAGE,
    Balance,
    Help,
    History,
    LeverageShow,
    Orders,
    Positions,
    PositionShow,
    Start,
    Status,
)
from bot.handlers.tpsl import render as tpsl_render
from bot.services.desk.books import recent_entries

HISTORY_PATIENCE = 0.5  # seconds /history waits for audit lines still being written

POSITION_BUTTONS = 24  # /positions opens at most this many cards by button (8 rows of 3)


async def start(c: Ctx, cmd: Start) -> None:
    s = c.services
    await s.storage.write(s.chats.register, c.chat_id, c.user_id, s.clock.time())
    await settings_changed(c)  # the monitor starts watching this chat's positions
    account = s.status.account_id
    await c.reply(render.welcome(s.settings.orderly_network.value, account, c.user_id, True))


async def help_(c: Ctx, cmd: Help) -> None:
    # Only what this version runs: a parsed-but-unregistered feature must not be advertised.
    usage = {name: line for name, line in USAGE.items() if name in available_commands()}
    if cmd.command is None:
        await c.reply(render.help_all(usage))
    else:
        await c.reply(render.help_one(cmd.command, usage))


async def positions(c: Ctx, cmd: Positions) -> None:
    views = await c.services.trading.positions()
    keys = [(v.position.symbol, v.position.margin_mode) for v in views][:POSITION_BUTTONS]
    await c.reply(render.positions(views), keyboards.position_list(keys, base_of))


async def position(c: Ctx, cmd: PositionShow) -> None:
    mode = await c.services.modes.resolve(c.chat_id, cmd.symbol, cmd.mode)
    view = await c.services.trading.position(cmd.symbol, mode)
    if view is None:
        market = await c.services.markets.resolve(cmd.symbol)
        # The default mode was assumed: name a position held in the other mode.
        other = None if cmd.mode else await c.services.trading.held_in_other_mode(cmd.symbol, mode)
        await c.reply(render.position_missing(market.symbol, mode, other))
        return
    p = view.position
    await c.reply(render.position(view), keyboards.position_actions(p.symbol, p.margin_mode))


async def balance(c: Ctx, cmd: Balance) -> None:
    await c.reply(render.balance(await c.services.trading.balance()))


async def leverage_show(c: Ctx, cmd: LeverageShow) -> None:
    pair = await c.services.leverage.show(cmd.symbol)
    default = await c.services.modes.show(c.chat_id, cmd.symbol)
    await c.reply(render.leverage_pair(pair, default.mode))


async def orders(c: Ctx, cmd: Orders) -> None:
    found = await c.services.trading.orders(cmd.symbol)
    algos = await c.services.algos.open_orders(cmd.symbol) if c.services.algos else []
    markets = await c.services.markets.all()
    keyboard = keyboards.order_cancel_buttons(found, algos=algos) if found or algos else None
    text = render.orders(found, markets)
    if algos:
        text += "\n\n" + tpsl_render.algo_orders(algos, markets)
    await c.reply(text, keyboard)


async def status(c: Ctx, cmd: Status) -> None:
    await c.reply(render.status(await c.services.status.status()))


async def history(c: Ctx, cmd: History) -> None:
    s = c.services  # the audit lines queued so far, unless a lock holds them (then: committed)
    entries = await recent_entries(s.storage, c.chat_id, cmd.n, HISTORY_PATIENCE)
    try:
        markets = await c.services.markets.all()  # each symbol's tick and step
    except ExchangeError:  # the log stays readable without the exchange
        markets = {}
    await c.reply(render.history(entries, markets))


