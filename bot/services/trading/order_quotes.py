"""Confirmation-card figures of an order or a close, computed as the exchange will apply them.

Reads what the exchange would check (leverage, the position in that mode, free collateral, the
mark and funding), refuses up front what it would refuse (bot/domain/order_limits.py), and runs
the order through bot/domain/position_effects.py for liq before → after and the margin moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.models import MarginMode, MarketInfo, OrderRequest, Position, Ticker
from bot.domain.order_limits import OrderCapacity, check_reduce_only
from bot.domain.position_effects import (
    IsolatedState,
    after_order,
    fill_price,
    margin_for_opening,
    opening_part,
)
from bot.domain.views import OrderQuote
from bot.orderly.client import OrderlyClient
from bot.services.trading.margin import free_for_isolated
from bot.services.trading.markets import MarketDirectory

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the exchange will check an order against, read once."""

    market: MarketInfo
    before: Position | None  # the position in the order's margin mode
    leverage: int
    capacity: OrderCapacity | None  # None for a reduce-only order

    def check(self, request: OrderRequest) -> None:
        """Refuse (UserInputError naming the maximum) what the exchange would refuse."""
        qty = self.before.position_qty if self.before else ZERO
        if request.reduce_only or self.capacity is None:
            check_reduce_only(qty, request.side, request.quantity, self.market.base)
        else:
            self.capacity.check(request.quantity)

    @property
    def max_quantity(self) -> Decimal:
        if self.capacity is None:
            return abs(self.before.position_qty) if self.before else ZERO
        return self.capacity.max_quantity()


class OrderQuoter:
    def __init__(self, client: OrderlyClient, markets: MarketDirectory) -> None:
        self._client = client
        self._markets = markets

    async def read(self, request: OrderRequest, mark: Decimal) -> Reading:
        """Leverage, the position before and the margin free for this order (one positions
        read: the rows come with the account's free collateral)."""
        market = await self._markets.resolve(request.symbol)
        mode = request.margin_mode
        leverage = (await self._client.get_leverage(request.symbol, mode)).leverage
        if request.reduce_only:
            before = await self._client.get_position(request.symbol, mode)
            return Reading(market, before, leverage, None)
        snapshot = await self._client.get_positions()
        before = next((p for p in snapshot.positions if p.key == (request.symbol, mode)), None)
        if mode is MarginMode.ISOLATED:
            available = free_for_isolated(await self._client.get_holding(), snapshot)
        else:
            available = snapshot.account.free_collateral
        price = request.price if request.price is not None else mark
        qty = before.position_qty if before else ZERO
        capacity = OrderCapacity(market, mode, request.side, qty, price, leverage, available)
        return Reading(market, before, leverage, capacity)

    async def quote(self, request: OrderRequest, ticker: Ticker) -> OrderQuote:
        """Validate against the account and compute every figure of the card."""
        mark = ticker.mark_price
        reading = await self.read(request, mark)
        reading.check(request)
        market, before, leverage = reading.market, reading.before, reading.leverage
        price = request.price if request.price is not None else mark
        filled_at = fill_price(request.side, request.price, mark)
        state = IsolatedState.of(before, ticker.sum_unitary_funding)
        effect = after_order(market, state, request.side, request.quantity, filled_at, leverage)
        liq_before = before.est_liq_price if before else None
        if request.margin_mode is MarginMode.ISOLATED:
            locked, released, liq_after = effect.locked, effect.released, effect.liq_after
        else:  # a cross liquidation price depends on the whole account, not this order alone
            opening = opening_part(state.qty, request.side, request.quantity)
            after_qty = state.qty + request.side.sign * request.quantity
            locked = margin_for_opening(market, MarginMode.CROSS, leverage, opening, after_qty,
                                        price)
            released, liq_after = ZERO, liq_before
        return OrderQuote(
            request, market, mark, request.quantity * price, leverage, locked, liq_before,
            liq_after, before, reading.max_quantity, released=released,
            realized_pnl=effect.realized_pnl if effect.kind.reduces else None,
        )
