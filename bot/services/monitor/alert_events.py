"""What the liquidation monitor emits to its sink, and the per-chat grouping of those events.

The monitor never sends messages itself: it hands each chat's events, as one list (a batch),
to an async sink (the notifier side renders and sends them). Grouper holds a chat's events
for GROUP_WINDOW seconds so several positions changing level at once go out together; a
critical alert is never held (it flushes at once, carrying whatever that chat had pending).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.alert_policy import GROUP_WINDOW, Decision, DecisionKind, Level, Thresholds
from bot.domain.models import Liquidation, MarketInfo, Position


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One policy decision about one isolated position, for one chat."""

    chat_id: int
    position: Position  # mark_price and est_liq_price are the monitor's current view
    market: MarketInfo | None  # None when the monitor has no rules for the symbol
    decision: Decision
    mark: Decimal | None
    liq: Decimal | None
    distance: Decimal | None  # fraction of mark (0.05 = 5 %); None without a liq price
    thresholds: Thresholds  # fractions
    liquidation: Liquidation | None = None  # the push that ended the position, when one did

    @property
    def urgent(self) -> bool:
        """True for what must never wait: critical alerts, deepenings, reminders, liquidations."""
        d = self.decision
        if d.kind is DecisionKind.LIQUIDATED:
            return True
        loud = (DecisionKind.ALERT, DecisionKind.REMINDER, DecisionKind.DEEPENED)
        return d.level is Level.CRITICAL and d.kind in loud


@dataclass(frozen=True, slots=True)
class DegradedEvent:
    """Monitoring for this chat became degraded (no fresh data) or recovered from it."""

    chat_id: int
    degraded: bool
    age: float | None  # seconds since the last fresh mark; None if none was ever seen

    @property
    def urgent(self) -> bool:
        return False


MonitorEvent = AlertEvent | DegradedEvent
Batch = list[MonitorEvent]  # one chat's events, oldest first
Sink = Callable[[Batch], Awaitable[None]]


class Grouper:
    """Collects events per chat and says when each chat's batch is due. Pure: time is passed in."""

    def __init__(self, window: float = GROUP_WINDOW) -> None:
        self._window = window
        self._pending: dict[int, tuple[float, list[MonitorEvent]]] = {}  # chat -> (due, events)

    def add(self, event: MonitorEvent, now: float) -> list[Batch]:
        """Queue one event; returns the batches to send right now (an urgent one flushes)."""
        due, events = self._pending.get(event.chat_id, (now + self._window, []))
        events.append(event)
        if event.urgent:
            self._pending.pop(event.chat_id, None)
            return [events]
        self._pending[event.chat_id] = (due, events)
        return []

    def due(self, now: float) -> list[Batch]:
        """Remove and return every batch whose window has closed, oldest window first."""
        ready = sorted((due, chat) for chat, (due, _) in self._pending.items() if due <= now)
        return [self._pending.pop(chat)[1] for _, chat in ready]

    def flush_all(self) -> list[Batch]:
        """Remove and return every pending batch (at shutdown)."""
        batches = [events for _, events in self._pending.values()]
        self._pending.clear()
        return batches

    def next_due(self) -> float | None:
        """When the earliest pending batch is due; None when nothing is pending."""
        return min((due for due, _ in self._pending.values()), default=None)

    def __len__(self) -> int:
        return sum(len(events) for _, events in self._pending.values())
