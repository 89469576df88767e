"""Frozen domain models shared by every layer. Every price, quantity and amount is a Decimal."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class MarginMode(StrEnum):
    CROSS = "CROSS"
    ISOLATED = "ISOLATED"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
    IOC = "IOC"
    FOK = "FOK"
    POST_ONLY = "POST_ONLY"
    ASK = "ASK"
    BID = "BID"


class MarginAction(StrEnum):
    ADD = "ADD"
    REDUCE = "REDUCE"


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """Trading rules and risk parameters of one perpetual (GET /v1/public/info row)."""

    symbol: str
    quote_min: Decimal
    quote_max: Decimal
    quote_tick: Decimal
    base_min: Decimal
    base_max: Decimal
    base_tick: Decimal
    min_notional: Decimal
    price_range: Decimal
    base_imr: Decimal
    base_mmr: Decimal
    imr_factor: Decimal

    @property
    def max_leverage(self) -> int:
        return int(Decimal(1) / self.base_imr)

    @property
    def base(self) -> str:
        """`PERP_ETH_USDC` -> `ETH`."""
        parts = self.symbol.split("_")
        return parts[1] if len(parts) == 3 else self.symbol


@dataclass(frozen=True, slots=True)
class Position:
    """One position, keyed by (symbol, margin_mode). position_qty and cost_position are signed."""

    symbol: str
    margin_mode: MarginMode
    position_qty: Decimal
    cost_position: Decimal
    average_open_price: Decimal
    mark_price: Decimal
    est_liq_price: Decimal | None  # None when the exchange reports 0 / none
    unsettled_pnl: Decimal
    last_sum_unitary_funding: Decimal
    imr: Decimal
    mmr: Decimal
    leverage: int
    margin: Decimal  # isolated margin; 0 for CROSS
    settle_price: Decimal = Decimal(0)
    pending_long_qty: Decimal = Decimal(0)
    pending_short_qty: Decimal = Decimal(0)
    timestamp: int = 0  # ms

    @property
    def key(self) -> tuple[str, MarginMode]:
        return (self.symbol, self.margin_mode)

    @property
    def is_long(self) -> bool:
        return self.position_qty > 0

    @property
    def notional(self) -> Decimal:
        return abs(self.position_qty) * self.mark_price


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """Account totals that come with GET /v1/positions or GET /v1/account_info."""

    free_collateral: Decimal
    total_collateral_value: Decimal
    margin_ratio: Decimal | None = None
    initial_margin_ratio: Decimal | None = None
    maintenance_margin_ratio: Decimal | None = None
    account_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PositionsSnapshot:
    account: AccountSummary
    positions: tuple[Position, ...]

    def get(self, symbol: str, mode: MarginMode) -> Position | None:
        for p in self.positions:
            if p.symbol == symbol and p.margin_mode == mode:
                return p
        return None


@dataclass(frozen=True, slots=True)
class Holding:
    token: str
    holding: Decimal
    frozen: Decimal
    pending_short: Decimal
    isolated_margin: Decimal
    isolated_order_frozen: Decimal
    updated_time: int = 0
    account_id: str | None = None  # set on aggregate rows


@dataclass(frozen=True, slots=True)
class Order:
    order_id: int
    symbol: str
    side: Side
    order_type: OrderType
    price: Decimal | None
    quantity: Decimal
    executed_quantity: Decimal
    status: str  # NEW, PARTIAL_FILLED, FILLED, CANCELLED, REJECTED
    margin_mode: MarginMode
    reduce_only: bool = False
    client_order_id: str | None = None
    average_executed_price: Decimal | None = None
    created_time: int = 0
    updated_time: int = 0
    total_fee: Decimal = Decimal(0)  # every fill's fee so far (USDC)
    reason: str = ""  # why the exchange cancelled or rejected it, when it says


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the bot asks the exchange to place. margin_mode is always sent explicitly."""

    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    margin_mode: MarginMode
    price: Decimal | None = None
    reduce_only: bool = False
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderAck:
    order_id: int
    client_order_id: str | None
    order_type: OrderType
    price: Decimal | None
    quantity: Decimal | None


@dataclass(frozen=True, slots=True)
class LeverageSetting:
    symbol: str
    margin_mode: MarginMode
    leverage: int


@dataclass(frozen=True, slots=True)
class ClientInfo:
    account_id: str
    max_leverage: int
    taker_fee_rate: Decimal
    maker_fee_rate: Decimal
    imr_factor: dict[str, Decimal] = field(default_factory=dict)
    max_notional: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    orderly_key: str
    scope: frozenset[str]
    expiration: int  # ms since epoch
    key_status: str


@dataclass(frozen=True, slots=True)
class FundingRate:
    symbol: str
    est_funding_rate: Decimal
    last_funding_rate: Decimal
    next_funding_time: int
    sum_unitary_funding: Decimal


@dataclass(frozen=True, slots=True)
class Ticker:
    """One row of GET /v1/public/futures."""

    symbol: str
    mark_price: Decimal
    index_price: Decimal
    sum_unitary_funding: Decimal
    est_funding_rate: Decimal = Decimal(0)
    open_interest: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class SystemInfo:
    status: int  # 0 normal, 2 maintenance
    msg: str
    server_time_ms: int  # envelope timestamp

    @property
    def in_maintenance(self) -> bool:
        return self.status == 2


@dataclass(frozen=True, slots=True)
class MarkPrice:
    symbol: str
    price: Decimal
    ts: int  # ms


@dataclass(frozen=True, slots=True)
class Liquidation:
    """One isolated or cross position taken by the liquidation engine (liquidationsaccount push)."""

    liquidation_id: int
    timestamp: int
    symbol: str
    margin_mode: MarginMode
    position_qty: Decimal
    transfer_price: Decimal  # the price the position was taken over at
    cost_position_transfer: Decimal = Decimal(0)
    liquidator_fee: Decimal = Decimal(0)
    insurance_fund_fee: Decimal = Decimal(0)
    abs_liquidation_fee: Decimal = Decimal(0)
    transfer_amount_to_insurance_fund: Decimal = Decimal(0)  # of the whole liquidation


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill of the account (GET /v1/trades); a liquidation's fills have no order_id."""

    trade_id: int
    symbol: str
    side: Side
    executed_price: Decimal
    executed_quantity: Decimal
    fee: Decimal
    realized_pnl: Decimal  # what this fill realized (0 for an opening fill), fee not included
    executed_timestamp: int  # ms
    margin_mode: MarginMode = MarginMode.CROSS
    order_id: int | None = None
    is_maker: bool = False
    realized_known: bool = True  # False: the exchange sent null (realized_pnl then reads 0)


@dataclass(frozen=True, slots=True)
class FundingFee:
    """One funding payment of one position (GET /v1/funding_fee/history).

    `funding_fee` is what the account paid: positive = paid (payment_type "Pay"), negative =
    received ("Receive"), as Orderly reports it.
    """

    symbol: str
    funding_rate: Decimal
    mark_price: Decimal
    funding_fee: Decimal
    payment_type: str  # "Pay" | "Receive"
    status: str  # "Accrued" (in the position until it settles) | "Settled"
    created_time: int  # ms
    updated_time: int = 0
