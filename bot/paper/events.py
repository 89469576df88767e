"""Events the engine appends on every change; the server turns them into WebSocket pushes.

Defined here so the engine internals can build them; bot.paper.engine re-exports every one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.algo import AlgoOrder
from bot.domain.models import Holding, LeverageSetting, Liquidation, Order, Position


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
    trade_id: int = 0  # the fill's trade id (0 for a status change without a fill)


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


@dataclass(frozen=True, slots=True)
class AlgoEvent:
    """An algo order (a root or one leg) was placed, edited, fired, filled or cancelled."""

    account_id: str
    algo: AlgoOrder
    root_status: str
    trigger_status: str = ""  # SUCCESS once the leg fired and its order was placed
    last_fill_qty: Decimal = Decimal(0)
    last_fill_price: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    trade_id: int = 0
    reason: str = ""
    trigger_time: int = 0


EngineEvent = (
    PositionEvent | ExecutionEvent | BalanceEvent | LiquidationEvent | LeverageEvent | AlgoEvent
)
