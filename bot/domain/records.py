"""The records that storage reads and writes and services hand to rendering: frozen, pure.

storage/ builds them from rows (storage imports this module); services return them; handlers
render them without ever importing storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Any


class ClaimFailure(StrEnum):
    UNKNOWN = "unknown"  # no such token: forged, mistyped, or from another database
    WRONG_CHAT = "wrong_chat"
    WRONG_USER = "wrong_user"
    CANCELLED = "cancelled"
    ALREADY_USED = "already_used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Approval:
    token: str
    kind: str
    chat_id: int
    user_id: int
    action: dict[str, Any]  # as created, Decimals read back as strings
    state: str
    created_at: float
    expires_at: float
    amount: Decimal | None = None  # money the action moves (USDC), for per-day caps
    claimed_at: float | None = None
    intent: dict[str, Any] | None = None
    intent_at: float | None = None
    detail: dict[str, Any] | None = None
    finished_at: float | None = None
    sent_ts_ms: int | None = None  # the orderly-timestamp the request was signed with
    lands_by: float | None = None  # after this (epoch s) the request can no longer apply
    reported_at: float | None = None  # when the chat was shown the final outcome


@dataclass(frozen=True, slots=True)
class ClaimResult:
    approval: Approval | None  # None only for UNKNOWN
    failure: ClaimFailure | None = None

    @property
    def ok(self) -> bool:
        """True when this caller won the approval and must now execute it."""
        return self.failure is None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    chat_id: int
    user_id: int | None
    command: str
    params: dict[str, Any]  # Decimals read back as strings
    outcome: str
    detail: str
    at: float


@dataclass(frozen=True, slots=True)
class ChatSettings:
    chat_id: int
    user_id: int | None = None  # who sent /start in this chat
    started_at: float | None = None  # None: the chat never sent /start
    per_action_cap: Decimal | None = None  # USDC per one-tap top-up; None = off
    per_day_cap: Decimal | None = None  # USDC per rolling 24 h of top-ups; None = off
    alerts_enabled: bool = True  # liquidation alerts for this chat at all
    info_notes: bool = True  # informational notes: recovery, degraded feed, a calm close
    notify_fills: bool = True  # a message for each fill of an order (/notify fills)
    notify_orders: bool = True  # ... and for an order cancelled/rejected by the exchange

    @property
    def known(self) -> bool:
        """True when the chat has started the bot (so alerts may be pushed to it)."""
        return self.started_at is not None


@dataclass(frozen=True, slots=True)
class ThresholdPercents:
    warn_pct: Decimal
    critical_pct: Decimal
    enabled: bool = True
    source: str = "builtin"  # where warn_pct came from: "builtin", "chat" or "symbol"


@dataclass(frozen=True, slots=True)
class SymbolOverride:
    symbol: str
    warn_pct: Decimal | None  # None: inherits the chat default
    critical_pct: Decimal | None
    enabled: bool


@dataclass(frozen=True, slots=True)
class DailySchedule:
    """A chat's morning summary (/daily): its local time and the last local date sent (or
    skipped as already past or switched off)."""

    chat_id: int
    at: time  # local wall-clock time
    last_sent: date | None
