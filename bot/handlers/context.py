"""The services a handler may use, and a small per-update helper to reply through the notifier."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.domain.models import MarketInfo
from bot.errors import ExchangeError
from bot.services.delivery.notifier import Delivery, Notifier, Priority
from bot.services.desk.books import AuditTrail, ChatBook, StorageLane
from bot.services.desk.refusals import RefusalGate
from bot.services.desk.status import StatusService
from bot.services.trading.algo_orders import AlgoOrderService
from bot.services.trading.approvals import ApprovalService
from bot.services.trading.leverage import LeverageService
from bot.services.trading.margin import MarginService
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.modes import ModeService
from bot.services.trading.orders import TradingService
from bot.timing import Clock, SystemClock, Timings

SERVICES_KEY = "margin_desk"
log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the handlers reach; built once by the composition root."""

    settings: Settings
    clock: Clock
    timings: Timings
    markets: MarketDirectory
    leverage: LeverageService
    trading: TradingService
    margin: MarginService
    approvals: ApprovalService
    audit: AuditTrail  # on storage.db: use through storage.write / storage.post
    chats: ChatBook  # on storage.db, likewise
    notifier: Notifier
    status: StatusService
    extras: dict[str, Any]  # later features (alerts) hang their services here
    modes: ModeService  # the chat's default margin mode per symbol
    storage: StorageLane
    refusals: RefusalGate = field(default_factory=lambda: RefusalGate(SystemClock()))
    algos: AlgoOrderService | None = None  # TP/SL and stop orders (the algo order API)


async def answer_quietly(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answer a button press, best effort: a query Telegram no longer accepts ("query is too
    old") must never decide whether the action runs; the card edit reports the outcome."""
    try:
        await query.answer(text, show_alert=show_alert)
    except TelegramError as exc:
        log.info("could not answer a button press: %s", exc)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Services = context.application.bot_data[SERVICES_KEY]
    return services


@dataclass
class Ctx:
    """One update: who, where, and how to answer."""

    update: Update
    services: Services

    @property
    def chat_id(self) -> int:
        assert self.update.effective_chat is not None
        return self.update.effective_chat.id

    @property
    def user_id(self) -> int:
        assert self.update.effective_user is not None
        return self.update.effective_user.id

    async def answer(self, text: str | None = None, *, show_alert: bool = False) -> None:
        """Answer this update's button press (best effort, see answer_quietly)."""
        if self.update.callback_query is not None:
            await answer_quietly(self.update.callback_query, text, show_alert=show_alert)

    async def reply(self, html: str, keyboard: Any = None) -> Delivery:
        return await self.services.notifier.reply(self.chat_id, html, keyboard=keyboard)

    async def send_now(self, html: str, keyboard: Any = None) -> Delivery:
        """Results of actions go first (Priority.CRITICAL)."""
        return await self.services.notifier.send(
            self.chat_id, html, priority=Priority.CRITICAL, keyboard=keyboard
        )

    async def market_of(self, symbol: str) -> MarketInfo | None:
        """A symbol's rules (tick, step) for a reply about something already done; None when
        they cannot be read now (the reply then falls back, it never fails for this)."""
        try:
            return (await self.services.markets.all()).get(symbol)
        except ExchangeError:
            return None

    def audit(self, command: str, params: dict[str, Any], outcome: str, detail: str = "") -> None:
        """Queue the audit line; the reply never waits for it (a locked database delays it)."""
        s = self.services
        s.storage.post(s.audit.record, self.chat_id, self.user_id, command, params, outcome,
                       detail, s.clock.time())  # fmt: skip
