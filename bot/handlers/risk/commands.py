"""/risk, /budget and /chart. Thin: parsed command → RiskService / ChartService → render → reply
(pictures through the notifier's send_photo, drawn off the event loop)."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any

from bot.domain.models import MarginAction
from bot.handlers import errors
from bot.handlers.context import Ctx
from bot.handlers.risk import render
from bot.handlers.risk.parsing import BudgetSet, BudgetShow, Chart, Risk
from bot.services.risk.budget import RiskService
from bot.services.risk.charts import ChartService

RISK_KEY = "risk"  # services.extras: the RiskService
CHARTS_KEY = "charts"  # services.extras: the ChartService
log = logging.getLogger(__name__)


def risk_of(c: Ctx) -> RiskService | None:
    service = c.services.extras.get(RISK_KEY)
    return service if isinstance(service, RiskService) else None


def charts_of(c: Ctx) -> ChartService | None:
    service = c.services.extras.get(CHARTS_KEY)
    return service if isinstance(service, ChartService) else None


async def risk(c: Ctx, cmd: Risk) -> None:
    """/risk [picture]."""
    service, charts = risk_of(c), charts_of(c)
    if service is None or (cmd.picture and charts is None):
        await c.reply(errors.not_available("/risk"))
        return
    figures = await service.figures(c.chat_id)
    if cmd.picture and charts is not None:

        async def draw_and_send() -> None:
            png = await charts.budget_chart(figures)
            await c.services.notifier.send_photo(c.chat_id, png, render.budget_caption(figures),
                                                 filename="risk-budget.png")  # fmt: skip

        charts.in_background(_answering(c, draw_and_send()))
        return
    await c.reply(render.risk_screen(figures, await c.services.markets.all()))


async def budget(c: Ctx, cmd: BudgetShow | BudgetSet) -> None:
    """/budget [SYMBOL USDC|off]."""
    service = risk_of(c)
    if service is None:
        await c.reply(errors.not_available("/budget"))
        return
    if isinstance(cmd, BudgetShow):
        await c.reply(render.budgets_list(await service.budgets(c.chat_id)))
        return
    view = await service.set_budget(c.chat_id, cmd.symbol, cmd.amount)
    c.audit("budget", {"symbol": view.symbol, "amount": str(cmd.amount or "off")}, "done")
    await c.reply(render.budget_set(view))


async def chart(c: Ctx, cmd: Chart) -> None:
    """/chart SYMBOL [1h|6h|24h]."""
    charts = charts_of(c)
    if charts is None:
        await c.reply(errors.not_available("/chart"))
        return
    await c.services.markets.resolve(cmd.symbol)  # an unknown symbol is answered at once

    async def draw_and_send() -> None:
        facts = await charts.mark_chart(c.chat_id, cmd.symbol, cmd.window)
        await c.services.notifier.send_photo(
            c.chat_id, facts.png, render.chart_caption(facts),
            filename=f"{facts.market.base.lower()}-{cmd.window}.png",
        )

    charts.in_background(_answering(c, draw_and_send()))


async def _answering(c: Ctx, work: Coroutine[Any, Any, None]) -> None:
    """Run a picture's work; a failure is answered as the error handler would."""
    try:
        await work
    except Exception as exc:
        text = errors.reply_for(exc)
        if text is None:
            log.error("drawing a picture failed", exc_info=exc)
            text = errors.UNEXPECTED
        await c.reply(text)


async def cap_margin_add(
    c: Ctx, action: MarginAction, symbol_text: str, amount: Decimal
) -> tuple[Decimal, str | None]:
    """/margin add: the amount the symbol's budget allows and the card's note when it cuts it;
    refused (UserInputError, nothing sent) when the budget leaves nothing."""
    service = risk_of(c)
    if service is None or action is not MarginAction.ADD:
        return amount, None
    check = await service.check_margin_add(c.chat_id, symbol_text, amount)
    if check is None or not check.capped:
        return amount, None
    market = await c.services.markets.resolve(symbol_text)
    return check.allowed, render.capped_note(market.base, check)
