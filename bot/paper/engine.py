"""Pure paper-exchange engine: accounts, leverage, orders, isolated/cross margin, liquidation.

INTERFACE CONTRACT (filled in by the engine work; the server codes against exactly this).
No I/O, no asyncio; time comes from an injected Clock. Every amount is a Decimal.
Errors are EngineError(code, message, http_status) with Orderly's codes (orderly-api.md §3).
Every state change appends typed events, which the server drains and pushes on WebSocket.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.models import (
    AccountSummary,
    ClientInfo,
    FundingRate,
    Holding,
    LeverageSetting,
    Liquidation,
    MarginAction,
    MarginMode,
    MarketInfo,
    Order,
    OrderAck,
    OrderRequest,
    Position,
    PositionsSnapshot,
    Ticker,
)
from bot.timing import Clock


class EngineError(Exception):
    """An Orderly-style refusal: code, message and the HTTP status Orderly uses for it."""

    def __init__(self, code: int, message: str, http_status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


# ---- events the server turns into WebSocket pushes -------------------------------------
@dataclass(frozen=True, slots=True)
class PositionEvent:
    account_id: str
    positions: tuple[Position, ...]  # every open position of the account after the change


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    account_id: str
    order: Order
    last_fill_qty: Decimal  # 0 for a status change without a fill
    last_fill_price: Decimal
    fee: Decimal


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    account_id: str
    holding: Holding


@dataclass(frozen=True, slots=True)
class LiquidationEvent:
    account_id: str
    liquidation: Liquidation
    margin_lost: Decimal


@dataclass(frozen=True, slots=True)
class LeverageEvent:
    account_id: str
    setting: LeverageSetting


EngineEvent = PositionEvent | ExecutionEvent | BalanceEvent | LiquidationEvent | LeverageEvent


@dataclass(frozen=True, slots=True)
class KeyRecord:
    account_id: str
    orderly_key: str  # "ed25519:<base58 pubkey>"
    scope: frozenset[str]
    expiration_ms: int
    status: str = "ACTIVE"


class PaperEngine:
    """The whole exchange state for every paper account. Method names follow the REST calls."""

    def __init__(self, markets: list[MarketInfo], clock: Clock) -> None:
        raise NotImplementedError

    # -- accounts and keys
    def create_account(self, account_id: str, balance: Decimal) -> None: ...
    def add_key(self, record: KeyRecord) -> None: ...
    def key(self, orderly_key: str) -> KeyRecord | None: ...
    def keys_of(self, account_id: str) -> list[KeyRecord]: ...
    def has_account(self, account_id: str) -> bool: ...

    # -- market data
    def markets(self) -> list[MarketInfo]: ...
    def market(self, symbol: str) -> MarketInfo: ...  # EngineError(-1005 or -1000) if unknown
    def set_mark(self, symbol: str, price: Decimal) -> None:
        """Move the mark: fills crossing LIMIT orders, liquidates, appends events."""
    def mark(self, symbol: str) -> Decimal: ...
    def tickers(self) -> list[Ticker]: ...
    def funding_rates(self) -> list[FundingRate]: ...
    def apply_funding(self, symbol: str, delta_sum_unitary_funding: Decimal) -> None: ...

    # -- leverage and default margin mode
    def get_leverage(self, account_id: str, symbol: str, mode: MarginMode) -> LeverageSetting: ...
    def get_leverages(self, account_id: str) -> list[LeverageSetting]: ...
    def set_leverage(
        self, account_id: str, leverage: int, symbol: str | None, mode: MarginMode
    ) -> list[LeverageSetting]:
        """Single (symbol given) or batch (symbol None) with the guide's rules; returns changed."""
    def default_margin_modes(self, account_id: str) -> dict[str, MarginMode]: ...
    def set_default_margin_mode(self, account_id: str, symbol: str, mode: MarginMode) -> None: ...

    # -- orders
    def create_order(self, account_id: str, request: OrderRequest) -> OrderAck: ...
    def edit_order(
        self, account_id: str, order_id: int, price: Decimal | None, quantity: Decimal | None
    ) -> Order: ...
    def cancel_order(self, account_id: str, symbol: str, order_id: int) -> None: ...
    def cancel_order_by_client_id(self, account_id: str, symbol: str, client_id: str) -> None: ...
    def cancel_all(self, account_id: str, symbol: str | None) -> int: ...
    def orders(
        self, account_id: str, symbol: str | None = None, status: str | None = None
    ) -> list[Order]: ...
    def order(self, account_id: str, order_id: int) -> Order: ...
    def order_by_client_id(self, account_id: str, client_id: str) -> Order: ...

    # -- isolated margin
    def adjust_margin(
        self, account_id: str, symbol: str, amount: Decimal, action: MarginAction
    ) -> None: ...

    # -- reads
    def positions(self, account_id: str) -> PositionsSnapshot: ...
    def position(self, account_id: str, symbol: str, mode: MarginMode) -> Position | None: ...
    def holding(self, account_id: str) -> Holding: ...
    def account_summary(self, account_id: str) -> AccountSummary: ...
    def client_info(self, account_id: str) -> ClientInfo: ...

    # -- events and persistence
    def drain_events(self) -> list[EngineEvent]: ...
    def snapshot(self) -> dict[str, Any]:
        """JSON-able state (Decimals as strings) for SQLite persistence."""
    @classmethod
    def restore(cls, data: dict[str, Any], clock: Clock) -> PaperEngine: ...
