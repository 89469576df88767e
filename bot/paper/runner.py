"""Runs the paper exchange in-process: engine, saved state, simulated market, uvicorn on loopback.

    async with PaperExchange(data_dir) as exchange:
        client = make_client(exchange.base_url, exchange.credentials.signer())

`serve_forever` is `margin-desk paper-exchange --port N`: it prints the credential lines first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from bot.domain.models import MarketInfo
from bot.paper.body import MAX_BODY_BYTES
from bot.paper.credentials import PaperCredentials, load_or_create
from bot.paper.engine import FUNDING_PERIOD_MS, PaperEngine
from bot.paper.limits import Faults
from bot.paper.mark_prices import SimulatedMarket
from bot.paper.persistence import PaperStore
from bot.paper.server import create_app
from bot.paper.symbol_table import default_markets
from bot.paper.ws import StreamHub
from bot.timing import DEFAULT_TIMINGS, Clock, SystemClock, Timings, now_ms

log = logging.getLogger(__name__)
STORE_FILE = "paper-exchange.sqlite"
SIM_FUNDING_RATE = Decimal("0.0001")  # the simulated market's funding rate per 8 h epoch
SAVE_EVERY_TICKS = 30  # marks alone are cheap to lose; fills and liquidations save at once


class _InProcessServer(uvicorn.Server):
    """uvicorn that leaves signal handling to the host program (the bot or the CLI)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class PaperExchange:
    """An async context manager serving the paper exchange (127.0.0.1 by default) in-process."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        start_balance: Decimal | int = Decimal(10_000),
        clock: Clock | None = None,
        timings: Timings = DEFAULT_TIMINGS,
        markets: list[MarketInfo] | None = None,
        simulate_market: bool = True,
        seed: int | None = None,
        limits: dict[tuple[str, str], tuple[int, float]] | None = None,
    ) -> None:
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._port = port
        self._start_balance = Decimal(start_balance)
        self._clock: Clock = clock or SystemClock()
        self._timings = timings
        self._simulate = simulate_market
        self._host = host
        self._limits = limits
        self._store: PaperStore | None = None
        if self._data_dir is not None:
            self._data_dir.mkdir(parents=True, exist_ok=True)
            self._store = PaperStore(self._data_dir / STORE_FILE)
        self.engine = self._load_engine(markets or default_markets())
        self.credentials: PaperCredentials = self._ensure_account()
        self.market = SimulatedMarket(
            self.marks(), seed=random.SystemRandom().randrange(2**32) if seed is None else seed,
            ticks={m.symbol: m.quote_tick for m in self.engine.markets()},
        )
        self.app = create_app(
            self.engine, self._clock, timings=timings,
            persist=self.save if self._store else None, limits=limits,
        )
        self.hub: StreamHub = self.app.state.hub
        self.faults: Faults = self.app.state.faults
        self._server: _InProcessServer | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._ticks = 0
        self._funding_epoch: int | None = None
        self.port = 0

    # ---- state -------------------------------------------------------------------------------
    def _load_engine(self, markets: list[MarketInfo]) -> PaperEngine:
        saved = self._store.load() if self._store else None
        if saved:
            return PaperEngine.restore(saved, self._clock)
        return PaperEngine(markets, self._clock)

    def _ensure_account(self) -> PaperCredentials:
        creds = load_or_create(self._data_dir, self._clock)
        if not self.engine.has_account(creds.account_id):
            self.engine.create_account(creds.account_id, self._start_balance)
        if self.engine.key(creds.orderly_key) is None:
            self.engine.add_key(creds.key_record())
        self.engine.drain_events()  # nobody is connected yet
        self.save()
        return creds

    def save(self) -> None:
        """Write the engine's state to the store (no-op without a data dir)."""
        if self._store is not None:
            self._store.save(self.engine.snapshot())

    # ---- credentials and URLs ------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        return self.credentials.account_id

    @property
    def orderly_key(self) -> str:
        return self.credentials.orderly_key

    @property
    def orderly_secret(self) -> str:
        return self.credentials.orderly_secret

    @property
    def _authority(self) -> str:
        host = "127.0.0.1" if self._host in ("", "0.0.0.0") else self._host
        host = "[::1]" if host == "::" else (f"[{host}]" if ":" in host else host)
        return f"{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self._authority}"

    @property
    def ws_public_url(self) -> str:
        """Public stream base; clients append `/{account_id}` (like ORDERLY_WS_PUBLIC_URL)."""
        return f"ws://{self._authority}/ws/stream"

    @property
    def ws_private_url(self) -> str:
        return f"ws://{self._authority}/v2/ws/private/stream"

    # ---- market --------------------------------------------------------------------------------
    def set_price(self, symbol: str, price: Decimal | str | int) -> None:
        """Move one mark now (fills, liquidations, pushes) and let the walk continue from it."""
        value = Decimal(price)
        self.market.set_price(symbol, value)
        self.engine.set_mark(symbol, value)
        self._after_tick(force_save=True)

    def pay_funding(self, symbol: str, rate: Decimal | str) -> None:
        """One funding epoch now: every open position on `symbol` pays qty · rate · mark (a
        positive rate: longs pay, shorts receive) into its PnL and funding-fee history."""
        self.engine.apply_funding(symbol, Decimal(rate) * self.engine.mark(symbol))
        self._after_tick(force_save=True)

    def _fund_if_due(self) -> None:
        """The simulated market's funding: every symbol at SIM_FUNDING_RATE each 8 h epoch."""
        epoch = now_ms(self._clock) // FUNDING_PERIOD_MS
        if self._funding_epoch is None:
            self._funding_epoch = epoch
        elif epoch > self._funding_epoch:
            self._funding_epoch = epoch
            for market in self.engine.markets():
                self.pay_funding(market.symbol, SIM_FUNDING_RATE)

    def marks(self) -> dict[str, Decimal]:
        """The engine's current mark of every symbol."""
        return {m.symbol: self.engine.mark(m.symbol) for m in self.engine.markets()}

    def tick(self, dt: float | None = None) -> dict[str, Decimal]:
        """Advance the simulated market one step (dt seconds) and push the new marks."""
        prices = self.market.step(self._timings.paper_tick_interval if dt is None else dt)
        for symbol, price in prices.items():
            self.engine.set_mark(symbol, price)
        self._after_tick()
        return prices

    def _after_tick(self, force_save: bool = False) -> None:
        events = self.engine.drain_events()
        self.hub.publish_events(events)
        self.hub.publish_marks(self.marks())
        self._ticks += 1
        if force_save or events or self._ticks % SAVE_EVERY_TICKS == 0:
            self.save()

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self._timings.paper_tick_interval)
            try:
                self.tick()
                self._fund_if_due()
            except Exception:  # one bad tick must not stop the market
                log.exception("paper market tick failed")

    async def drop_websockets(self) -> None:
        """Close every open WebSocket (clients must reconnect); for reconnect tests."""
        await self.hub.drop_all()

    # ---- lifecycle -----------------------------------------------------------------------------
    async def __aenter__(self) -> PaperExchange:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off",
            ws="websockets-sansio", timeout_graceful_shutdown=2,
            ws_max_size=MAX_BODY_BYTES,  # as for REST bodies: a stranger's frame is bounded
        )
        self._server = _InProcessServer(config)
        serving = asyncio.create_task(self._server.serve(sockets=[sock]))
        self._tasks.append(serving)
        while not self._server.started:
            if serving.done():
                sock.close()
                serving.result()  # re-raise why it could not start
                raise RuntimeError("paper exchange stopped before it started")
            await asyncio.sleep(0.005)
        if self._simulate:
            self._tasks.append(asyncio.create_task(self._tick_loop()))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for task in self._tasks[1:]:
            task.cancel()
        await self.hub.drop_all(wait=1.0)
        if self._server is not None:
            self._server.should_exit = True
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self.save()
        if self._store is not None:
            self._store.close()


async def serve_forever(
    port: int, data_dir: Path, start_balance: Decimal | int, *, host: str = "127.0.0.1",
    out: TextIO | None = None,
) -> None:
    """Serve until cancelled or SIGTERM, first printing the credential lines and URL overrides.

    Either way the exchange shuts down cleanly and saves its state (SIGTERM returns normally).
    """
    stream = out or sys.stdout
    exchange = PaperExchange(data_dir, port=port, host=host, start_balance=start_balance)
    async with exchange:
        lines = [
            *exchange.credentials.credential_lines(),
            f"ORDERLY_BASE_URL={exchange.base_url}",
            f"ORDERLY_WS_PUBLIC_URL={exchange.ws_public_url}",
            f"ORDERLY_WS_PRIVATE_URL={exchange.ws_private_url}",
        ]
        print("\n".join(lines), file=stream, flush=True)
        stop = asyncio.Event()
        with _on_sigterm(stop.set):
            await stop.wait()


@contextlib.contextmanager
def _on_sigterm(callback: Callable[[], None]) -> Iterator[None]:
    """Run callback on SIGTERM while inside (where the loop can take signals: main thread, Unix)."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, callback)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
