"""End-to-end harness for liquidation alerts: the real monitor, the real PTB stack, the emulator.

    async with AlertDesk.open(tmp_path) as desk:            # WebSocket on (websocket=False: REST)
        await desk.open_position("/buy eth 1 isolated")
        await desk.move(ETH, desk.price_at(ETH, Decimal("0.04")))   # one mark update
        await desk.advance(5)                               # the clock, then let the monitor tick
        alert = await desk.next_alert(ALICE)

Everything runs in-process on loopback: a PaperExchange with scripted marks (simulate_market
off: a mark is pushed only when a test moves it), the bot's exchange client over a recording
transport that can also take the exchange's REST "down", an OffsetClock (real time plus an
offset tests move forward for reminders and holds) and a BotRuntime with watch=True, so the
Monitor follows the paper's WebSocket streams (or polls REST) exactly as in production.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import httpx

from bot.app import BotRuntime
from bot.botapi import BotApiEmulator, BotMessage, ptb_requests
from bot.config import Network
from bot.domain.alert_policy import GROUP_WINDOW, PolicyState
from bot.orderly.client import OrderlyClient
from bot.orderly.stream import MarkPricesEvent, StreamEvent
from bot.paper.credentials import PaperCredentials
from bot.paper.runner import PaperExchange
from bot.timing import Timings
from bot.wiring import ExchangeLink
from tests.e2e.harness import ALICE, PRICES, TOKEN, Desk
from tests.e2e.tap import ExchangeTap, new_account

ETH, BTC, SOL = "PERP_ETH_USDC", "PERP_BTC_USDC", "PERP_SOL_USDC"
WAIT = 8.0  # seconds any single expected bot action may take
# Fast but faithful: short network timeouts and retries, quick reconnects, brisk notifier.
FAST = Timings(
    http_timeout=2.0, read_retries=1, retry_base_delay=0.02, retry_max_delay=0.1,
    ws_reconnect_base=0.05, ws_reconnect_max=0.3, ws_close_timeout=0.5,
    notify_per_chat_interval=0.02, notify_retry_base=0.05, notify_retry_max=0.5,
)  # fmt: skip
# The feed-health lines scaled down ×10 (stale 5 s, degraded 15 s), the REST polls only ×2:
# the client paces /v1/positions to Orderly's real 30 per 10 s, and every poll reads them.
FEED = replace(FAST, mark_stale_after=0.5, stale_poll_interval=1.0, degraded_after=1.5)
REST_POLL = 1.0  # MONITOR_POLL_SECONDS for the WebSocket-off desk
CENT = Decimal("0.01")
_KINDS = {
    "feed_back": re.compile(r"^✅ Monitoring is back"),  # before "recovered": also "is back to"
    "warning": re.compile(r"^⚠️ WARNING — "), "critical": re.compile(r"^🚨 CRITICAL — "),
    "reminder": re.compile(r"^🔁 Still "), "recovered": re.compile(r"^✅ .* is back to "),
    "liquidated": re.compile(r"^❌ LIQUIDATED"), "closed": re.compile(r"^⏹ "),
    "deeper": re.compile(r"^🚨 CRITICAL, closer — "),
    "degraded": re.compile(r"Monitoring degraded"),
}  # fmt: skip


def kind_of(message: BotMessage) -> str | None:
    """What an alert-side message is ("warning", "critical", "reminder", …), else None."""
    for kind, pattern in _KINDS.items():
        if pattern.search(message.text):
            return kind
    return None


@dataclass
class Tap(ExchangeTap):
    """ExchangeTap that can also take REST paths "down" (connection refused) while set."""

    down: set[str] = field(default_factory=set)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path in self.down or "*" in self.down:
            raise httpx.ConnectError("e2e: exchange unreachable", request=request)
        return await super().handle_async_request(request)


class AlertDesk(Desk):
    """Desk (say/press/position/…) with the monitor running; see the module docstring."""

    def __init__(
        self, tmp: Path, paper: PaperExchange, credentials: PaperCredentials, tap: Tap,
        client: OrderlyClient, emulator: BotApiEmulator, *, websocket: bool, timings: Timings,
    ) -> None:  # fmt: skip
        super().__init__(tmp, paper, credentials, tap, client, emulator)
        self.tap = tap
        self.timings = timings
        self.websocket = websocket
        self.settings = self.settings.model_copy(update={"monitor_poll_seconds": REST_POLL})
        account = credentials.account_id
        urls = ((f"{paper.ws_public_url}/{account}", f"{paper.ws_private_url}/{account}")
                if websocket else (None, None))  # as bot/wiring.py appends the account id
        self.link = ExchangeLink(Network.PAPER, client, credentials.signer(), *urls, paper)
        self.ticks = 0  # monitor rounds finished (tick() returned) in the running bot
        self._ticking = False
        self.pushes = 0  # mark pushes the monitor finished taking
        self.updates = 0  # mark updates the monitor finished taking (pushes and REST polls)
        self._muted: Any = None

    @classmethod
    @asynccontextmanager
    async def open(  # type: ignore[override]
        cls, tmp: Path, *, websocket: bool = True, timings: Timings = FAST,
        start: bool = True,
    ) -> AsyncIterator[AlertDesk]:  # fmt: skip
        """A paper exchange of its own (marks at PRICES), a fresh account, the bot watching."""
        async with PaperExchange(None, simulate_market=False, seed=7, timings=timings) as paper:
            for symbol, price in PRICES.items():
                paper.set_price(symbol, price)
            emulator = BotApiEmulator()
            credentials = new_account(paper)
            tap = Tap(emulator)
            client = OrderlyClient(paper.base_url, credentials.signer(), transport=tap,
                                   timings=timings)  # fmt: skip
            async with client:
                desk = cls(tmp, paper, credentials, tap, client, emulator, websocket=websocket,
                           timings=timings)  # fmt: skip
                try:
                    if start:
                        await desk.start()
                    yield desk
                finally:
                    desk.unmute()
                    await desk.stop()
                    desk.storage.close()
                    desk.db.close()

    async def start(self) -> BotRuntime:
        """Start a BotRuntime (watch=True) over the same database, exchange and emulator."""
        assert self.runtime is None, "stop() the running bot first"
        runtime = BotRuntime(
            self.settings, self.link, self.storage, token=TOKEN, clock=self.clock,
            timings=self.timings, requests=ptb_requests(self.emulator), watch=True,
        )  # fmt: skip
        self._count_rounds(runtime)
        self.runtime = runtime
        async with asyncio.timeout(WAIT):
            await runtime.start(poll_timeout=1)
        await self.ticked()  # the monitor has loaded its state and read the exchange once
        return runtime

    def _count_rounds(self, runtime: BotRuntime) -> None:
        """Count finished monitor ticks and mark updates (pushed or polled): the run loop and
        the streams look these methods up on the instance when the bot starts."""
        monitor = runtime.monitor
        tick, on_event, poll = monitor.tick, monitor.on_stream_event, monitor.poll_once

        async def counted_tick() -> None:
            self._ticking = True
            try:
                await tick()
            finally:
                self._ticking = False
                self.ticks += 1

        async def counted_event(event: StreamEvent, *, private: bool = False) -> None:
            await on_event(event, private=private)
            if isinstance(event, MarkPricesEvent):
                self.updates += 1
                self.pushes += 1

        async def counted_poll(*, marks: bool = True, positions: bool = True) -> None:
            await poll(marks=marks, positions=positions)
            if marks:
                self.updates += 1

        monitor.tick = counted_tick  # type: ignore[method-assign]
        monitor.on_stream_event = counted_event  # type: ignore[method-assign]
        monitor.poll_once = counted_poll  # type: ignore[method-assign]

    # ---- the user's side ----------------------------------------------------------------------
    async def begin(self, *chats: tuple[int, int]) -> None:
        """/start in each (chat, user): those chats are watched from now on."""
        for chat, user in chats or ((ALICE, ALICE),):
            reply = await self.say("/start", user=user, chat=chat if chat != user else None)
            assert "Margin Desk" in reply.text, reply.text

    async def open_position(self, text: str = "/buy eth 1 isolated") -> BotMessage:
        """Trade through the bot and wait until the monitor watches the new position."""
        card = await super().open_position(text)
        symbol = next(s for s in PRICES if s.split("_")[1].lower() in text.lower())
        await self.until(lambda: self.watched(symbol) or None)
        return card

    # ---- the market ---------------------------------------------------------------------------
    def liq(self, symbol: str = ETH) -> Decimal:
        """The isolated position's liquidation price on the paper exchange."""
        found = self.position(symbol)
        assert found is not None and found.est_liq_price is not None, found
        return found.est_liq_price

    def price_at(self, symbol: str, distance: Decimal) -> Decimal:
        """A mark (on the tick) at which a long sits `distance` from liquidation, or just
        inside it: closer when below the re-arm side, never rounded out of a zone."""
        raw = self.liq(symbol) / (1 - distance)
        return raw.quantize(CENT, rounding=ROUND_FLOOR)

    def price_above(self, symbol: str, distance: Decimal) -> Decimal:
        """A mark at which a long sits at least `distance` from liquidation."""
        return (self.liq(symbol) / (1 - distance)).quantize(CENT, rounding=ROUND_CEILING)

    async def move(self, symbol: str, price: Decimal | str, *, seen: bool = True) -> None:
        """Move the paper mark (one push when WebSocket is on); wait until the monitor has it."""
        value, before = Decimal(price), self.updates
        self.paper.set_price(symbol, value)
        if seen:
            await self.until(lambda: (self.updates > before  # unwatched: no mark to compare
                                      and self.monitor_mark(symbol) in (value, None)) or None)

    def mute(self) -> None:
        """Stop the paper's mark pushes (the sockets stay open): a silent stream."""
        if self._muted is None:
            self._muted = self.paper.hub.publish_marks
            self.paper.hub.publish_marks = lambda marks: None  # type: ignore[method-assign]

    def unmute(self) -> None:
        if self._muted is not None:
            self.paper.hub.publish_marks = self._muted  # type: ignore[method-assign]
            self._muted = None

    # ---- time ---------------------------------------------------------------------------------
    async def advance(self, seconds: float) -> None:
        """Move the clock forward and wait for the monitor to finish a round after that."""
        self.clock.advance(seconds)
        await self.ticked()

    async def ticked(self, rounds: int = 1) -> None:
        """Wait until the monitor has finished `rounds` ticks that began after this call."""
        monitor = self.runtime.monitor if self.runtime is not None else None
        assert monitor is not None
        target = self.ticks + rounds + int(self._ticking)  # a round under way read the old clock

        def done() -> bool | None:
            monitor.wake()  # cut its nap short (a wake during a round is forgotten by design)
            return self.ticks >= target or None

        await self.until(done)

    async def until(self, probe: Callable[[], Any], seconds: float = WAIT) -> Any:
        """Poll probe() until it returns something other than None."""
        return await self._wait(probe, seconds)

    # ---- what the monitor and the chats see ---------------------------------------------------
    def watched(self, symbol: str, chat: int = ALICE) -> bool:
        """True when the monitor watches the chat's isolated position in symbol with a mark."""
        assert self.runtime is not None
        return any(p.symbol == symbol and p.mark_price > 0
                   for p, *_ in self.runtime.monitor.snapshot(chat))  # fmt: skip

    def state(self, symbol: str = ETH, chat: int = ALICE) -> PolicyState:
        """The monitor's alert state of the chat's isolated position in symbol."""
        assert self.runtime is not None
        for p, _, state, _ in self.runtime.monitor.snapshot(chat):
            if p.symbol == symbol:
                return state
        raise LookupError(f"{symbol} is not watched for chat {chat}")

    def monitor_mark(self, symbol: str, chat: int = ALICE) -> Decimal | None:
        """The mark the monitor holds for the chat's position in symbol (None: not watched)."""
        assert self.runtime is not None
        for p, *_ in self.runtime.monitor.snapshot(chat):
            if p.symbol == symbol:
                return p.mark_price
        return None

    def sent(self, chat: int = ALICE, since: int = 0, kind: str | None = None) -> list[BotMessage]:
        """New messages (sendMessage, as first sent) in chat from event `since`, of one kind."""
        return [e.message for e in self.emulator.events[since:]
                if e.method == "sendMessage" and e.chat_id == chat and e.message is not None
                and (kind_of(e.message) is not None if kind is None
                     else kind_of(e.message) == kind)]  # fmt: skip

    async def next_alert(
        self, chat: int = ALICE, kind: str | None = None, since: int | None = None,
        seconds: float = WAIT,
    ) -> BotMessage:  # fmt: skip
        """The first alert-side message (of kind) sent in chat after `since` (default: now)."""
        start = self.emulator.mark() if since is None else since
        return await self.until(lambda: next(iter(self.sent(chat, start, kind)), None), seconds)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Let pushes, ticks and sends that are under way finish (for "nothing more" checks)."""
        await asyncio.sleep(seconds)
        await self.drained()

    async def flush(self) -> None:
        """Close the monitor's 5 s grouping window (a clock step) and deliver what it held."""
        await self.advance(GROUP_WINDOW + 1)
        await self.drained()


async def bounded(aw: Awaitable[Any], seconds: float = WAIT) -> Any:
    """aw, or TimeoutError after `seconds`."""
    async with asyncio.timeout(seconds):
        return await aw
