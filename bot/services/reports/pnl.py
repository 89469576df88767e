"""PnL reports and the chat clock: reads the exchange's trade and funding-fee history and the
open positions, sums them with bot/domain/pnl.py over a window in the chat's time zone, and
keeps each chat's time zone (/tz) and morning-summary time (/daily) in SQLite.

    pnl = PnlService(client, markets, trading, storage, clock)
    report = await pnl.report(chat_id, Span.TODAY, "eth")
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.pnl import PnlReport, pnl_report
from bot.domain.records import DailySchedule
from bot.domain.views import PositionView
from bot.domain.windows import Span, local_now, window
from bot.errors import UserInputError
from bot.orderly.client import OrderlyClient
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.orders import TradingService
from bot.timing import Clock, now_ms
from storage.chat_clock import ChatClockStore
from storage.worker import Storage

PNL_KEY = "pnl"  # services.extras: the PnlService
SKEW_GRACE_MS = 300_000  # Orderly's timestamp window: the most its clock may differ from ours


@dataclass(frozen=True, slots=True)
class DailySummary:
    """What the morning summary shows: every open position and the last 24 h of PnL."""

    positions: list[PositionView]
    report: PnlReport
    zone: ZoneInfo


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone for `Europe/Berlin` (any case), or UserInputError naming the problem."""
    text = name.strip()
    key = _zones_by_folded_name().get(text.casefold()) if text.isascii() else None
    if key is None:
        raise UserInputError(f"{text[:40]!r} is not a time zone; use an IANA name such as "
                             "Europe/Berlin, America/New_York or UTC")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserInputError(f"the time zone {key} cannot be loaded here") from None


class PnlService:
    def __init__(
        self, client: OrderlyClient, markets: MarketDirectory, trading: TradingService,
        storage: Storage, clock: Clock,
    ) -> None:  # fmt: skip
        self._client, self._markets, self._trading = client, markets, trading
        self._db, self._clock = storage, clock
        self._store, self._reader = ChatClockStore(storage.db), ChatClockStore(storage.reader)

    # ---- time zone ----------------------------------------------------------------------------
    async def zone(self, chat_id: int) -> ZoneInfo:
        """The chat's zone (UTC until /tz sets one, or if the stored one cannot be loaded)."""
        try:
            return ZoneInfo(await self._db.read(self._reader.zone_name, chat_id))
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    async def set_zone(self, chat_id: int, name: str) -> ZoneInfo:
        """Validate then store; a bad name raises UserInputError and changes nothing."""
        zone = zone_named(name)
        await self._db.write(self._store.set_zone, chat_id, zone.key)
        return zone

    # ---- daily summary schedule ---------------------------------------------------------------
    async def daily(self, chat_id: int) -> DailySchedule | None:
        return await self._db.read(self._reader.daily, chat_id)

    async def schedules(self) -> list[DailySchedule]:
        """Every chat's daily summary, from SQLite (what a restart starts from)."""
        return await self._db.read(self._reader.all_daily)

    async def set_daily(self, chat_id: int, at: time) -> DailySchedule:
        """Opt in at local `at`; a time already past today starts tomorrow (no summary now)."""
        now = local_now(now_ms(self._clock), await self.zone(chat_id))
        passed = now.time().replace(tzinfo=None) >= at
        last = now.date() if passed else now.date() - timedelta(1)
        await self._db.write(self._store.set_daily, chat_id, at, last)
        return DailySchedule(chat_id, at, last)

    async def daily_off(self, chat_id: int) -> bool:
        return await self._db.write(self._store.daily_off, chat_id)

    async def mark_sent(self, chat_id: int, day: date) -> bool:
        """Record `day` as summarised; False when it already was (or the chat opted out)."""
        return await self._db.write(self._store.mark_sent, chat_id, day)

    # ---- reports ------------------------------------------------------------------------------
    async def report(self, chat_id: int, span: Span, symbol_text: str | None = None) -> PnlReport:
        """Realized PnL, fees and funding over the window, and the unrealized PnL now."""
        symbol = (await self._markets.resolve(symbol_text)).symbol if symbol_text else None
        win = window(span, now_ms(self._clock), await self.zone(chat_id))
        # "until now" on the exchange's clock too, which may run ahead of ours by the skew
        win = replace(win, end_ms=win.end_ms + SKEW_GRACE_MS)
        trades = await self._client.get_trades(symbol, start_t=win.start_ms)
        funding = await self._client.get_funding_fees(symbol, start_t=win.start_ms)
        positions = (await self._client.get_positions()).positions
        return pnl_report(win, trades, funding, positions, symbol)

    async def summary(self, chat_id: int) -> DailySummary:
        """The morning summary's figures: positions with their distance to liquidation, and
        the PnL and funding of the last 24 hours."""
        positions = await self._trading.positions()
        report = await self.report(chat_id, Span.DAY)
        return DailySummary(positions, report, await self.zone(chat_id))
