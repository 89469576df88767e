"""What the services hand to rendering: domain objects enriched with computed figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.models import (
    AccountSummary,
    Holding,
    LeverageSetting,
    MarginAction,
    MarginMode,
    MarketInfo,
    Order,
    OrderRequest,
    Position,
)


@dataclass(frozen=True, slots=True)
class PositionView:
    """A position with its market rules and its distance to liquidation (fraction of mark)."""

    position: Position
    market: MarketInfo
    distance: Decimal | None


@dataclass(frozen=True, slots=True)
class BalanceView:
    holding: Holding
    account: AccountSummary


@dataclass(frozen=True, slots=True)
class LeveragePair:
    symbol: str
    cross: int
    isolated: int
    max_leverage: int


@dataclass(frozen=True, slots=True)
class BatchLeverageResult:
    mode: MarginMode
    requested: int
    changed: tuple[LeverageSetting, ...]
    skipped: tuple[tuple[str, str], ...]  # (symbol, reason)


@dataclass(frozen=True, slots=True)
class OrderQuote:
    """Everything the confirmation card of an order or a close shows, in numbers."""

    request: OrderRequest
    market: MarketInfo
    mark: Decimal
    notional: Decimal
    leverage: int
    margin_locked: Decimal  # what the opening part freezes (isolated) or its IM (cross); 0 if none
    liq_before: Decimal | None
    liq_after: Decimal | None
    position_before: Position | None
    max_quantity: Decimal | None  # the allowed maximum at this leverage and free collateral
    note: str | None = None  # e.g. "33 % of 0.30 rounded down to the step 0.01"
    released: Decimal = Decimal(0)  # isolated margin the closed part hands back
    realized_pnl: Decimal | None = None  # PnL of the closed part at the fill price (reducing)


@dataclass(frozen=True, slots=True)
class MarginQuote:
    """The confirmation card of an isolated margin add/reduce."""

    symbol: str
    action: MarginAction
    amount: Decimal
    position: Position
    market: MarketInfo
    mark: Decimal
    margin_after: Decimal
    liq_before: Decimal | None
    liq_after: Decimal | None
    distance_before: Decimal | None
    distance_after: Decimal | None
    max_allowed: Decimal
    note: str | None = None  # e.g. the amount cut to what the symbol's budget leaves


@dataclass(frozen=True, slots=True)
class OrderResult:
    """Outcome of a placed order, read back from the exchange."""

    order: Order | None
    client_order_id: str
    position_after: Position | None


@dataclass(frozen=True, slots=True)
class MarginResult:
    """Outcome of a margin transfer; `reconciled` is True when a timeout was settled by reading."""

    applied: bool
    position_after: Position | None
    liq_after: Decimal | None
    distance_after: Decimal | None
    reconciled: bool = False


@dataclass(frozen=True, slots=True)
class StatusView:
    """What /status shows."""

    network: str  # PAPER / TESTNET / MAINNET
    account_id: str | None
    exchange_ok: bool
    exchange_detail: str  # "normal", "maintenance: …" or the error
    clock_skew_ms: int | None
    mark_feed_age: float | None  # seconds since the last mark price; None if never
    positions_watched: int
    version: str
