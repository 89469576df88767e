"""End-to-end harness: the real PTB stack over the Bot API emulator and the paper exchange.

    async with Desk.open(tmp_path) as desk:
        card = await desk.say("/buy eth 0.5")
        pressed = await desk.press(card, "Confirm")
        assert desk.exchange.count("POST", "/v1/order") == 1

Everything runs in-process on loopback: a PaperExchange (no simulated market, fixed marks),
an OrderlyClient whose transport records every request (and can lose an answer on purpose),
a temp SQLite database, a clock tests can move forward, and a BotRuntime polling the emulator.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import BotRuntime
from bot.botapi import BotApiEmulator, BotMessage, ptb_requests
from bot.config import Network, Settings
from bot.domain.models import MarginMode, Order, Position
from bot.orderly.client import OrderlyClient
from bot.paper.credentials import PaperCredentials
from bot.paper.runner import PaperExchange
from bot.timing import OffsetClock
from bot.wiring import ExchangeLink
from storage.db import open_database
from storage.worker import Storage
from tests.e2e.tap import TIMINGS, ExchangeTap, new_account, paper_exchange

ALICE = 1001  # the owner
BOB = 1002  # another allowed user (a desk colleague)
STRANGER = 6666  # not allowed
GROUP = -100_500  # a desk group where Alice and Bob both sit
TOKEN = "1001:e2e-token-never-logged"
ETH, BTC, SOL = "PERP_ETH_USDC", "PERP_BTC_USDC", "PERP_SOL_USDC"
PRICES: dict[str, Decimal] = {
    "PERP_ETH_USDC": Decimal("2500"),
    "PERP_BTC_USDC": Decimal("60000"),
    "PERP_SOL_USDC": Decimal("150"),
}
WAIT = 8.0  # seconds any single expected bot action may take


@dataclass
class Pressed:
    """What a button press produced: the toast (answerCallbackQuery) and the card after it."""

    query_id: str
    answer: dict[str, Any]
    message: BotMessage | None  # the edited card / new message, when one was awaited

    @property
    def toast(self) -> str:
        return str(self.answer.get("text") or "")


class Desk:
    """One running bot and everything around it; see the module docstring."""

    def __init__(
        self, tmp: Path, paper: PaperExchange, credentials: PaperCredentials, tap: ExchangeTap,
        client: OrderlyClient, emulator: BotApiEmulator,
    ) -> None:  # fmt: skip
        self.tmp = tmp
        self.paper = paper
        self.account_id = credentials.account_id
        self.exchange = tap
        self.client = client
        self.emulator = emulator
        self.clock = OffsetClock()
        self.db_path = tmp / "bot" / "margin-desk.db"
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(TOKEN),
            bot_allowed_user_ids=frozenset({ALICE, BOB}),
            bot_db_path=self.db_path,
            orderly_network=Network.PAPER,
            orderly_ws_public_url="off",
            orderly_ws_private_url="off",
        )
        signer = credentials.signer()
        self.link = ExchangeLink(Network.PAPER, client, signer, None, None, paper)
        self.storage = Storage.open(self.db_path)  # the bot's (writer and reader threads)
        self.db = open_database(self.db_path)  # the test's own connection, to look and seed
        self.runtime: BotRuntime | None = None

    # ---- lifecycle ----------------------------------------------------------------------------
    @classmethod
    @asynccontextmanager
    async def open(
        cls, tmp: Path, paper: PaperExchange | None = None, *, start: bool = True
    ) -> AsyncIterator[Desk]:
        """A fresh paper account (on `paper`, or on an exchange of its own), marks reset to
        PRICES, a recording client, the emulator and the bot."""
        if paper is None:
            async with paper_exchange() as own, cls.open(tmp, own, start=start) as desk:
                yield desk
            return
        emulator = BotApiEmulator()
        credentials = new_account(paper)
        for symbol, price in PRICES.items():
            paper.set_price(symbol, price)
        tap = ExchangeTap(emulator)
        client = OrderlyClient(paper.base_url, credentials.signer(), transport=tap,
                               timings=TIMINGS)  # fmt: skip
        async with client:
            desk = cls(tmp, paper, credentials, tap, client, emulator)
            try:
                if start:
                    await desk.start()
                yield desk
            finally:
                await desk.stop()
                desk.storage.close()
                desk.db.close()

    async def start(self) -> BotRuntime:
        """Start a new BotRuntime over the same database, exchange and emulator."""
        assert self.runtime is None, "stop() the running bot first"
        self.runtime = BotRuntime(
            self.settings, self.link, self.storage, token=TOKEN, clock=self.clock,
            timings=TIMINGS,
            requests=ptb_requests(self.emulator), watch=False,  # request counts stay exact
        )
        async with asyncio.timeout(WAIT):
            await self.runtime.start(poll_timeout=1)
        return self.runtime

    async def stop(self) -> None:
        """Stop the bot (queued messages are delivered first)."""
        runtime, self.runtime = self.runtime, None
        if runtime is not None:
            async with asyncio.timeout(WAIT):
                await runtime.stop()

    async def restart(self) -> BotRuntime:
        await self.stop()
        return await self.start()

    # ---- the user's side ----------------------------------------------------------------------
    def push(self, text: str, user: int = ALICE, chat: int | None = None, **kw: Any) -> int:
        """Queue a message without waiting; returns the event mark to wait from."""
        since = self.emulator.mark()
        chat_type = "private" if chat is None or chat > 0 else "supergroup"
        self.emulator.push_text(chat or user, user, text, chat_type=chat_type, **kw)
        return since

    async def say(self, text: str, user: int = ALICE, chat: int | None = None,
                  **kw: Any) -> BotMessage:  # fmt: skip
        """Send `text` as `user` and return the bot's first message in that chat after it."""
        since = self.push(text, user, chat, **kw)
        return await self.emulator.wait_for_message(chat or user, since=since, timeout=WAIT)

    async def press(
        self, message: BotMessage, label: str, user: int = ALICE, *, then: str | None = "edit",
    ) -> Pressed:  # fmt: skip
        """Tap a button; wait for the toast, then ("edit") the card's edit, ("reply") a new
        message in the chat, or (None) nothing more."""
        since = self.emulator.mark()
        data = message.button(label).callback_data
        assert data is not None
        query_id = self.emulator.press(message.chat_id, user, message.message_id, data)
        return await self._after_press(query_id, message, since, then)

    async def press_raw(self, message: BotMessage, data: str, user: int = ALICE) -> Pressed:
        """A callback_query with any data (a forged button) on one of the bot's messages."""
        since = self.emulator.mark()
        query_id = f"forged-{since}"
        self.emulator.push_raw({"callback_query": {
            "id": query_id, "chat_instance": str(message.chat_id), "data": data,
            "from": {"id": user, "is_bot": False, "first_name": "Mallory"},
            "message": message.to_dict({"id": message.chat_id, "type": "private"},
                                       self.emulator.bot_user),
        }})  # fmt: skip
        answer = await self._answer_call(query_id)
        return Pressed(query_id, answer, None)

    async def _after_press(
        self, query_id: str, card: BotMessage, since: int, then: str | None
    ) -> Pressed:
        answer = await self._wait(lambda: self.emulator.callback_answer(query_id))
        message = None
        if then == "edit":
            message = await self.emulator.wait_for_message(
                card.chat_id, lambda m: m.message_id == card.message_id, WAIT, since=since)
        elif then == "reply":
            message = await self.emulator.wait_for_message(
                card.chat_id, lambda m: m.message_id > card.message_id, WAIT, since=since)
        return Pressed(query_id, answer, message)

    async def _answer_call(self, query_id: str) -> dict[str, Any]:
        """The answerCallbackQuery parameters for a query the emulator did not create."""
        def found() -> dict[str, Any] | None:
            for call in self.emulator.calls_of("answerCallbackQuery"):
                if str(call.params.get("callback_query_id")) == query_id:
                    return call.params
            return None

        return await self._wait(found)

    async def barrier(self) -> None:
        """Wait until every update queued so far has been handled (PTB runs them in order)."""
        since = self.push("ping")
        await self.emulator.wait_for_message(
            ALICE, lambda m: m.text.startswith("Send a command"), WAIT, since=since)

    async def drained(self) -> None:
        """Wait until alerts handed to the sink are queued and the notifier has sent all."""
        runtime = self.runtime
        assert runtime is not None
        async with asyncio.timeout(WAIT):
            await runtime.alert_sink.idle()
        await self._wait(lambda: runtime.services.notifier.pending == 0 or None)

    async def _wait(self, probe: Callable[[], Any], seconds: float = WAIT) -> Any:
        """Poll probe() until it returns something (it reads state the bot changes)."""
        async with asyncio.timeout(seconds):
            while (value := probe()) is None:  # noqa: ASYNC110 (no event to wait on)
                await asyncio.sleep(0.01)
        return value

    # ---- inspection ---------------------------------------------------------------------------
    def messages(self, chat: int = ALICE) -> list[BotMessage]:
        return self.emulator.sent_messages(chat)

    def approvals(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM approvals ORDER BY created_at"))

    def position(
        self, symbol: str = ETH, mode: MarginMode = MarginMode.ISOLATED
    ) -> Position | None:
        """The position as the paper exchange holds it (the truth the bot must report)."""
        found = self.paper.engine.position(self.account_id, symbol, mode)
        return found if found is not None and found.position_qty != 0 else None

    def margin(self, symbol: str = ETH) -> Decimal:
        """The isolated position's margin on the paper exchange."""
        found = self.position(symbol)
        assert found is not None, f"no isolated {symbol} position"
        return found.margin

    def last_order(self) -> Order:
        """This account's newest order on the paper exchange."""
        return self.paper.engine.orders(self.account_id)[-1]

    def filled(self) -> str:
        """How a card reports this account's newest order as filled."""
        return f"✅ Order {self.last_order().order_id} FILLED"

    def open_orders(self) -> list[Order]:
        return self.paper.engine.orders(self.account_id, status="INCOMPLETE")

    async def open_position(self, text: str = "/buy eth 1 isolated") -> BotMessage:
        """Place and confirm an order through the bot; returns the settled card."""
        card = await self.say(text)
        assert card.button("Confirm"), card.text
        pressed = await self.press(card, "Confirm")
        assert pressed.message is not None and "✅" in pressed.message.text, pressed.message
        return pressed.message


def token_of(card: BotMessage) -> str:
    """The approval token behind a card's Confirm button."""
    data = card.button("Confirm").callback_data or ""
    assert data.startswith("a:"), data
    return data[2:]


def row(card_text: str, label: str) -> str:
    """The value column of one `label   value` row of a card or table."""
    for line in card_text.splitlines():
        if line.startswith(label + " ") or line.strip().startswith(label + " "):
            return line.strip()[len(label):].strip()
    raise LookupError(f"no row {label!r} in:\n{card_text}")


def money(value: Decimal | None, places: int = 2) -> str:
    """A figure as the bot prints it: `2,263.58` (half-even, thousands separators)."""
    assert value is not None
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


def num(text: str) -> Decimal:
    """`2,262.07 USDC` -> Decimal('2262.07') (the first number in the text)."""
    match = re.search(r"[−-]?[0-9][0-9,]*(?:\.[0-9]+)?", text)
    assert match is not None, text
    return Decimal(match.group(0).replace(",", "").replace("−", "-"))
