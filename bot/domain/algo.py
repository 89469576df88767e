"""Algo (trigger) orders: STOP, TP_SL and POSITIONAL_TP_SL on Orderly's algo order API.

Pure data and maths, no I/O: the request the bot sends, the order the exchange reports, the PnL
a position would make at a trigger price, and the checks a take-profit / stop-loss must pass
before it is worth placing (a TP on the profit side, an SL on the loss side, and an SL that the
liquidation price does not make unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from bot.domain.models import MarginMode, Side

ZERO = Decimal(0)


class AlgoType(StrEnum):
    """Root algo types the bot places, and the two legs of a TP/SL pair."""

    STOP = "STOP"
    TP_SL = "TP_SL"
    POSITIONAL_TP_SL = "POSITIONAL_TP_SL"
    TAKE_PROFIT = "TAKE_PROFIT"
    STOP_LOSS = "STOP_LOSS"


class AlgoOrderType(StrEnum):
    """The order an algo order becomes when it fires (CLOSE_POSITION: the whole position)."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    CLOSE_POSITION = "CLOSE_POSITION"


ROOT_TYPES = frozenset({AlgoType.STOP, AlgoType.TP_SL, AlgoType.POSITIONAL_TP_SL})
LEG_TYPES = frozenset({AlgoType.TAKE_PROFIT, AlgoType.STOP_LOSS})
OPEN_ALGO_STATUSES = frozenset({"NEW", "PARTIAL_FILLED"})


@dataclass(frozen=True, slots=True)
class AlgoLeg:
    """One child of a TP_SL / POSITIONAL_TP_SL: a take-profit or a stop-loss trigger."""

    algo_type: AlgoType  # TAKE_PROFIT or STOP_LOSS
    trigger_price: Decimal
    order_type: AlgoOrderType = AlgoOrderType.MARKET
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AlgoRequest:
    """What the bot asks the exchange to place (POST /v1/algo/order).

    STOP: side, quantity, trigger_price (and price for a LIMIT). TP_SL: quantity and 1-2 legs.
    POSITIONAL_TP_SL: legs only (the legs close whatever the position is when they fire).
    `side` is the closing side for TP/SL legs.
    """

    symbol: str
    algo_type: AlgoType
    side: Side
    margin_mode: MarginMode
    quantity: Decimal | None = None
    trigger_price: Decimal | None = None
    order_type: AlgoOrderType = AlgoOrderType.MARKET
    price: Decimal | None = None
    legs: tuple[AlgoLeg, ...] = ()
    reduce_only: bool = False
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlgoOrder:
    """An algo order as the exchange reports it (a root with its child legs, or one leg)."""

    algo_order_id: int
    symbol: str
    algo_type: AlgoType
    side: Side | None
    order_type: AlgoOrderType | None
    quantity: Decimal | None
    trigger_price: Decimal | None
    status: str  # algo_status: NEW, FILLED, CANCELLED, REJECTED, PARTIAL_FILLED
    margin_mode: MarginMode
    price: Decimal | None = None
    root_algo_order_id: int = 0
    parent_algo_order_id: int = 0
    client_order_id: str | None = None
    is_triggered: bool = False
    reduce_only: bool = False
    executed_quantity: Decimal = ZERO
    average_executed_price: Decimal | None = None
    total_fee: Decimal = ZERO
    created_time: int = 0
    updated_time: int = 0
    children: tuple[AlgoOrder, ...] = field(default=())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALGO_STATUSES

    def leg(self, kind: AlgoType) -> AlgoOrder | None:
        """The TAKE_PROFIT or STOP_LOSS child, if this root has one."""
        return next((c for c in self.children if c.algo_type is kind), None)


@dataclass(frozen=True, slots=True)
class AlgoExecution:
    """One `algoexecutionreport` row: an algo order changed (placed, fired, filled, cancelled)."""

    algo_order_id: int
    root_algo_order_id: int
    parent_algo_order_id: int
    symbol: str
    algo_type: str
    side: Side | None
    status: str
    algo_status: str
    root_algo_status: str
    trigger_price: Decimal | None
    is_triggered: bool
    trigger_status: str
    quantity: Decimal | None
    executed_quantity: Decimal
    executed_price: Decimal | None
    total_executed_quantity: Decimal
    average_executed_price: Decimal | None
    fee: Decimal
    total_fee: Decimal
    client_order_id: str | None
    trade_id: int
    timestamp: int
    reason: str = ""


# ---- maths -----------------------------------------------------------------------------------
def closing_side(position_qty: Decimal) -> Side:
    """The side that reduces a position: SELL closes a long, BUY a short."""
    if position_qty == 0:
        raise ValueError("no position to close")
    return Side.SELL if position_qty > 0 else Side.BUY


