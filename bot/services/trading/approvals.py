"""Approvals for every money-moving action: create, press (exactly once), cancel, settle.

A press claims the row with one conditional UPDATE, re-checks the preconditions, records the
intent (committed, with the timestamp the request will be signed with and until when it could
land), calls the exchange once, and records the outcome. Rows left `executing`/`unknown` by a
crash or a timeout are settled by bot/services/trading/settlement.py, at start-up and while running.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.algo import AlgoQuote
from bot.domain.views import MarginQuote, MarginResult, OrderQuote, OrderResult
from bot.errors import (
    ExchangeError,
    ExchangeRejected,
    OutcomeUnknown,
    RateLimited,
    UserInputError,
)
from bot.services.delivery.notifier import Delivery
from bot.services.trading.actions import (
    ALGO,
    MARGIN,
    ORDER,
    AlgoAction,
    MarginChange,
    OrderAction,
    client_order_id,
)
from bot.services.trading.algo_orders import AlgoOrderService, AlgoPlaced
from bot.services.trading.margin import NOT_SENT, MarginExpectation, MarginService, cents_down
from bot.services.trading.orders import TradingService
from bot.services.trading.reporting import Reports
from bot.services.trading.settlement import InDoubt, Settler
from bot.timing import Clock, Timings
from storage.approvals import Approval, ApprovalStore, ClaimFailure, ClaimResult
from storage.audit import AuditLog
from storage.worker import Storage

# A press-time check for one kind of approval: raises UserInputError to stop it before sending.
PressCheck = Callable[[Approval], Awaitable[None]]
# Called at each step of a press (bot/runtime/checkpoints.py STEPS); a no-op except in
# the crash tests, which pause the process there to kill it (see bot/runtime/checkpoints.py).
Checkpoint = Callable[[str], Awaitable[None]]
UNREADABLE = "the exchange's answer could not be read; checking the result, it will not be resent"
BROKEN = "something went wrong on our side before sending; nothing was sent"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PressOutcome:
    """What happened when a button was pressed. Exactly one of the fields explains it."""

    approval: Approval | None
    refused: ClaimFailure | None = None  # nothing was done
    precondition: str | None = None  # claimed, but the world changed: nothing was sent
    rejected: str | None = None  # the exchange said no (plain-language reason)
    unknown: str | None = None  # sent, no answer yet; settled later, never resent
    order: OrderResult | None = None
    margin: MarginResult | None = None
    algo: AlgoPlaced | None = None  # a TP/SL or stop order placed

    @property
    def executed(self) -> bool:
        return (self.order is not None or self.algo is not None
                or (self.margin is not None and self.margin.applied))


class ApprovalService:
    def __init__(
        self,
        storage: Storage,
        trading: TradingService,
        margin: MarginService,
        clock: Clock,
        timings: Timings,
        checkpoint: Checkpoint | None = None,
        algos: AlgoOrderService | None = None,
    ) -> None:
        # Every row access runs on the storage's writer thread, in order (storage.worker).
        self._db = storage
        self._store = store = ApprovalStore(storage.db)
        self._audit = audit = AuditLog(storage.db)
        self._trading = trading
        self._margin = margin
        self._algos = algos
        self._clock = clock
        self._timings = timings
        self._prechecks: dict[str, list[PressCheck]] = {}
        self._checkpoint = checkpoint or _no_checkpoint
        self._settler = Settler(storage, store, audit, trading, margin, clock, timings,
                                algos=algos)
        self._reports = Reports(storage, store, clock)

    def add_precheck(self, kind: str, check: PressCheck) -> None:
        """Re-check something more at press time for approvals of `kind` (e.g. top-up caps)."""
        self._prechecks.setdefault(kind, []).append(check)

    # ---- creating cards ----------------------------------------------------------------
    async def for_order(self, chat_id: int, user_id: int, quote: OrderQuote) -> Approval:
        before = quote.position_before.position_qty if quote.position_before else None
        action = OrderAction(quote.request, before)
        return await self._db.write(
            self._store.create, ORDER, chat_id, user_id, action.to_json(), self._clock.time(),
            self._timings.order_approval_ttl,
        )

    async def for_algo(self, chat_id: int, user_id: int, quote: AlgoQuote) -> Approval:
        """A card for a TP/SL or stop order (it lives as long as an order card)."""
        action = AlgoAction(quote.request, quote.position_qty)
        return await self._db.write(
            self._store.create, ALGO, chat_id, user_id, action.to_json(), self._clock.time(),
            self._timings.order_approval_ttl,
        )

    async def for_margin(
        self, chat_id: int, user_id: int, quote: MarginQuote, source: str = "command",
        kind: str = MARGIN,
    ) -> Approval:
        expect = MarginExpectation(quote.symbol, quote.position.position_qty, quote.position.margin)
        change = MarginChange(expect, quote.action, quote.amount, source)
        return await self._db.write(
            self._store.create, kind, chat_id, user_id, change.to_json(), self._clock.time(),
            self._timings.margin_approval_ttl, amount=quote.amount,
        )

    async def still_open(self, token: str) -> Approval | None:
        """The approval while its card can still be confirmed (pending, not expired); read on
        the writer thread, so a card created just before is seen."""
        found = await self._db.write(self._store.get, token)
        if found is None or found.state != "pending" or found.expires_at <= self._clock.time():
            return None
        return found

    async def cancel(self, token: str, user_id: int, chat_id: int) -> ClaimFailure | None:
        """Decline a card; None when it was cancelled, else why not."""
        now = self._clock.time()
        result = await self._db.write(self._store.cancel, token, user_id, chat_id, now)
        if result.ok and result.approval is not None:
            a = result.approval
            await self._db.write(self._audit.record, a.chat_id, user_id, a.kind, a.action,
                                 "cancelled", "",
                               self._clock.time())
        return result.failure

    # ---- pressing Confirm --------------------------------------------------------------
    async def claim(self, token: str, user_id: int, chat_id: int) -> ClaimResult:
        """Win the right to run this approval (one conditional UPDATE; instant, no I/O)."""
        now = self._clock.time()
        return await self._db.write(self._store.claim, token, user_id, chat_id, now)

    async def run(self, approval: Approval) -> PressOutcome:
        """Run a claimed approval: re-check, record intent, call the exchange once, settle.

        Always ends the row: failed when nothing can have been sent, unknown (settled later,
        never resent) once the intent is recorded and the answer is missing or unreadable.
        """
        try:
            if approval.kind == ORDER:
                outcome = await self._press_order(approval)
            elif approval.kind == ALGO:
                outcome = await self._press_algo(approval)
            else:
                outcome = await self._press_margin(approval)
        except UserInputError as exc:
            outcome = await self._finish(approval, "failed", precondition=exc.reason)
        except ExchangeRejected as exc:
            outcome = await self._finish(approval, "failed", rejected=exc.explanation)
        except ExchangeError as exc:
            outcome = await self._interrupted(approval, _unknown_text(exc), _not_sent_text(exc))
        except Exception:  # a bug or an unreadable reply must not leave the row `executing`
            log.exception("a %s approval in chat %s failed unexpectedly", approval.kind,
                          approval.chat_id)
            outcome = await self._interrupted(approval, UNREADABLE, BROKEN)
        await self._audit_press(approval, outcome)
        await self._checkpoint("finished")
        return outcome

    async def _interrupted(
        self, approval: Approval, unknown: str, not_sent: str
    ) -> PressOutcome:
        """End a press cut short: failed if nothing was sent yet, else unknown until settled."""
        current = await self._db.write(self._store.get, approval.token)
        if current is not None and current.intent is None:
            return await self._finish(approval, "failed", precondition=not_sent)
        return await self._finish(approval, "unknown", unknown=unknown)

    async def press(self, token: str, user_id: int, chat_id: int) -> PressOutcome:
        """Claim and run in one step; every refusal leaves the exchange untouched."""
        claim = await self.claim(token, user_id, chat_id)
        if not claim.ok or claim.approval is None:
            return PressOutcome(claim.approval, refused=claim.failure)
        return await self.run(claim.approval)

    async def _press_order(self, approval: Approval) -> PressOutcome:
        action = OrderAction.from_json(approval.action)
        if action.request.reduce_only:
            await self._recheck_close(action)
        else:
            await self._trading.recheck_order(action.request, action.expect_qty)
        cid = client_order_id(approval.token)
        await self._checkpoint("claimed")
        stamp = await self._record_intent(approval, {"client_order_id": cid})
        await self._checkpoint("intent_recorded")
        result = await self._trading.place(action.request, cid, timestamp_ms=stamp)
        await self._checkpoint("answered")
        order_id = result.order.order_id if result.order else None
        done = await self._finish(approval, "done", order_id=order_id)
        return PressOutcome(done.approval, order=result)

    async def _press_algo(self, approval: Approval) -> PressOutcome:
        if self._algos is None:
            raise UserInputError("TP/SL and stop orders are not available here; nothing was sent")
        action = AlgoAction.from_json(approval.action)
        await self._algos.recheck(action.request, action.expect_qty)
        cid = client_order_id(approval.token)
        await self._checkpoint("claimed")
        stamp = await self._record_intent(approval, {"client_order_id": cid})
        await self._checkpoint("intent_recorded")
        result = await self._algos.place(action.request, cid, timestamp_ms=stamp)
        await self._checkpoint("answered")
        done = await self._finish(approval, "done", algo_order_id=result.algo_order_id)
        return PressOutcome(done.approval, algo=result)

    async def _recheck_close(self, action: OrderAction) -> None:
        r = action.request
        view = await self._trading.position(r.symbol, r.margin_mode)  # one read, not the book
        current = view.position if view else None
        if current is None:
            raise UserInputError("the position is already closed; nothing was sent")
        if action.expect_qty is not None and (current.position_qty > 0) != (action.expect_qty > 0):
            raise UserInputError("the position changed side since this card was drawn; ask again")
        if action.expect_qty is not None and current.position_qty != action.expect_qty:
            # the card's size and "position after" were for the size it showed
            raise UserInputError("the position size changed since this card was drawn; ask again")
        if abs(current.position_qty) < r.quantity:
            raise UserInputError("the position is smaller than this close now; ask again")

    async def _press_margin(self, approval: Approval) -> PressOutcome:
        change = MarginChange.from_json(approval.action)
        position = await self._margin.recheck(change.expect)
        allowed = await self._margin.max_allowed(position, change.action)
        if change.amount > allowed:
            raise UserInputError(f"only {cents_down(allowed)} USDC can be moved now; ask again")
        for precheck in self._prechecks.get(approval.kind, ()):
            await precheck(approval)
        await self._checkpoint("claimed")
        stamp = await self._record_intent(approval, approval.action)
        await self._checkpoint("intent_recorded")
        result = await self._margin.transfer(change.expect, change.action, change.amount,
                                             timestamp_ms=stamp)  # fmt: skip
        await self._checkpoint("answered")
        state = "done" if result.applied else "failed"
        done = await self._finish(approval, state, applied=result.applied,
                                  reconciled=result.reconciled)  # fmt: skip
        return PressOutcome(done.approval, margin=result)

    async def _record_intent(self, approval: Approval, payload: dict[str, Any]) -> int:
        """Commit what is about to be sent, the orderly-timestamp it will be signed with and
        until when it could still land; returns that timestamp. Nothing is sent before this."""
        stamp = self._trading.exchange_time_ms()
        now = self._clock.time()
        await self._db.write(self._store.mark_intent, approval.token, payload, now,
                             sent_ts_ms=stamp,
                             lands_by=now + self._timings.request_lifetime)  # fmt: skip
        return stamp

    async def _finish(self, approval: Approval, state: str, **detail: Any) -> PressOutcome:
        finished = await self._db.write(self._store.finish, approval.token, state, detail,
                                        self._clock.time())  # fmt: skip
        text = {k: v for k, v in detail.items() if k in ("precondition", "rejected", "unknown")}
        return PressOutcome(finished, **text)

    # ---- settling unknown outcomes ---------------------------------------------------------
    async def settle_unsettled(self, *, at_startup: bool) -> list[tuple[Approval, str]]:
        """Settle rows a crash or timeout left open, on proof or once the request cannot land
        any more; returns (approval, what we learned). See bot/services/trading/settlement.py."""
        return await self._settler.settle(at_startup=at_startup)

    async def in_doubt(self) -> list[InDoubt]:
        """Actions whose request may still land: being checked, never resent."""
        return await self._settler.in_doubt()

    async def unreported(self) -> list[tuple[Approval, str]]:
        """Final outcomes the chat was never shown (a crash came first), with their text."""
        return await self._reports.unreported()

    def reported_when_delivered(self, token: str, delivery: Delivery) -> None:
        """Record that the outcome of `token` was shown once `delivery` has gone out."""
        self._reports.when_delivered(token, delivery)

    async def _audit_press(self, approval: Approval, outcome: PressOutcome) -> None:
        state = outcome.approval.state if outcome.approval else "refused"
        reason = outcome.precondition or outcome.rejected or outcome.unknown or ""
        params = approval.action | _result_facts(outcome)
        await self._db.write(self._audit.record, approval.chat_id, approval.user_id,
                             approval.kind, params, state, reason,
                             self._clock.time())  # fmt: skip


def _result_facts(outcome: PressOutcome) -> dict[str, Any]:
    """What the exchange reported back, for the audit log (/history): fill or margin after."""
    facts: dict[str, Any] = {}
    order = outcome.order.order if outcome.order else None
    if order is not None:
        facts = {"order_id": order.order_id, "status": order.status,
                 "filled_qty": str(order.executed_quantity)}
        if order.average_executed_price is not None:
            facts["avg_price"] = str(order.average_executed_price)
    if outcome.algo is not None and outcome.algo.algo_order_id is not None:
        facts = {"algo_order_id": outcome.algo.algo_order_id}
    after = outcome.margin.position_after if outcome.margin else None
    if after is not None and after.margin is not None:
        facts["margin_after"] = str(after.margin)
    return facts


async def _no_checkpoint(_: str) -> None:
    return None


def _not_sent_text(exc: ExchangeError) -> str:
    if isinstance(exc, RateLimited):
        return (f"the exchange is rate limiting; nothing was sent, try again in "
                f"{max(1, round(exc.retry_after))} s")
    return NOT_SENT


def _unknown_text(exc: ExchangeError) -> str:
    if isinstance(exc, RateLimited):
        return "the exchange is rate limiting; the result will be checked, it will not be resent"
    if isinstance(exc, OutcomeUnknown):
        return "no answer from the exchange; checking the result, it will not be sent again"
    return f"the exchange is unreachable ({exc}); it will be checked, not resent"

