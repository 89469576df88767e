"""Positions, balances, orders and closes: quotes for confirmation cards and their execution."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from bot.domain import margin as m
from bot.domain.models import (
    MarginMode,
    Order,
    OrderRequest,
    OrderType,
    Position,
    Side,
    Trade,
)
from bot.domain.orders import validate_order
from bot.domain.views import BalanceView, OrderQuote, OrderResult, PositionView
from bot.errors import (
    ExchangeError,
    ExchangeRejected,
    ExchangeUnavailable,
    OutcomeUnknown,
    RateLimited,
    UserInputError,
)
from bot.orderly.client import OrderlyClient
from bot.services.trading.leverage import LeverageService
from bot.services.trading.margin import NOT_SENT
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.order_quotes import OrderQuoter

HUNDRED = Decimal(100)


class OrderHooks(Protocol):
    """Who else must know what the bot itself reported or asked (the fill notices)."""

    def reported(self, order: Order) -> None: ...
    def cancelling(self, orders: Iterable[Order]) -> None: ...


class TradingService:
    def __init__(
        self, client: OrderlyClient, markets: MarketDirectory, leverage: LeverageService
    ) -> None:
        self._client = client
        self._markets = markets
        self._leverage = leverage
        self.hooks: OrderHooks | None = None
        self._quoter = OrderQuoter(client, markets)

    # ---- reads -------------------------------------------------------------------------
    async def positions(self) -> list[PositionView]:
        """Every open position, cross and isolated, with its distance to liquidation."""
        snapshot = await self._client.get_positions()
        markets = await self._markets.all()
        return [
            PositionView(p, markets[p.symbol], m.distance_to_liq(p.mark_price, p.est_liq_price))
            for p in snapshot.positions
            if p.position_qty != 0 and p.symbol in markets
        ]

    async def position(self, symbol_text: str, mode: MarginMode) -> PositionView | None:
        market = await self._markets.resolve(symbol_text)
        p = await self._client.get_position(market.symbol, mode)
        if p is None:
            return None
        return PositionView(p, market, m.distance_to_liq(p.mark_price, p.est_liq_price))

    async def trades(self, symbol: str, since_ms: int | None = None) -> list[Trade]:
        """The account's latest fills of one (exchange) symbol, from since_ms when given."""
        return await self._client.get_trades(symbol, start_t=since_ms)

    async def held_in_other_mode(self, symbol_text: str, mode: MarginMode) -> MarginMode | None:
        """The other margin mode when the symbol has an open position in it, else None."""
        market = await self._markets.resolve(symbol_text)
        other = MarginMode.CROSS if mode is MarginMode.ISOLATED else MarginMode.ISOLATED
        return other if await self._client.get_position(market.symbol, other) else None

    async def balance(self) -> BalanceView:
        return BalanceView(await self._client.get_holding(), await self._client.get_account_info())

    async def orders(self, symbol_text: str | None = None) -> list[Order]:
        symbol = (await self._markets.resolve(symbol_text)).symbol if symbol_text else None
        return await self._client.get_orders(symbol=symbol)

    # ---- quotes ------------------------------------------------------------------------
    async def quote_order(
        self,
        side: Side,
        symbol_text: str,
        quantity: Decimal,
        price: Decimal | None,
        mode: MarginMode,
    ) -> OrderQuote:
        """Validate an order and compute what its confirmation card shows."""
        market = await self._markets.resolve(symbol_text)
        ticker = await self._markets.ticker(market.symbol)
        order_type = OrderType.LIMIT if price is not None else OrderType.MARKET
        validate_order(market, side, quantity, price, ticker.mark_price)
        request = OrderRequest(market.symbol, side, order_type, quantity, mode, price)
        return await self._quoter.quote(request, ticker)

    async def quote_close(
        self, symbol_text: str, percent: Decimal | None, mode: MarginMode,
        *, defaulted: bool = False,
    ) -> OrderQuote:
        """A reduce-only market order closing the `mode` position, or `percent` of it.

        defaulted: the mode is the chat's default, not typed; a position held only in the other
        mode is then named in the refusal (never closed in its place).
        """
        market = await self._markets.resolve(symbol_text)
        position = await self._closable(market.symbol, market.base, mode, defaulted)
        size = abs(position.position_qty)
        quantity, note = size, None
        if percent is not None and percent != HUNDRED:
            raw = size * percent / HUNDRED
            quantity = (raw / market.base_tick).to_integral_value(ROUND_DOWN) * market.base_tick
            note = f"{percent}% of {size} is {raw}, rounded down to the step {market.base_tick}"
            if quantity < market.base_min:
                raise UserInputError(
                    f"{percent}% of {size} {market.base} is below the minimum size "
                    f"{market.base_min}; close a larger share"
                )
        side = Side.SELL if position.is_long else Side.BUY
        request = OrderRequest(
            market.symbol, side, OrderType.MARKET, quantity, position.margin_mode,
            reduce_only=True,
        )
        quote = await self._quoter.quote(request, await self._markets.ticker(market.symbol))
        return replace(quote, note=note)

    async def _closable(
        self, symbol: str, base: str, mode: MarginMode, defaulted: bool
    ) -> Position:
        position = await self._client.get_position(symbol, mode)
        if position is not None:
            return position
        name = mode.value.lower()
        other = await self.held_in_other_mode(symbol, mode) if defaulted else None
        if other is not None:
            raise UserInputError(
                f"no open {name} {base} position ({name} is your default mode for {base}); "
                f"you hold a {other.value.lower()} {base} position: to close it, say so: "
                f"/close {base} [PERCENT] {other.value.lower()}"
            )
        raise UserInputError(f"no open {name} {base} position to close")

    # ---- execution ---------------------------------------------------------------------
    async def recheck_order(self, request: OrderRequest, expect_qty: Decimal | None) -> None:
        """Press-time check of an opening order: market rules at the mark now, the position
        the card's figures (margin locked, liq after) were computed from is unchanged, and the
        account can still carry it (else refused with the maximum, nothing sent)."""
        market = await self._markets.resolve(request.symbol)
        ticker = await self._markets.ticker(market.symbol)
        validate_order(market, request.side, request.quantity, request.price, ticker.mark_price)
        reading = await self._quoter.read(request, ticker.mark_price)
        now_qty = reading.before.position_qty if reading.before else Decimal(0)
        if now_qty != (expect_qty or Decimal(0)):
            raise UserInputError(
                "the position changed since this card was drawn, so its figures no longer "
                "hold; nothing was sent. Ask again"
            )
        reading.check(request)

    def exchange_time_ms(self) -> int:
        """Exchange time now in ms: the orderly-timestamp a write sent now is signed with."""
        return self._client.server_now_ms()

    async def place(
        self, request: OrderRequest, client_order_id: str, *, timestamp_ms: int | None = None
    ) -> OrderResult:
        """Place once with a client_order_id; after a timeout, look it up instead of resending.

        Raises OutcomeUnknown when the order may still reach the exchange (settled later by
        its client_order_id); once accepted, a failed read-back never turns into a refusal.
        """
        placed = replace(request, client_order_id=client_order_id)
        order: Order | None = None
        try:
            ack = await self._client.create_order(placed, timestamp_ms=timestamp_ms)
        except OutcomeUnknown as unknown:
            # No answer: the exchange may hold the order, or receive it late. Look it up;
            # never send it again, and never call it refused while it may still land.
            order = await self._find(client_order_id)
            if order is None:
                raise unknown from None
        except RateLimited as exc:  # a 429 is refused before it is applied
            raise ExchangeRejected(-1003, str(exc), 429) from None
        except ExchangeUnavailable:  # could not connect: the order never left
            raise UserInputError(NOT_SENT) from None
        try:
            if order is None:
                order = await self._client.get_order(ack.order_id)
            after = await self._client.get_position(request.symbol, request.margin_mode)
        except ExchangeError:  # accepted; only the read-back failed: /orders shows it
            return OrderResult(None, client_order_id, None)
        if self.hooks is not None:
            self.hooks.reported(order)  # the card shows this state: no notice repeats it
        return OrderResult(order, client_order_id, after)

    async def _find(self, client_order_id: str) -> Order | None:
        """The order behind this client_order_id, or None when it is not (yet) readable."""
        try:
            return await self._client.get_order_by_client_id(client_order_id)
        except ExchangeError:
            return None

    async def lookup_client_order(self, client_order_id: str) -> Order | None:
        """The order placed with this client_order_id, if the exchange has it."""
        return await self._client.get_order_by_client_id(client_order_id)

    async def cancel(self, order_id: int) -> Order:
        """Cancel one open order by id (the exchange needs its symbol, so read it first)."""
        order = await self._client.get_order(order_id)
        if order.status not in ("NEW", "PARTIAL_FILLED"):
            raise UserInputError(f"order {order_id} is already {order.status.lower()}")
        if self.hooks is not None:
            self.hooks.cancelling([order])  # the reply says it; before the push can arrive
        await self._client.cancel_order(order_id, order.symbol)
        return order

    async def cancel_all(self, symbol_text: str | None) -> int:
        """Cancel every open order (of one symbol); returns how many were open."""
        symbol = (await self._markets.resolve(symbol_text)).symbol if symbol_text else None
        open_orders = await self._client.get_orders(symbol=symbol)
        if open_orders:
            if self.hooks is not None:
                self.hooks.cancelling(open_orders)
            await self._client.cancel_all(symbol)
        return len(open_orders)
