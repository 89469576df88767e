"""The pictures' data: a symbol's mark path with its position's levels (/chart), and the budget
(/risk picture). Drawing happens in bot.charts, off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.charts.model import BudgetBar, BudgetChart, MarkChart
from bot.charts.renderer import ChartRenderer
from bot.domain.bands import zone_bands
from bot.domain.margin import distance_to_liq, liq_price_for_distance
from bot.domain.models import MarginMode, MarketInfo, Position
from bot.domain.risk import RiskBudget
from bot.domain.symbols import base_of
from bot.domain.topup import TARGET_FACTOR, TopupSuggestion
from bot.services.risk.history import MarkRecorder
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.orders import TradingService
from bot.timing import Clock
from storage.thresholds import ThresholdStore
from storage.worker import Storage

WINDOWS = {"1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600}
HUNDRED = Decimal(100)
TopupPricer = Callable[[int, str], Awaitable[TopupSuggestion | None]]


@dataclass(frozen=True, slots=True)
class MarkChartFacts:
    """What the picture shows, for its caption."""

    market: MarketInfo
    window: str
    points: int
    covered_seconds: float  # how much of the window the history covers
    first: Decimal | None
    last: Decimal | None
    position: Position | None
    distance: Decimal | None
    warn_pct: Decimal
    critical_pct: Decimal
    topup: TopupSuggestion | None
    target_liq: Decimal | None
    png: bytes


class ChartService:
    def __init__(
        self, storage: Storage, history: MarkRecorder, trading: TradingService,
        markets: MarketDirectory, renderer: ChartRenderer, clock: Clock,
        topup: TopupPricer | None = None,
    ) -> None:  # fmt: skip
        self._storage, self._history, self._trading = storage, history, trading
        self._thresholds = ThresholdStore(storage.reader)
        self._markets, self._renderer, self._clock = markets, renderer, clock
        self.topup = topup
        self._drawing: set[asyncio.Task[None]] = set()

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` (draw and send a picture) as a task of its own: Telegram updates are
        handled one at a time, so a handler awaiting a picture would hold up every chat."""
        task = asyncio.create_task(work, name="picture")
        self._drawing.add(task)
        task.add_done_callback(self._drawing.discard)

    async def wait_background(self, grace: float) -> None:
        """Wait up to `grace` seconds for the pictures being drawn and sent."""
        if self._drawing:
            await asyncio.wait(set(self._drawing), timeout=grace)

    def cancel_background(self) -> None:
        for task in list(self._drawing):
            task.cancel()

    async def mark_chart(self, chat_id: int, symbol_text: str, window: str) -> MarkChartFacts:
        """The mark path of the last `window` with entry, liq, the zones and top-up target
        of the chat's isolated position (else its cross position, else the path alone)."""
        market = await self._markets.resolve(symbol_text)
        now = self._clock.time()
        points = await self._history.points(market.symbol, now - WINDOWS[window])
        view = await self._trading.position(market.symbol, MarginMode.ISOLATED)
        if view is None:
            view = await self._trading.position(market.symbol, MarginMode.CROSS)
        p = view.position if view is not None else None
        if not points or now - points[-1][0] > 10:  # the mark now, so the path reaches today
            mark = p.mark_price if p is not None else (await self._markets.ticker(
                market.symbol)).mark_price  # fmt: skip
            points.append((now, mark))
        levels = await self._storage.read(self._thresholds.effective, chat_id, market.symbol)
        warn, critical = levels.warn_pct / HUNDRED, levels.critical_pct / HUNDRED
        topup, target = None, None
        chart = MarkChart(_title(market, p, window), tuple(points))
        if p is not None and p.est_liq_price is not None:
            bands = zone_bands(p.est_liq_price, warn, critical, p.is_long)
            if p.margin_mode is MarginMode.ISOLATED and self.topup is not None:
                topup = await self.topup(chat_id, market.symbol)
            target, label = _target(p, warn, topup)
            chart = MarkChart(chart.title, chart.points, p.average_open_price, p.est_liq_price,
                              bands.warning_edge, bands.critical_edge, target, label)
        elif p is not None:
            chart = MarkChart(chart.title, chart.points, p.average_open_price)
        png = await self._renderer.mark_chart(chart)
        return MarkChartFacts(
            market, window, len(points), points[-1][0] - points[0][0], points[0][1],
            points[-1][1], p, None if p is None else distance_to_liq(p.mark_price,
                                                                     p.est_liq_price),
            levels.warn_pct, levels.critical_pct, topup, target, png,
        )  # fmt: skip

    async def budget_chart(self, figures: RiskBudget) -> bytes:
        """One bar per isolated position (margin against its budget) and one for cross."""
        bars = [BudgetBar(base_of(r.symbol), r.margin, r.budget,
                          None if r.share is None else r.share * HUNDRED)
                for r in figures.isolated]  # fmt: skip
        if figures.cross.positions:
            share = figures.cross.share
            bars.append(BudgetBar("cross IM", figures.cross.margin_used, None,
                                  None if share is None else share * HUNDRED))  # fmt: skip
        title = "Risk budget · margin held = most each can lose"
        return await self._renderer.budget_chart(BudgetChart(title, tuple(bars), figures.equity))


def _title(market: MarketInfo, p: Position | None, window: str) -> str:
    if p is None:
        return f"{market.base} mark · last {window}"
    side = "long" if p.is_long else "short"
    mode = p.margin_mode.value.lower()
    return f"{market.base} {mode} {side} {abs(p.position_qty)} · last {window}"


def _target(p: Position, warn: Decimal, topup: TopupSuggestion | None
            ) -> tuple[Decimal | None, str]:  # fmt: skip
    """The liquidation price the suggested top-up reaches (or would, uncapped)."""
    if topup is not None and topup.amount is not None and topup.liq_after is not None:
        return topup.liq_after, f"liq after +{topup.amount} USDC"
    if p.margin_mode is not MarginMode.ISOLATED:
        return None, ""
    distance = distance_to_liq(p.mark_price, p.est_liq_price)
    if distance is not None and distance < TARGET_FACTOR * warn:
        return liq_price_for_distance(p.mark_price, TARGET_FACTOR * warn, p.is_long), (
            "top-up target liq")
    return None, ""
