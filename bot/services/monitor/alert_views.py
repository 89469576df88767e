"""What the alert settings service hands to rendering: frozen views, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from bot.domain.margin import distance_to_liq
from bot.domain.records import SymbolOverride, ThresholdPercents
from bot.domain.topup import TopupSuggestion
from bot.domain.views import MarginQuote, PositionView
from storage.approvals import Approval


class Keep(Enum):
    """Marker for a /limits cap left as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class ThresholdChange:
    """The thresholds in force after a /alert change."""

    symbol: str | None  # None: the chat default
    thresholds: ThresholdPercents  # percent points
    critical_given: bool = True  # False: the critical level was kept or derived


@dataclass(frozen=True, slots=True)
class SnoozeResult:
    symbol: str
    until: float | None  # epoch seconds; None: the snooze was cleared
    seconds: int | None


@dataclass(frozen=True, slots=True)
class LimitsView:
    per_action: Decimal | None  # None: off
    per_day: Decimal | None
    spent_24h: Decimal  # one-tap top-ups in the rolling 24 h window
    headroom: Decimal | None  # what the per-day cap still allows; None when it is off


@dataclass(frozen=True, slots=True)
class WatchedPosition:
    """One isolated position in /alert: its distance, its levels, its snooze."""

    view: PositionView
    thresholds: ThresholdPercents
    snooze_until: float | None


@dataclass(frozen=True, slots=True)
class AlertOverview:
    default: ThresholdPercents
    overrides: tuple[SymbolOverride, ...]
    positions: tuple[WatchedPosition, ...]
    limits: LimitsView
    now: float


@dataclass(frozen=True, slots=True)
class TopupOffer:
    """What an alert's Add button stands for; quote/approval are None when nothing is offered."""

    view: PositionView
    mark: Decimal
    thresholds: ThresholdPercents
    suggestion: TopupSuggestion
    quote: MarginQuote | None = None
    approval: Approval | None = None

    @property
    def distance(self) -> Decimal | None:
        """Distance from this offer's mark to the position's liquidation price."""
        return distance_to_liq(self.mark, self.view.position.est_liq_price)

    @property
    def token(self) -> str | None:
        return self.approval.token if self.approval else None

    @property
    def amount(self) -> Decimal | None:
        return self.quote.amount if self.quote and self.approval else None
