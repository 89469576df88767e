"""A running bot with the alert feature installed: the real PTB stack over the Bot API
emulator, an in-process paper exchange on loopback (fixed marks), a temp database.

    async with AlertDesk.open(tmp_path) as desk:
        reply = await desk.say("/alert")
        message = await desk.alert(event)           # through the monitor's sink
        toast, edited = await desk.press(message, "Add")
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import BotRuntime
from bot.botapi import BotApiEmulator, BotMessage, ptb_requests
from bot.config import Network, Settings
from bot.domain.models import MarginMode, Position
from bot.features.alerts import make_alert_sink
from bot.handlers.alerts.commands import SETTINGS_HOOK
from bot.orderly.client import OrderlyClient
from bot.paper.runner import PaperExchange
from bot.services.monitor.alert_events import MonitorEvent
from bot.timing import OffsetClock, Timings
from bot.wiring import ExchangeLink
from storage.db import open_database
from storage.worker import Storage

ALICE, BOB = 1001, 1002  # both allowed; Alice sends /start
TOKEN = "1001:alerts-test-token"
TIMINGS = Timings(http_timeout=5.0, notify_per_chat_interval=0.02, retry_base_delay=0.05)
WAIT = 8.0


class AlertDesk:
    def __init__(self, tmp: Path, paper: PaperExchange, client: OrderlyClient) -> None:
        self.paper, self.emulator, self.clock = paper, BotApiEmulator(), OffsetClock()
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(TOKEN), bot_allowed_user_ids=frozenset({ALICE, BOB}),
            bot_db_path=tmp / "bot.db", orderly_network=Network.PAPER,
            orderly_ws_public_url="off", orderly_ws_private_url="off",
        )
        self.storage = Storage.open(settings.bot_db_path)
        self.db = open_database(settings.bot_db_path)  # the test's own connection
        link = ExchangeLink(Network.PAPER, client, paper.credentials.signer(), None, None, paper)
        self.runtime = BotRuntime(settings, link, self.storage, token=TOKEN, clock=self.clock,
                                  timings=TIMINGS, requests=ptb_requests(self.emulator),
                                  watch=False)
        self.services = self.runtime.services
        self.changed: list[int] = []  # chats whose alert settings changed (the monitor hook)
        self.services.extras[SETTINGS_HOOK] = self.changed.append
        self.sink = make_alert_sink(self.services)

    @classmethod
    @asynccontextmanager
    async def open(cls, tmp: Path) -> AsyncIterator[AlertDesk]:
        async with cls._open(tmp) as desk:
            yield desk

    @classmethod
    @asynccontextmanager
    async def _open(cls, tmp: Path) -> AsyncIterator[AlertDesk]:
        async with PaperExchange(tmp / "paper", simulate_market=False, seed=7,
                                 timings=TIMINGS) as paper:  # fmt: skip
            paper.set_price("PERP_ETH_USDC", Decimal(2500))
            async with OrderlyClient(paper.base_url, paper.credentials.signer(),
                                     timings=TIMINGS) as client:  # fmt: skip
                desk = cls(tmp, paper, client)
                async with asyncio.timeout(WAIT):
                    await desk.runtime.start(poll_timeout=1)
                try:
                    yield desk
                finally:
                    async with asyncio.timeout(WAIT):
                        await desk.runtime.stop()
                    desk.storage.close()
                    desk.db.close()

    async def say(self, text: str, user: int = ALICE) -> BotMessage:
        """Send `text` in the user's private chat; the bot's first message after it."""
        since = self.emulator.mark()
        self.emulator.push_text(user, user, text)
        return await self.emulator.wait_for_message(user, timeout=WAIT, since=since)

    async def alert(self, *events: MonitorEvent) -> BotMessage:
        """Hand a batch to the alert sink; the message it sends."""
        since = self.emulator.mark()
        await self.sink(list(events))
        return await self.emulator.wait_for_message(events[0].chat_id, timeout=WAIT,
                                                    since=since)  # fmt: skip

    async def press(self, message: BotMessage, label: str, user: int = ALICE,
                    edit: bool = True) -> tuple[str, BotMessage | None]:  # fmt: skip
        """Tap a button: the toast, and (edit) the message as edited after it."""
        since = self.emulator.mark()
        data = message.button(label).callback_data
        assert data is not None
        query = self.emulator.press(message.chat_id, user, message.message_id, data)
        async with asyncio.timeout(WAIT):
            while (answer := self.emulator.callback_answer(query)) is None:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        edited = None
        if edit:
            edited = await self.emulator.wait_for_message(
                message.chat_id, lambda m: m.message_id == message.message_id, WAIT, since=since)
        return str(answer.get("text") or ""), edited

    def position(self, symbol: str = "PERP_ETH_USDC") -> Position:
        p = self.paper.engine.position(self.paper.account_id, symbol, MarginMode.ISOLATED)
        assert p is not None, f"no isolated {symbol} position"
        return p

    def approvals(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM approvals ORDER BY created_at"))
