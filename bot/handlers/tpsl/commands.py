"""/tp, /sl, /tpsl, /stop and /cancel algo: TP/SL and stop orders on the algo order API.

Each placing command draws a confirmation card backed by an approval (the exchange is called
when Confirm is pressed, once); the mode is the symbol's default unless one is typed (/mode).
"""

from __future__ import annotations

from bot.errors import UserInputError
from bot.handlers import keyboards
from bot.handlers.context import Ctx
from bot.handlers.parsing import CancelAlgo, StopOrder, TakeProfitStopLoss
from bot.handlers.tpsl import render as tpsl_render
from bot.services.trading.algo_orders import AlgoOrderService

UNAVAILABLE = "TP/SL and stop orders are not available in this setup"


def _algos(c: Ctx) -> AlgoOrderService:
    if c.services.algos is None:
        raise UserInputError(UNAVAILABLE)
    return c.services.algos


async def tpsl(c: Ctx, cmd: TakeProfitStopLoss) -> None:
    algos = _algos(c)
    mode = await c.services.modes.resolve(c.chat_id, cmd.symbol, cmd.mode)
    quote = await algos.quote_tpsl(cmd.symbol, mode, cmd.tp, cmd.sl)
    market = await c.services.markets.resolve(quote.request.symbol)
    approval = await c.services.approvals.for_algo(c.chat_id, c.user_id, quote)
    await c.reply(tpsl_render.tpsl_card(quote, market), keyboards.confirm(approval.token))


async def stop(c: Ctx, cmd: StopOrder) -> None:
    algos = _algos(c)
    mode = await c.services.modes.resolve(c.chat_id, cmd.symbol, cmd.mode)
    quote = await algos.quote_stop(cmd.symbol, mode, cmd.qty, cmd.trigger, cmd.price)
    market = await c.services.markets.resolve(quote.request.symbol)
    approval = await c.services.approvals.for_algo(c.chat_id, c.user_id, quote)
    await c.reply(tpsl_render.stop_card(quote, market), keyboards.confirm(approval.token))


async def cancel_algo(c: Ctx, cmd: CancelAlgo) -> None:
    await cancel_algo_id(c, cmd.algo_order_id)


async def cancel_algo_id(c: Ctx, algo_order_id: int) -> None:
    """Cancel one TP/SL (both legs) or stop order; the /cancel reply and the button share it."""
    algo = await _algos(c).cancel(algo_order_id)
    c.audit("cancel", {"algo_order_id": algo_order_id, "symbol": algo.symbol}, "done")
    await c.reply(tpsl_render.algo_cancel_done(algo, await c.market_of(algo.symbol)))
