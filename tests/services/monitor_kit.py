"""Builders and fakes for the monitor tests: positions, a scripted REST feed, a recording sink."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

from sqlite_utils import Database

from bot.domain.models import (
    AccountSummary,
    MarginMode,
    MarketInfo,
    MarkPrice,
    Position,
    PositionsSnapshot,
    Ticker,
)
from bot.errors import ExchangeUnavailable
from bot.orderly.stream import MarkPricesEvent, PositionsEvent
from bot.services.monitor.alert_events import AlertEvent, Batch, DegradedEvent, MonitorEvent
from bot.services.monitor.monitor import Monitor
from bot.timing import FakeClock
from storage.worker import Storage

D = Decimal
ETH = "PERP_ETH_USDC"
BTC = "PERP_BTC_USDC"


def market(symbol: str = ETH) -> MarketInfo:
    return MarketInfo(
        symbol=symbol, quote_min=D(0), quote_max=D(1_000_000), quote_tick=D("0.01"),
        base_min=D("0.001"), base_max=D(1000), base_tick=D("0.001"), min_notional=D(10),
        price_range=D("0.03"), base_imr=D("0.01"), base_mmr=D("0.006"),
        imr_factor=D("0.0000001724"),
    )  # fmt: skip


def position(
    symbol: str = ETH, qty: str = "1", liq: str | None = "2000", margin: str = "500",
    cost: str = "2500", mark: str = "2200", mode: MarginMode = MarginMode.ISOLATED,
    last_funding: str = "0",
) -> Position:  # fmt: skip
    return Position(
        symbol=symbol, margin_mode=mode, position_qty=D(qty), cost_position=D(cost),
        average_open_price=abs(D(cost) / D(qty)), mark_price=D(mark),
        est_liq_price=None if liq is None else D(liq), unsettled_pnl=D(0),
        last_sum_unitary_funding=D(last_funding), imr=D("0.1"), mmr=D("0.006"), leverage=10,
        margin=D(margin),
    )  # fmt: skip


def marks(**prices: str) -> MarkPricesEvent:
    """marks(ETH="2100") -> a markprices push (symbol names by their base)."""
    return MarkPricesEvent(tuple(MarkPrice(f"PERP_{b}_USDC", D(p), 0) for b, p in prices.items()))


def pushed(*positions: Position) -> PositionsEvent:
    return PositionsEvent(tuple(positions))


class FakeRest:
    """REST answers set by the test; `fail` makes every call raise like a dead exchange."""

    def __init__(self, positions: list[Position] | None = None) -> None:
        self.positions = list(positions or [])
        self.tickers: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (mark, funding)
        self.calls: Counter[str] = Counter()
        self.fail = False
        self.gate: asyncio.Event | None = None  # when set up, every answer waits for it

    async def _call(self, name: str) -> None:
        self.calls[name] += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ExchangeUnavailable("connection refused")

    async def get_positions(self) -> PositionsSnapshot:
        await self._call("positions")
        return PositionsSnapshot(AccountSummary(D(0), D(0)), tuple(self.positions))

    async def get_tickers(self) -> list[Ticker]:
        await self._call("tickers")
        return [Ticker(s, m, m, f) for s, (m, f) in self.tickers.items()]

    async def get_markets(self) -> list[MarketInfo]:
        await self._call("markets")
        return [market(ETH), market(BTC)]


class Recorder:
    """The monitor's sink: keeps every batch."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []

    async def __call__(self, batch: Batch) -> None:
        self.batches.append(list(batch))

    @property
    def events(self) -> list[MonitorEvent]:
        return [e for b in self.batches for e in b]

    def alerts(self, chat_id: int | None = None) -> list[AlertEvent]:
        return [e for e in self.events if isinstance(e, AlertEvent)
                and (chat_id is None or e.chat_id == chat_id)]  # fmt: skip

    def kinds(self, chat_id: int | None = None) -> list[tuple[str, str]]:
        """(kind, level name) of every alert event, in order."""
        return [(e.decision.kind.value, e.decision.level.name) for e in self.alerts(chat_id)]

    def degraded(self) -> list[DegradedEvent]:
        return [e for e in self.events if isinstance(e, DegradedEvent)]

    def clear(self) -> None:
        self.batches.clear()


# ---- shared by the monitor test modules ------------------------------------------------------

CHAT, OTHER = 101, 202
ISO = "ISOLATED"


async def started(db: Database | Storage, clock: FakeClock, rest: FakeRest | None = None,
                  **kw: object) -> tuple[Monitor, Recorder]:  # fmt: skip
    sink = Recorder()
    storage = db if isinstance(db, Storage) else Storage(db)  # the test's connection, threaded
    monitor = Monitor(storage, sink, clock=clock, client=rest, markets=[market(ETH), market(BTC)],
                      **kw)  # type: ignore[arg-type]  # fmt: skip
    await monitor.start()
    return monitor, sink


async def walk(monitor: Monitor, clock: FakeClock, *prices: str, symbol: str = "ETH") -> None:
    """One pushed mark per second, with the monitor's timers run after each."""
    for price in prices:
        clock.advance(1.0)
        await monitor.on_stream_event(marks(**{symbol: price}))
        await monitor.tick()


async def wait(monitor: Monitor, clock: FakeClock, seconds: float) -> None:
    for _ in range(int(seconds)):
        clock.advance(1.0)
        await monitor.tick()
