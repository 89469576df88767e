"""What a closed or liquidated isolated position came to: the price it ended at, the PnL that
realized, the fees and the margin lost. Pure: the trades and the liquidation push come in.

Sources, best first (alert-policy.md, "Liquidated / closed"):
- the account's fills that closed it (GET /v1/trades: same symbol, isolated, the closing side,
  executed at or after the position's last update): price = their volume-weighted price,
  realized PnL = the sum of their realized_pnl, fees = the sum of their fees;
- a liquidation push: the transfer price, and the PnL closing the position there realizes
  (Q·price − cost_position), when no fill says it;
- else the last mark, and the PnL at it, marked as an estimate.
Margin lost: a liquidation takes the position's whole margin (isolation: nothing else); a close
loses the part of the margin the realized loss ate, between 0 and the margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.models import Liquidation, MarginMode, Position, Side, Trade

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Outcome:
    price: Decimal | None  # the liquidation (transfer) price or the close price
    realized_pnl: Decimal | None
    fees: Decimal
    margin_lost: Decimal | None
    estimated: bool = False  # from the last mark: no fill and no liquidation push said it


def closing_trades(position: Position, trades: Sequence[Trade]) -> list[Trade]:
    """The fills that closed this isolated position (at or after its last update)."""
    side = Side.SELL if position.position_qty > 0 else Side.BUY
    return [
        t for t in trades
        if t.symbol == position.symbol and t.margin_mode is MarginMode.ISOLATED
        and t.side is side and t.executed_timestamp >= position.timestamp
    ]  # fmt: skip


def outcome_of(
    position: Position, *, liquidated: bool, trades: Sequence[Trade] = (),
    liquidation: Liquidation | None = None, mark: Decimal | None = None,
) -> Outcome:  # fmt: skip
    """The outcome of `position` (its last known row) after it closed or was liquidated."""
    fills = closing_trades(position, trades)
    qty = sum((t.executed_quantity for t in fills), ZERO)
    fees = sum((t.fee for t in fills), ZERO)
    estimated = False
    if qty > 0:
        price: Decimal | None = sum((t.executed_price * t.executed_quantity for t in fills),
                                    ZERO) / qty  # fmt: skip
        realized: Decimal | None = sum((t.realized_pnl for t in fills), ZERO)
    else:
        price = liquidation.transfer_price if liquidation is not None else mark
        estimated = liquidation is None
        realized = None if price is None else position.position_qty * price \
            - position.cost_position
    if liquidation is not None and liquidation.transfer_price > 0:
        price = liquidation.transfer_price  # the push names the price the engine took it at
    if liquidated:
        lost: Decimal | None = position.margin
    else:
        lost = None if realized is None else min(max(-realized, ZERO), position.margin)
    return Outcome(price, realized, fees, lost, estimated and price is not None)
