"""The morning-summary rounds over a real PnlService on the paper exchange (fake clock): due
once per local day, a switched-off chat's day is skipped, an unreachable exchange postpones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal

import httpx
import pytest

from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from bot.orderly.client import OrderlyClient
from bot.paper.credentials import issue
from bot.paper.engine import PaperEngine
from bot.paper.server import create_app
from bot.paper.symbol_table import default_markets
from bot.services.reports.daily import DailySummaries
from bot.services.reports.pnl import DailySummary, PnlService
from bot.services.trading.leverage import LeverageService
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.orders import TradingService
from bot.timing import FakeClock
from storage.db import open_database
from storage.worker import Storage

ETH = "PERP_ETH_USDC"
# 2026-07-01 05:00 UTC = 07:00 in Berlin (CEST)
START = datetime(2026, 7, 1, 5, 0, tzinfo=UTC).timestamp()


@dataclass
class World:
    clock: FakeClock
    engine: PaperEngine
    storage: Storage
    pnl: PnlService
    daily: DailySummaries
    sent: list[tuple[int, DailySummary]] = field(default_factory=list)
    off: set[int] = field(default_factory=set)
    down: bool = False


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = FakeClock(START)
    engine = PaperEngine(default_markets(), clock)
    creds = issue(clock)
    engine.create_account(creds.account_id, Decimal(10_000))
    engine.add_key(creds.key_record())
    engine.create_order(creds.account_id, OrderRequest(
        ETH, Side.BUY, OrderType.MARKET, Decimal(1), MarginMode.ISOLATED))  # fmt: skip
    engine.apply_funding(ETH, Decimal("0.5"))
    app = create_app(engine, clock, limits={})
    state: dict[str, World] = {}

    class Flaky(httpx.ASGITransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if state["w"].down:
                raise httpx.ConnectError("exchange down", request=request)
            return await super().handle_async_request(request)

    async with OrderlyClient("http://paper", creds.signer(), clock=clock,
                             transport=Flaky(app=app)) as client:  # fmt: skip
        markets = MarketDirectory(client)
        trading = TradingService(client, markets, LeverageService(client, markets))
        storage = Storage(open_database(":memory:"))
        pnl = PnlService(client, markets, trading, storage, clock)
        sent: list[tuple[int, DailySummary]] = []

        async def sink(chat_id: int, summary: DailySummary) -> None:
            sent.append((chat_id, summary))

        async def allowed(chat: int) -> bool:
            return chat not in state["w"].off

        w = World(clock, engine, storage, pnl, DailySummaries(
            pnl, sink, clock, interval=1.0, allowed=allowed), sent)  # fmt: skip
        state["w"] = w
        yield w
        storage.close()


async def test_due_once_per_local_day(world: World) -> None:
    await world.pnl.set_zone(1, "Europe/Berlin")
    await world.pnl.set_daily(1, time(8, 0))  # 07:00 now: due in an hour
    assert await world.daily.round() == 0
    world.clock.advance(3600)
    assert await world.daily.round() == 1
    assert await world.daily.round() == 0
    chat, summary = world.sent[0]
    assert chat == 1 and str(summary.zone) == "Europe/Berlin"
    assert [v.position.symbol for v in summary.positions] == [ETH]
    assert summary.report.total.funding == Decimal("0.5")  # the funding paid in the last 24 h
    world.clock.advance(24 * 3600)
    assert await world.daily.round() == 1


async def test_a_time_already_past_starts_tomorrow(world: World) -> None:
    await world.pnl.set_daily(2, time(4, 0))  # UTC: 05:00 now
    assert await world.daily.round() == 0
    world.clock.advance(23 * 3600)  # 04:00 UTC the next day
    assert await world.daily.round() == 1


async def test_switched_off_days_are_skipped_and_a_down_exchange_postpones(world: World) -> None:
    await world.pnl.set_daily(3, time(6, 0))
    world.off.add(3)
    world.clock.advance(3600)
    assert await world.daily.round() == 0
    world.off.clear()
    assert await world.daily.round() == 0  # that day was skipped, not queued for later
    world.clock.advance(24 * 3600)
    world.down = True
    assert await world.daily.round() == 0  # postponed, not marked
    world.down = False
    assert await world.daily.round() == 1 and len(world.sent) == 1
