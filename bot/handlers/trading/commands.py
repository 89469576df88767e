"""Commands that change something: leverage, default mode, orders, closes, cancels, margin.

Money-moving ones (orders, closes, margin) only draw a confirmation card backed by an approval;
the exchange is called when Confirm is pressed (callbacks.py).
"""

from __future__ import annotations

from dataclasses import replace

from bot.handlers import keyboards, render
from bot.handlers.context import Ctx
from bot.handlers.parsing import (
    BuySell,
    Cancel,
    CancelAll,
    Close,
    LeverageSet,
    MarginChange,
    ModeSet,
    ModeShow,
)
from bot.handlers.risk.commands import cap_margin_add
from bot.handlers.trading import cards
from bot.services.trading.modes import DESK_DEFAULT


async def leverage_set(c: Ctx, cmd: LeverageSet) -> None:
    if cmd.symbol is None:  # every symbol: the desk's default, not each symbol's own
        mode = cmd.mode or DESK_DEFAULT
        params = {"symbol": "all", "leverage": cmd.leverage, "margin_mode": mode.value}
        result = await c.services.leverage.set_all(cmd.leverage, mode)
        c.audit("leverage", params, "done", f"{len(result.changed)} changed")
        await c.reply(render.leverage_batch(result))
        return
    mode = await c.services.modes.resolve(c.chat_id, cmd.symbol, cmd.mode)
    setting = await c.services.leverage.set(cmd.symbol, cmd.leverage, mode)
    params = {"symbol": setting.symbol, "leverage": cmd.leverage, "margin_mode": mode.value}
    c.audit("leverage", params, "done")  # the symbol as resolved, not as typed
    await c.reply(render.leverage_set(setting))


async def mode_show(c: Ctx, cmd: ModeShow) -> None:
    await c.reply(render.mode_show(await c.services.modes.show(c.chat_id, cmd.symbol)))


async def mode_set(c: Ctx, cmd: ModeSet) -> None:
    default = await c.services.modes.set(c.chat_id, cmd.symbol, cmd.mode)
    c.audit("mode", {"symbol": default.symbol, "margin_mode": cmd.mode.value}, "done")
    await c.reply(render.mode_set(default))


async def buy_sell(c: Ctx, cmd: BuySell) -> None:
    mode = await c.services.modes.resolve(c.chat_id, cmd.symbol, cmd.mode)
    quote = await c.services.trading.quote_order(cmd.side, cmd.symbol, cmd.qty, cmd.price, mode)
    approval = await c.services.approvals.for_order(c.chat_id, c.user_id, quote)
    await c.reply(cards.order_card(quote), keyboards.confirm(approval.token))


async def close(c: Ctx, cmd: Close) -> None:
    await close_card(c, cmd)


async def close_card(c: Ctx, cmd: Close) -> str:
    """Draw the confirmation card of a close (/close and the position card's Close N %
    buttons alike); returns its approval token."""
    mode = await c.services.modes.resolve(c.chat_id, cmd.symbol, cmd.mode)
    quote = await c.services.trading.quote_close(
        cmd.symbol, cmd.percent, mode, defaulted=cmd.mode is None
    )
    approval = await c.services.approvals.for_order(c.chat_id, c.user_id, quote)
    await c.reply(cards.close_card(quote), keyboards.confirm(approval.token))
    return approval.token


async def cancel(c: Ctx, cmd: Cancel) -> None:
    order = await c.services.trading.cancel(cmd.order_id)
    c.audit("cancel", {"order_id": cmd.order_id, "symbol": order.symbol}, "done")
    await c.reply(render.cancel_done(order, await c.market_of(order.symbol)))


async def cancel_all(c: Ctx, cmd: CancelAll) -> None:
    count = await c.services.trading.cancel_all(cmd.symbol)
    c.audit("cancel", {"all": True, "symbol": cmd.symbol}, "done", f"{count} open orders")
    await c.reply(render.cancel_all_done(count, cmd.symbol))


async def margin(c: Ctx, cmd: MarginChange) -> None:
    await margin_card(c, cmd)


async def margin_card(c: Ctx, cmd: MarginChange) -> str:
    """Draw the confirmation card of a margin change (/margin and the position card's Add N
    USDC buttons alike), capped by the symbol's /budget; returns its approval token."""
    amount, note = await cap_margin_add(c, cmd.action, cmd.symbol, cmd.amount)  # /budget
    quote = await c.services.margin.quote(cmd.action, cmd.symbol, amount)
    if note is not None:
        quote = replace(quote, note=note)
    approval = await c.services.approvals.for_margin(c.chat_id, c.user_id, quote)
    await c.reply(cards.margin_card(quote), keyboards.confirm(approval.token))
    return approval.token
