"""Settling approvals whose outcome is unknown: on proof from the exchange, or not at all until
the request can no longer land.

A write that left without an answer (a timeout, a crash, a restart) may still reach Orderly
until its signed timestamp falls out of the 300 s window (plus the client timeout for an
accepted request to finish): `Approval.lands_by`. Before that, only a lookup that *proves* the
outcome settles it — an order found by its `client_order_id`, or the position's margin equal
to the recorded margin plus (minus) the amount. "Not found" and "margin unchanged" prove
nothing until then: the row stays `unknown` and the chat is told it is being checked.
Orderly has no margin-transfer history endpoint, so the position's margin is the only record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.models import MarginAction, Order
from bot.domain.symbols import base_of
from bot.errors import ExchangeError
from bot.services.trading.actions import (
    ALGO,
    ORDER,
    AlgoAction,
    MarginChange,
    OrderAction,
    client_order_id,
)
from bot.services.trading.algo_orders import AlgoOrderService, describe_request
from bot.services.trading.margin import CENT, MarginMoved, MarginService
from bot.services.trading.orders import TradingService
from bot.timing import Clock, Timings
from storage.approvals import Approval, ApprovalStore
from storage.audit import AuditLog
from storage.worker import Storage

GIVE_UP_ROUNDS = 20  # settle intervals after which an undecidable transfer is reported as such
INTERRUPTED = "was interrupted before anything was sent; nothing changed"
UNKNOWN = "unknown"  # a settle round's "no proof yet": ask again at the next round
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InDoubt:
    """An action whose request may still land: being checked, never resent."""

    approval: Approval
    what: str  # e.g. "the margin add of 100 USDC to ETH isolated"
    seconds_left: float  # until it is settled for certain (it can no longer land, + a round)


def lands_by(approval: Approval, timings: Timings) -> float:
    """Epoch seconds after which this approval's request can no longer apply."""
    if approval.lands_by is not None:
        return approval.lands_by
    # a row from before lifetimes were recorded: from when its intent was written
    sent = approval.intent_at or approval.claimed_at or approval.created_at
    return sent + timings.request_lifetime


def describe(approval: Approval) -> str:
    """`the order BUY 0.5 ETH at 2450 (isolated)` / `the margin add of 100 USDC to ETH isolated`."""
    if approval.kind == ALGO:
        return describe_request(AlgoAction.from_json(approval.action).request)
    if approval.kind == ORDER:
        r = OrderAction.from_json(approval.action).request
        at = f" at {r.price}" if r.price is not None else ""
        close = ", reduce-only" if r.reduce_only else ""
        return (f"the order {r.side.value} {r.quantity} {base_of(r.symbol)}{at} "
                f"({r.margin_mode.value.lower()}{close})")  # fmt: skip
    change = MarginChange.from_json(approval.action)
    verb = "add" if change.action is MarginAction.ADD else "reduce"
    where = "to" if change.action is MarginAction.ADD else "from"
    base = base_of(change.expect.symbol)
    return f"the margin {verb} of {change.amount} USDC {where} {base} isolated"