def pnl_at(position_qty: Decimal, entry_price: Decimal, price: Decimal,
           qty: Decimal | None = None) -> Decimal:
    """Price PnL (before fees and funding) of closing `qty` (default all) of a position opened
    at `entry_price` when the mark is `price`: long gains as price rises, short as it falls."""
    size = abs(position_qty) if qty is None else min(qty, abs(position_qty))
    direction = 1 if position_qty > 0 else -1
    return (price - entry_price) * size * direction


def sl_beyond_liquidation(position_qty: Decimal, stop_loss: Decimal,
                          liq_price: Decimal | None) -> bool:
    """True when the position is liquidated before the mark can reach the stop-loss: for a
    long the SL sits at or below the liquidation price, for a short at or above it."""
    if liq_price is None or liq_price <= 0 or position_qty == 0:
        return False
    return stop_loss <= liq_price if position_qty > 0 else stop_loss >= liq_price


def trigger_problem(kind: AlgoType, position_qty: Decimal, entry_price: Decimal,
                    mark: Decimal, trigger: Decimal) -> str | None:
    """Why a TP or SL trigger makes no sense for this position, or None.

    A long's take-profit must be above its entry and the mark, its stop-loss below the mark;
    a short's the other way round. (An SL above a long's entry is a fine trailing-profit stop,
    so the SL is only held against the mark, where it would fire at once.)
    """
    if position_qty == 0:
        return "there is no open position to protect"
    if trigger <= 0:
        return "the trigger price must be positive"
    long = position_qty > 0
    if kind is AlgoType.TAKE_PROFIT:
        if long and trigger <= entry_price:
            return f"a long's take-profit must be above its entry price {entry_price}"
        if not long and trigger >= entry_price:
            return f"a short's take-profit must be below its entry price {entry_price}"
        if long and trigger <= mark:
            return f"a long's take-profit must be above the mark price {mark}"
        if not long and trigger >= mark:
            return f"a short's take-profit must be below the mark price {mark}"
        return None
    if kind is AlgoType.STOP_LOSS:
        if long and trigger >= mark:
            return f"a long's stop-loss must be below the mark price {mark}"
        if not long and trigger <= mark:
            return f"a short's stop-loss must be above the mark price {mark}"
        return None
    raise ValueError(f"{kind} is not a TP/SL leg")


def fires(kind: AlgoType, closing: Side, trigger: Decimal, mark: Decimal) -> bool:
    """Whether a mark price reaches a leg's trigger. A leg closing a long (SELL) takes profit
    at or above its trigger and stops the loss at or below it; a BUY leg mirrors that."""
    if kind is AlgoType.TAKE_PROFIT:
        return mark >= trigger if closing is Side.SELL else mark <= trigger
    if kind is AlgoType.STOP_LOSS:
        return mark <= trigger if closing is Side.SELL else mark >= trigger
    raise ValueError(f"{kind} is not a TP/SL leg")


def stop_fires(rising: bool, trigger: Decimal, mark: Decimal) -> bool:
    """A STOP fires when the mark reaches its trigger from the side the mark was on at
    placement: `rising` (the trigger was above the mark) fires at or above it, else at or below."""
    return mark >= trigger if rising else mark <= trigger


@dataclass(frozen=True, slots=True)
class LegQuote:
    """One trigger as its card shows it: where it fires and what the position makes there."""

    algo_type: AlgoType
    trigger_price: Decimal
    pnl: Decimal  # price PnL of the close at the trigger (before fees and funding)
    beyond_liquidation: bool = False  # an SL the liquidation reaches first: it can never fire


@dataclass(frozen=True, slots=True)
class AlgoQuote:
    """Everything the card of a TP/SL or a stop order shows, in numbers.

    `position_qty` is the position when the card was drawn (0 for a stop on a flat symbol);
    `entry` its average open price; `liq` its estimated liquidation price.
    """

    request: AlgoRequest
    mark: Decimal
    position_qty: Decimal
    entry: Decimal | None
    liq: Decimal | None
    legs: tuple[LegQuote, ...] = ()
    notional: Decimal = ZERO  # a stop: quantity × (limit price or trigger)

    @property
    def never_fires(self) -> bool:
        return any(leg.beyond_liquidation for leg in self.legs)


def quote_legs(position_qty: Decimal, entry: Decimal, liq: Decimal | None,
               legs: tuple[AlgoLeg, ...]) -> tuple[LegQuote, ...]:
    """Each leg's PnL at its trigger, and whether a stop-loss sits beyond liquidation."""
    return tuple(
        LegQuote(leg.algo_type, leg.trigger_price, pnl_at(position_qty, entry, leg.trigger_price),
                 leg.algo_type is AlgoType.STOP_LOSS
                 and sl_beyond_liquidation(position_qty, leg.trigger_price, liq))
        for leg in legs
    )
