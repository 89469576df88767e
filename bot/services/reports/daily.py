"""The morning summaries: a round every few seconds sends each opted-in chat its summary once
per local day, at or after its /daily time in its /tz zone.

The schedule lives only in SQLite (`daily_summaries`), so a restart rebuilds it; a day is
recorded as sent (atomically, before the message is queued) once the summary's figures were
read, so neither a second round nor a restart the same day sends it again. A summary whose
figures cannot be read now (exchange down) is tried again next round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.domain.windows import daily_due
from bot.errors import ExchangeError
from bot.services.reports.pnl import DailySummary, PnlService
from bot.timing import Clock, now_ms

log = logging.getLogger(__name__)
Sink = Callable[[int, DailySummary], Awaitable[None]]  # (chat_id, summary) -> send it
Allowed = Callable[[int], Awaitable[bool]]  # may this chat get its summary? (notice switches)


class DailySummaries:
    def __init__(
        self, pnl: PnlService, sink: Sink, clock: Clock, *, interval: float,
        allowed: Allowed | None = None,
    ) -> None:  # fmt: skip
        self._pnl, self._sink, self._clock = pnl, sink, clock
        self._interval, self._allowed = interval, allowed

    async def run(self) -> None:
        """Rounds until cancelled; a failing round is logged and the next one tries again."""
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("daily summary round failed")
            await asyncio.sleep(self._interval)

    async def round(self) -> int:
        """Send every summary due now; returns how many were sent."""
        sent = 0
        for schedule in await self._pnl.schedules():
            chat = schedule.chat_id
            day = daily_due(now_ms(self._clock), await self._pnl.zone(chat), schedule.at,
                            schedule.last_sent)  # fmt: skip
            if day is None:
                continue
            if self._allowed is not None and not await self._allowed(chat):
                await self._pnl.mark_sent(chat, day)  # switched off: the day is skipped
                continue
            try:
                summary = await self._pnl.summary(chat)
            except ExchangeError as exc:
                log.warning("daily summary for chat %s postponed: %s", chat, exc)
                continue
            if await self._pnl.mark_sent(chat, day):  # False: another round got there first
                await self._sink(chat, summary)
                sent += 1
        return sent
