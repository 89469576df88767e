"""The PnL feature's wiring: the PnlService for /pnl, /daily and /tz, and the morning
summaries sent through the notifier at information priority.

    summaries = install_pnl(runtime.services, link.client)   # in BotRuntime
    asyncio.create_task(summaries.run())
"""

from __future__ import annotations

from bot.domain.notices import NoticeSwitch
from bot.handlers.context import Services
from bot.handlers.reports.render import daily_summary
from bot.orderly.client import OrderlyClient
from bot.services.delivery.notifier import Priority
from bot.services.notices.preferences import notices_of
from bot.services.reports.daily import DailySummaries, Sink
from bot.services.reports.pnl import PNL_KEY, DailySummary, PnlService


def make_daily_sink(services: Services) -> Sink:
    async def sink(chat_id: int, summary: DailySummary) -> None:
        notices = notices_of(services.extras)
        how = notices.route(await notices.load(chat_id), NoticeSwitch.DAILY) if notices else None
        if how is not None and not how.send:
            return  # /notify daily off: the day counts as done, nothing is sent
        await services.notifier.send(chat_id, daily_summary(summary), priority=Priority.INFO,
                                     disable_notification=how is not None and how.silent)

    return sink


def install_pnl(services: Services, client: OrderlyClient) -> DailySummaries:
    """Build the PnlService into services.extras and the daily-summary scheduler."""
    pnl = PnlService(client, services.markets, services.trading, services.storage,
                     services.clock)  # fmt: skip
    services.extras[PNL_KEY] = pnl
    return DailySummaries(pnl, make_daily_sink(services), services.clock,
                          interval=services.timings.daily_check_interval)  # fmt: skip
