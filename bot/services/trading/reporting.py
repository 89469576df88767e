"""Making sure the chat is shown every pressed action's final outcome, even across a crash.

An outcome is recorded before it is shown (the card's edit, or a settlement notice). Once the
message is delivered the row is marked reported; a crash in between leaves it unreported, and
start-up tells the chat from what the row recorded.
"""

from __future__ import annotations

import asyncio
import logging

from bot.services.delivery.notifier import Delivery, DeliveryFailed
from bot.services.trading.actions import ORDER
from bot.services.trading.settlement import describe
from bot.timing import Clock
from storage.approvals import Approval, ApprovalStore
from storage.worker import Storage

log = logging.getLogger(__name__)


def recorded_outcome(approval: Approval) -> str:
    """What the row says happened, in words (for a result the chat was never shown)."""
    detail, what = approval.detail or {}, describe(approval)
    if detail.get("settled"):
        return str(detail["settled"])
    if detail.get("precondition"):
        return f"{what} was not sent: {detail['precondition']}"
    if detail.get("rejected"):
        return f"the exchange refused {what}: {detail['rejected']}"
    if approval.state == "done" and approval.kind == ORDER:
        order_id = detail.get("order_id")
        return f"{what} was placed" + (f" (id {order_id})" if order_id else "")
    if approval.state == "done":
        return f"{what} applied"
    return f"{what} did not apply"


class Reports:
    """Marks outcomes reported once their message is delivered; lists those never shown."""

    def __init__(self, storage: Storage, store: ApprovalStore, clock: Clock) -> None:
        self._db, self._store, self._clock = storage, store, clock  # store: on storage.db
        self._waiting: set[asyncio.Task[None]] = set()

    async def unreported(self) -> list[tuple[Approval, str]]:
        rows = await self._db.write(self._store.list_unreported)
        return [(a, recorded_outcome(a)) for a in rows]

    def when_delivered(self, token: str, delivery: Delivery) -> None:
        """Mark `token` reported once `delivery` is done (not when it fails: start-up retells)."""
        task = asyncio.create_task(self._mark(token, delivery))
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    async def _mark(self, token: str, delivery: Delivery) -> None:
        try:
            await delivery.wait()
        except DeliveryFailed:
            return
        try:
            await self._db.write(self._store.mark_reported, token, self._clock.time())
        except Exception:  # a locked database: the chat may be told again at start-up
            log.exception("could not record that an outcome was shown")
