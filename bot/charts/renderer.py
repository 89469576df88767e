"""Runs drawing off the event loop, one picture at a time, in a worker thread of its own.

Drawing is CPU-bound (about 0.1-0.3 s a picture): on the loop it would stall every chat's
replies and the alerts. One worker keeps a burst of /chart requests from taking both cores.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bot.charts.draw import budget_chart_png, mark_chart_png
from bot.charts.model import BudgetChart, MarkChart


class ChartRenderer:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

    async def mark_chart(self, chart: MarkChart) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._pool, mark_chart_png, chart)

    async def budget_chart(self, chart: BudgetChart) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, budget_chart_png, chart)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