class Settler:
    """Resolves `executing` (at start-up) and `unknown` rows; never sends anything."""

    def __init__(
        self, storage: Storage, store: ApprovalStore, audit: AuditLog, trading: TradingService,
        margin: MarginService, clock: Clock, timings: Timings,
        algos: AlgoOrderService | None = None,
    ) -> None:  # fmt: skip
        # store and audit are on storage.db: used on its writer thread (storage.write)
        self._db, self._store, self._audit = storage, store, audit
        self._trading, self._margin = trading, margin
        self._algos = algos
        self._clock, self._timings = clock, timings

    async def settle(self, *, at_startup: bool) -> list[tuple[Approval, str]]:
        """Settle what can be settled now; returns (approval, what we learned) for each.

        At start-up every `executing` row is an interrupted press; while running, only
        `unknown` rows are settled, because `executing` ones are being pressed right now.
        """
        await self._db.write(self._expire_stale)  # on the writer thread, as one call
        settled: list[tuple[Approval, str]] = []
        for approval in await self._db.write(self._store.list_unsettled):
            if not at_startup and approval.state != UNKNOWN:
                continue
            try:
                state, text = await self._settle_one(approval)
            except ExchangeError:
                state, text = UNKNOWN, ""  # tried again later, never resent
            except Exception:  # one unreadable row must not stop start-up or the others
                log.exception("could not settle a %s approval of chat %s", approval.kind,
                              approval.chat_id)  # fmt: skip
                state, text = UNKNOWN, ""
            if state == UNKNOWN:
                if approval.state == "executing":  # hand it over to the running settlement
                    await self._db.write(self._store.finish, approval.token, UNKNOWN,
                                         {"unknown": "being checked after a restart"},
                                         self._clock.time())  # fmt: skip
                continue
            await self._db.write(self._store.finish, approval.token, state, {"settled": text},
                                 self._clock.time())  # fmt: skip
            await self._db.write(self._audit.record, approval.chat_id, approval.user_id,
                                 approval.kind, approval.action, f"settled:{state}", text,
                                 self._clock.time())  # fmt: skip
            settled.append((approval, text))
        return settled

    def _expire_stale(self) -> None:
        """End cards whose time ran out unpressed; each is recorded for /history (on the
        storage's writer thread)."""
        now = self._clock.time()
        stale = self._store.stale(now)
        self._store.expire_stale(now)
        for a in stale:
            self._audit.record(a.chat_id, a.user_id, a.kind, a.action, "expired", "",
                               a.expires_at)

    async def in_doubt(self) -> list[InDoubt]:
        """Unknown rows still being checked, with how long until they are settled for certain:
        until they can no longer land, plus one settle round."""
        now, round_ = self._clock.time(), self._timings.settle_interval
        return [
            InDoubt(a, describe(a), max(0.0, lands_by(a, self._timings) - now) + round_)
            for a in await self._db.write(self._store.list_unsettled)
            if a.state == UNKNOWN and a.intent is not None
        ]

    async def _settle_one(self, approval: Approval) -> tuple[str, str]:
        """(state, what we learned); state "unknown" means: no proof yet, ask again later."""
        if approval.intent is None:  # the intent is committed before sending: nothing left
            return "failed", INTERRUPTED
        deadline = lands_by(approval, self._timings)
        gone = self._clock.time() >= deadline  # the request can no longer apply
        what = describe(approval)
        if approval.kind == ORDER:
            order = await self._trading.lookup_client_order(client_order_id(approval.token))
            if order is not None:
                return "done", f"{what} was placed ({_order_state(order)})"
            if not gone:
                return UNKNOWN, ""
            return "failed", f"{what} never reached the exchange; nothing was placed"
        if approval.kind == ALGO and self._algos is not None:
            algo = await self._algos.lookup_client_order(client_order_id(approval.token))
            if algo is not None:
                return "done", f"{what} was placed (algo order {algo.algo_order_id}, " \
                               f"{algo.status.lower()})"
            if not gone:
                return UNKNOWN, ""
            return "failed", f"{what} never reached the exchange; nothing was placed"
        return await self._settle_margin(approval, what, gone, deadline)

    async def _settle_margin(
        self, approval: Approval, what: str, gone: bool, deadline: float
    ) -> tuple[str, str]:
        change = MarginChange.from_json(approval.action)
        before = change.expect.margin
        try:
            result = await self._margin.settle(change.expect, change.action, change.amount,
                                               reconciled=True)  # fmt: skip
        except MarginMoved:
            sent = approval.intent_at or approval.created_at
            give_up = max(deadline, sent + self._timings.settle_interval * GIVE_UP_ROUNDS)
            if self._clock.time() < give_up:
                return UNKNOWN, ""
            return "failed", (  # tell the user rather than retry forever in silence
                f"could not confirm whether {what} applied: the position's margin also "
                f"changed by something else. Nothing was resent; check /position "
                f"{base_of(change.expect.symbol)}")
        position = result.position_after
        if result.applied and position is not None:
            liq = result.liq_after
            tick = (await self._margin.market(position.symbol)).quote_tick
            liq_text = (f"est. liq now {liq.quantize(tick)}" if liq is not None
                        else "no liquidation price now")  # fmt: skip
            return "done", (f"{what} applied: margin {_usdc(before)} → "
                            f"{_usdc(position.margin)} USDC, {liq_text}")
        if not gone:
            return UNKNOWN, ""
        if position is None:  # closed or liquidated since: its margin is gone
            return "failed", (f"could not confirm whether {what} applied: the isolated "
                              "position is closed now. Nothing was resent; check /balance")
        return "failed", (f"{what} did not apply: margin still {_usdc(position.margin)} USDC; "
                          "nothing was resent")


def _usdc(amount: Decimal) -> str:
    """A USDC amount exactly, with at least 2 decimals (250 -> 250.00, 1.005 stays)."""
    exact = amount.normalize()
    return f"{amount:.2f}" if exact == exact.quantize(CENT) else format(exact, "f")


def _order_state(order: Order) -> str:
    filled = order.executed_quantity
    if order.status == "FILLED":
        price = order.average_executed_price or order.price
        return f"id {order.order_id}, filled{f' at {price}' if price is not None else ''}"
    if filled:
        return f"id {order.order_id}, {order.status.lower()}, {filled} of {order.quantity} filled"
    return f"id {order.order_id}, {order.status.lower()}"
