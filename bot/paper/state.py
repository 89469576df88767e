"""The paper engine's mutable state: accounts, positions, orders and market data (internal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.models import FundingFee, MarginMode, MarketInfo, Order, OrderType, Side, Trade
from bot.paper.algo_state import AlgoState

ZERO = Decimal(0)
OPEN_STATUSES = frozenset({"NEW", "PARTIAL_FILLED"})
STATUS_BUNDLES: dict[str, frozenset[str]] = {
    "INCOMPLETE": OPEN_STATUSES,
    "COMPLETED": frozenset({"CANCELLED", "FILLED"}),
}
DEFAULT_LEVERAGE = 10
TAKER_FEE = Decimal("0.0006")
MAKER_FEE = Decimal("0.0003")

PosKey = tuple[str, MarginMode]


@dataclass
class PosState:
    """One open position; qty and cost are signed, margin is isolated margin (0 for CROSS)."""

    qty: Decimal = ZERO
    cost: Decimal = ZERO
    margin: Decimal = ZERO
    last_suf: Decimal = ZERO
    avg_open: Decimal = ZERO
    updated_ms: int = 0


@dataclass
class OrderState:
    """One order and its fill progress; opening_qty is the part that grows the position."""

    order_id: int
    account_id: str
    symbol: str
    side: Side
    order_type: OrderType
    price: Decimal | None
    quantity: Decimal
    margin_mode: MarginMode
    leverage: int
    opening_qty: Decimal
    reduce_only: bool = False
    client_order_id: str | None = None
    executed: Decimal = ZERO
    avg_price: Decimal | None = None
    status: str = "NEW"
    created_ms: int = 0
    updated_ms: int = 0
    fee_total: Decimal = ZERO
    reason: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def record_fill(self, qty: Decimal, price: Decimal, now: int, fee: Decimal = ZERO) -> None:
        """Add a fill: executed quantity, average price, fees and status."""
        self.fee_total += fee
        total = self.executed + qty
        previous = (self.avg_price or ZERO) * self.executed
        self.avg_price = (previous + qty * price) / total
        self.executed = total
        self.status = "FILLED" if total >= self.quantity else "PARTIAL_FILLED"
        self.updated_ms = now

    def view(self) -> Order:
        """The frozen domain Order."""
        return Order(
            order_id=self.order_id,
            symbol=self.symbol,
            side=self.side,
            order_type=self.order_type,
            price=self.price,
            quantity=self.quantity,
            executed_quantity=self.executed,
            status=self.status,
            margin_mode=self.margin_mode,
            reduce_only=self.reduce_only,
            client_order_id=self.client_order_id,
            average_executed_price=self.avg_price,
            created_time=self.created_ms,
            updated_time=self.updated_ms,
            total_fee=self.fee_total,
            reason=self.reason,
        )


@dataclass
class AccountState:
    """USDC holding (isolated margin excluded), positions, leverage and default margin modes."""

    account_id: str
    holding: Decimal
    positions: dict[PosKey, PosState] = field(default_factory=dict)
    leverage: dict[PosKey, int] = field(default_factory=dict)
    default_modes: dict[str, MarginMode] = field(default_factory=dict)
    updated_ms: int = 0


@dataclass
class State:
    """Everything the engine knows; the engine modules read and change it in place."""

    markets: dict[str, MarketInfo]
    marks: dict[str, Decimal]
    suf: dict[str, Decimal]  # sum_unitary_funding per symbol
    last_funding: dict[str, Decimal]
    accounts: dict[str, AccountState] = field(default_factory=dict)
    orders: dict[int, OrderState] = field(default_factory=dict)
    next_order_id: int = 1
    next_liquidation_id: int = 1
    trades: dict[str, list[Trade]] = field(default_factory=dict)  # per account, oldest first
    next_trade_id: int = 1
    funding: dict[str, list[FundingFee]] = field(default_factory=dict)  # per account, oldest first
    # Resting liquidity per symbol: at most this much of the crossed resting orders fills per
    # mark move (None = all of it). Lets the paper exchange produce partial fills.
    depth: dict[str, Decimal] = field(default_factory=dict)
    algos: dict[int, AlgoState] = field(default_factory=dict)  # algo orders and their legs
    next_algo_id: int = 1

    def open_orders(
        self, account_id: str | None = None, symbol: str | None = None
    ) -> list[OrderState]:
        """Open orders, oldest first, optionally for one account and/or symbol."""
        return [
            o
            for o in self.orders.values()
            if o.is_open
            and (account_id is None or o.account_id == account_id)
            and (symbol is None or o.symbol == symbol)
        ]

    def leverage_of(self, account: AccountState, symbol: str, mode: MarginMode) -> int:
        """The account's leverage setting for (symbol, mode)."""
        default = min(DEFAULT_LEVERAGE, self.markets[symbol].max_leverage)
        return account.leverage.get((symbol, mode), default)


def new_account(account_id: str, balance: Decimal, markets: dict[str, MarketInfo]) -> AccountState:
    """An account with default leverage (10, capped at the symbol max) and CROSS default mode."""
    account = AccountState(account_id=account_id, holding=balance)
    for symbol, market in markets.items():
        for mode in MarginMode:
            account.leverage[(symbol, mode)] = min(DEFAULT_LEVERAGE, market.max_leverage)
        account.default_modes[symbol] = MarginMode.CROSS
    return account
