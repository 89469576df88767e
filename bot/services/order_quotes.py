"""Confirmation-card figures of an order or a close, computed as the exchange will apply them.

Reads what the exchange would check (leverage, the position in that mode, free collateral, the
mark and funding), refuses up front what it would refuse (bot/domain/order_limits.py), and runs
the order through bot/domain/position_effects.py for liq before → after and the margin moved.
"""

from __future__ import annotations

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
from bot.services.margin import free_for_isolated
from bot.services.markets import MarketDirectory

ZERO = Decimal(0)


class OrderQuoter:
    def __init__(self, client: OrderlyClient, markets: MarketDirectory) -> None:
        self._client = client
        self._markets = markets

    async def check(self, request: OrderRequest, mark: Decimal) -> None:
        """Refuse (UserInputError naming the maximum) what the exchange would refuse now."""
        await self._checked(request, mark)

    async def quote(self, request: OrderRequest, ticker: Ticker) -> OrderQuote:
        """Validate against the account and compute every figure of the card."""
        mark = ticker.mark_price
        market, before, leverage, max_qty = await self._checked(request, mark)
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
            liq_after, before, max_qty, released=released,
            realized_pnl=effect.realized_pnl if effect.kind.reduces else None,
        )

    async def _checked(
        self, request: OrderRequest, mark: Decimal
    ) -> tuple[MarketInfo, Position | None, int, Decimal]:
        """Market, position before, leverage and the allowed maximum; refuses what the
        exchange would refuse (quantity above the maximum, reduce-only beyond the position)."""
        market = await self._markets.resolve(request.symbol)
        mode = request.margin_mode
        leverage = (await self._client.get_leverage(request.symbol, mode)).leverage
        before = await self._client.get_position(request.symbol, mode)
        qty = before.position_qty if before else ZERO
        if request.reduce_only:
            check_reduce_only(qty, request.side, request.quantity, market.base)
            return market, before, leverage, abs(qty)
        snapshot = await self._client.get_positions()
        if mode is MarginMode.ISOLATED:
            available = free_for_isolated(await self._client.get_holding(), snapshot)
        else:
            available = snapshot.account.free_collateral
        price = request.price if request.price is not None else mark
        capacity = OrderCapacity(market, mode, request.side, qty, price, leverage, available)
        capacity.check(request.quantity)
        return market, before, leverage, capacity.max_quantity()
