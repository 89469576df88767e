"""Liquidation alert settings and the one-tap top-up, for commands, buttons and the alert sink.

Thresholds and on/off live in storage.thresholds (percent points), snoozes in storage.alert_state
(so the monitor sees them), caps in storage.chats. A top-up is a margin ADD approval of kind
"topup": it runs through the same press path as /margin add, and its caps are checked again
at press time (`check_caps`, installed as the approvals pre-check for that kind).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.domain.margin import funding_adjustment
from bot.domain.models import MarginAction, MarginMode
from bot.domain.records import ThresholdPercents
from bot.domain.topup import TopupSuggestion, suggest_topup
from bot.domain.views import MarginQuote, PositionView
from bot.errors import UserInputError
from bot.services.monitor.alert_views import (
    AlertOverview,
    Keep,
    LimitsView,
    SnoozeResult,
    ThresholdChange,
    TopupOffer,
    WatchedPosition,
)
from bot.services.trading.actions import TOPUP
from bot.services.trading.approvals import ApprovalService
from bot.services.trading.margin import MarginService
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.orders import TradingService
from bot.timing import Clock
from storage.alert_state import AlertStateStore
from storage.approvals import Approval
from storage.chats import ChatSettings, ChatStore
from storage.thresholds import ThresholdStore
from storage.topups import TopupLedger
from storage.worker import Storage

MAX_WARN_PCT = Decimal(50)
SNOOZE_MIN, SNOOZE_MAX = 15 * 60, 24 * 3600
SHARED_READS_TTL = 1.0  # seconds an alert round may reuse an exchange read (see _read)
HUNDRED = Decimal(100)
ISOLATED = MarginMode.ISOLATED.value


@dataclass(frozen=True, slots=True)
class _Tables:
    """The stores this service uses, over one connection (the writer's or the reader's)."""

    thresholds: ThresholdStore
    states: AlertStateStore
    chats: ChatStore
    ledger: TopupLedger

    @classmethod
    def on(cls, db: Database) -> _Tables:
        return cls(ThresholdStore(db), AlertStateStore(db), ChatStore(db), TopupLedger(db))

    def limits(self, chat_id: int, now: float) -> LimitsView:
        chat = self.chats.get(chat_id)
        return LimitsView(chat.per_action_cap, chat.per_day_cap, self.ledger.spent(chat_id, now),
                          self.ledger.headroom(chat_id, chat.per_day_cap, now))  # fmt: skip


class AlertService:
    """Reads and changes a chat's alert settings; prices and approves one-tap top-ups.

    Changes run on the storage's writer thread (each as one call, so it sees what came before);
    what replies and alerts only read comes from the read connection, never behind a lock.
    """

    def __init__(
        self, *, storage: Storage, trading: TradingService, margin: MarginService,
        markets: MarketDirectory, approvals: ApprovalService, clock: Clock,
    ) -> None:  # fmt: skip
        self._db, self._w, self._r = storage, _Tables.on(storage.db), _Tables.on(storage.reader)
        self._trading, self._margin = trading, margin
        self._markets, self._approvals, self._clock = markets, approvals, clock
        # key -> (monotonic start, the read's future): concurrent offers share one request
        self._shared: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}
        # (chat, symbol, margin) -> what the chat's /budget still allows (None: no budget)
        self.budget_left: Callable[[int, str, Decimal], Awaitable[Decimal | None]] | None = None

    # ---- thresholds and on/off ---------------------------------------------------------
    async def set_thresholds(
        self, chat_id: int, symbol_text: str | None, warn_pct: Decimal,
        critical_pct: Decimal | None,
    ) -> ThresholdChange:  # fmt: skip
        """Set the chat default (symbol None) or one symbol's levels; 0 < critical < warn ≤ 50."""
        symbol = (await self._markets.resolve(symbol_text)).symbol if symbol_text else None
        after = await self._db.write(self._set_levels, chat_id, symbol, warn_pct, critical_pct)
        return ThresholdChange(symbol, after, critical_pct is not None)

    def _set_levels(
        self, chat_id: int, symbol: str | None, warn_pct: Decimal, critical_pct: Decimal | None
    ) -> ThresholdPercents:
        """On the writer thread: validate against the current levels, store, read back."""
        t = self._w.thresholds
        current = t.effective(chat_id, symbol) if symbol else t.default(chat_id)
        critical = critical_pct
        if critical is None:  # keep the current critical level while it still fits
            critical = current.critical_pct if current.critical_pct < warn_pct else warn_pct / 2
        _validate(warn_pct, critical)
        if symbol is None:
            t.set_default(chat_id, warn_pct, critical)
            return t.default(chat_id)
        t.set_symbol(chat_id, symbol, warn_pct, critical)
        return t.effective(chat_id, symbol)

    async def set_enabled(self, chat_id: int, symbol_text: str, enabled: bool) -> ThresholdChange:
        """Stop or resume alerts for one symbol in this chat."""
        symbol = (await self._markets.resolve(symbol_text)).symbol

        def change() -> ThresholdPercents:
            self._w.thresholds.set_enabled(chat_id, symbol, enabled)
            return self._w.thresholds.effective(chat_id, symbol)

        return ThresholdChange(symbol, await self._db.write(change))

    async def thresholds_for(self, chat_id: int, symbol: str) -> ThresholdPercents:
        """The levels that apply to this (exchange) symbol in this chat."""
        return await self._db.read(self._r.thresholds.effective, chat_id, symbol)

    # ---- snooze ------------------------------------------------------------------------
    async def snooze(
        self, chat_id: int, symbol_text: str, seconds: int | None, *,
        require_position: bool = True,
    ) -> SnoozeResult:  # fmt: skip
        """Mute reminders for this chat's isolated position for `seconds` (None clears).

        The Snooze button skips the position check: it sits on an alert about that position.
        """
        market = await self._markets.resolve(symbol_text)
        now = self._clock.time()
        states = self._w.states
        if seconds is None:
            await self._db.write(states.set_snooze, chat_id, market.symbol, ISOLATED, None, now)
            return SnoozeResult(market.symbol, None, None)
        if not SNOOZE_MIN <= seconds <= SNOOZE_MAX:
            raise UserInputError("a snooze lasts from 15m to 24h, e.g. /snooze ETH 1h")
        if require_position and await self._trading.position(
            market.symbol, MarginMode.ISOLATED
        ) is None:
            raise UserInputError(f"there is no open isolated {market.base} position to snooze")
        until = now + seconds
        await self._db.write(states.set_snooze, chat_id, market.symbol, ISOLATED, until, now)
        return SnoozeResult(market.symbol, until, seconds)

    # ---- caps --------------------------------------------------------------------------
    async def limits(self, chat_id: int) -> LimitsView:
        """This chat's top-up caps and what the rolling 24 h window has used."""
        return await self._db.read(self._r.limits, chat_id, self._clock.time())

    async def set_limits(
        self, chat_id: int, per_action: Decimal | Keep | None, per_day: Decimal | Keep | None
    ) -> LimitsView:
        """Set the caps (None switches one off, KEEP leaves it as it is)."""

        def change(now: float) -> LimitsView:
            chat = self._w.chats.get(chat_id)
            action = chat.per_action_cap if isinstance(per_action, Keep) else per_action
            day = chat.per_day_cap if isinstance(per_day, Keep) else per_day
            for cap in (action, day):
                if isinstance(cap, Decimal) and cap <= 0:
                    raise UserInputError("a cap must be more than 0 USDC, or off")
            self._w.chats.set_limits(chat_id, action, day)
            return self._w.limits(chat_id, now)

        return await self._db.write(change, self._clock.time())

    async def check_caps(self, approval: Approval) -> None:
        """Press-time check of a top-up against the chat's caps as they are now."""
        amount = approval.amount or Decimal(0)

        def caps(now: float) -> tuple[Decimal | None, Decimal | None]:  # after the claim
            chat = self._w.chats.get(approval.chat_id)
            left = self._w.ledger.headroom(approval.chat_id, chat.per_day_cap, now,
                                           exclude_token=approval.token)  # fmt: skip
            return chat.per_action_cap, left

        per_action, left = await self._db.write(caps, self._clock.time())
        if per_action is not None and amount > per_action:
            raise UserInputError(f"{amount} USDC is above your per-action limit of "
                                 f"{per_action} USDC (/limits); nothing was sent")
        if left is not None and amount > left:
            raise UserInputError(f"your per-day top-up limit has only {left} USDC left "
                                 "(/limits); nothing was sent")

    # ---- /alert ------------------------------------------------------------------------
    async def overview(self, chat_id: int) -> AlertOverview:
        """ThresholdPercents, overrides, caps and every isolated position's distance now."""
        now = self._clock.time()
        views = [v for v in await self._trading.positions()
                 if v.position.margin_mode is MarginMode.ISOLATED]  # fmt: skip

        def read() -> AlertOverview:
            watched = []
            for view in views:
                symbol = view.position.symbol
                state = self._r.states.get(chat_id, symbol, ISOLATED)
                until = state.snooze_until if state and state.snooze_until else None
                watched.append(WatchedPosition(view, self._r.thresholds.effective(chat_id, symbol),
                                               until if until and until > now else None))
            return AlertOverview(
                self._r.thresholds.default(chat_id), tuple(self._r.thresholds.overrides(chat_id)),
                tuple(watched), self._r.limits(chat_id, now), now,
            )

        return await self._db.read(read)

    # ---- top-ups -----------------------------------------------------------------------
    async def quote_topup(
        self, chat_id: int, symbol_text: str
    ) -> tuple[MarginQuote | None, TopupSuggestion]:
        """The suggested top-up for this chat's isolated position, from live figures."""
        offer = await self.offer(chat_id, None, symbol_text)
        return offer.quote, offer.suggestion

    async def offer(
        self, chat_id: int, user_id: int | None, symbol_text: str,
        warning: Decimal | None = None, *, shared: bool = False,
    ) -> TopupOffer:  # fmt: skip
        """Price the top-up from the live position; with a user, also create its approval.

        warning (a fraction) overrides the chat's level, e.g. the one an alert was raised at.
        shared: reuse exchange reads up to SHARED_READS_TTL old (one alert for many chats).
        """
        market = await self._markets.resolve(symbol_text)
        view = await self._read(shared, ("position", market.symbol),
                                lambda: self._trading.position(market.symbol, MarginMode.ISOLATED))
        if view is None:
            raise UserInputError(f"there is no open isolated {market.base} position")
        return await self.offer_for(chat_id, user_id, view, warning, shared=shared)

    async def offer_for(
        self, chat_id: int, user_id: int | None, view: PositionView,
        warning: Decimal | None = None, *, shared: bool = False,
    ) -> TopupOffer:  # fmt: skip
        """Price the top-up for a position just read from the exchange (see `offer`)."""
        p = view.position
        ticker = await self._read(shared, ("ticker", p.symbol),
                                  lambda: self._markets.ticker(p.symbol))
        funding = funding_adjustment(
            p.position_qty, ticker.sum_unitary_funding, p.last_sum_unitary_funding
        )
        levels, chat, headroom = await self._db.read(self._offer_figures, chat_id, p.symbol)
        max_add = await self._read(shared, ("max_add", p),
                                   lambda: self._margin.max_allowed(p, MarginAction.ADD))
        suggestion = suggest_topup(
            view.market, p, ticker.mark_price, funding,
            levels.warn_pct / HUNDRED if warning is None else warning,
            max_add, chat.per_action_cap,
            headroom,
            budget_headroom=None if self.budget_left is None else await self.budget_left(
                chat_id, p.symbol, p.margin),
        )  # fmt: skip
        offer = TopupOffer(view, ticker.mark_price, levels, suggestion)
        if suggestion.amount is None:
            return offer
        amount = suggestion.amount
        quote = await self._read(shared, ("quote", p, amount),
                                 lambda: self._margin.quote_for(p, MarginAction.ADD, amount))
        approval = None if user_id is None else await self.approval_for_topup(chat_id, user_id,
                                                                              quote)  # fmt: skip
        return TopupOffer(view, ticker.mark_price, levels, suggestion, quote, approval)

    async def _read(
        self, shared: bool, key: Hashable, read: Callable[[], Awaitable[Any]]
    ) -> Any:
        """read(), or with `shared` the same read started under SHARED_READS_TTL ago (finished
        or still in flight): an alert to several chats prices one position several times at
        once, and Orderly paces /positions (30 per 10 s), so unshared reads made the later
        chats' offers time out."""
        if not shared:
            return await read()
        now = self._clock.monotonic()
        self._shared = {k: v for k, v in self._shared.items() if now - v[0] < SHARED_READS_TTL}
        hit = self._shared.get(key)
        if hit is None:
            hit = self._shared[key] = (now, asyncio.ensure_future(read()))
        try:
            return await asyncio.shield(hit[1])  # one waiter timing out must not cancel it
        except Exception:
            if self._shared.get(key) is hit:
                del self._shared[key]  # a failed read is not shared: the next one tries again
            raise

    def _offer_figures(
        self, chat_id: int, symbol: str
    ) -> tuple[ThresholdPercents, ChatSettings, Decimal | None]:
        chat = self._r.chats.get(chat_id)
        headroom = self._r.ledger.headroom(chat_id, chat.per_day_cap, self._clock.time())
        return self._r.thresholds.effective(chat_id, symbol), chat, headroom

    async def approval_for_topup(
        self, chat_id: int, user_id: int, quote: MarginQuote
    ) -> Approval:
        """A 120 s single-use approval of kind "topup" for exactly this quote."""
        return await self._approvals.for_margin(chat_id, user_id, quote, source="alert", kind=TOPUP)


def _validate(warn: Decimal, critical: Decimal) -> None:
    if warn <= 0 or critical <= 0:
        raise UserInputError("alert levels must be more than 0 %")
    if warn > MAX_WARN_PCT:
        raise UserInputError(f"the warning level can be at most {MAX_WARN_PCT} %")
    if critical >= warn:
        raise UserInputError(f"the critical level ({critical} %) must be smaller than the "
                             f"warning level ({warn} %): closer to liquidation")
