"""The PnL feature's wiring: the PnlService for /pnl, /daily and /tz, and the morning
summaries sent through the notifier at information priority.

    summaries = install_pnl(runtime.services, link.client)   # in BotRuntime
    asyncio.create_task(summaries.run())
"""

from __future__ import annotations

from bot.handlers.context import Services
from bot.handlers.reports.render import daily_summary
from bot.orderly.client import OrderlyClient
from bot.services.delivery.notifier import Priority
from bot.services.reports.daily import DailySummaries, Sink
from bot.services.reports.pnl import PNL_KEY, DailySummary, PnlService


def make_daily_sink(services: Services) -> Sink:
    async def sink(chat_id: int, summary: DailySummary) -> None:
        await services.notifier.send(chat_id, daily_summary(summary), priority=Priority.INFO)

    return sink


def install_pnl(services: Services, client: OrderlyClient) -> DailySummaries:
    """Build the PnlService into services.extras and the daily-summary scheduler."""
    pnl = PnlService(client, services.markets, services.trading, services.storage,
                     services.clock)  # fmt: skip
    services.extras[PNL_KEY] = pnl
    return DailySummaries(pnl, make_daily_sink(services), services.clock,
                          interval=services.timings.daily_check_interval)  # fmt: skip
