"""Take-profit / stop-loss and stop orders on Orderly's algo order API: quotes for their cards,
the press-time re-check, placing once (looked up by client_order_id after a timeout, never
resent), listing and cancelling.

/tp, /sl and /tpsl become a TP_SL sized to the position when the card is drawn (its legs are
reduce-only MARKET closes at the mark trigger; a pair is one-cancels-the-other). /stop becomes
a STOP whose side follows from the trigger: above the mark it buys, below it sells.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from bot.domain import algo as a
from bot.domain.algo import AlgoLeg, AlgoOrder, AlgoOrderType, AlgoQuote, AlgoRequest, AlgoType
from bot.domain.models import MarginMode, Side
from bot.domain.orders import check_notional, check_price, check_quantity
from bot.domain.symbols import base_of
from bot.errors import (
    ExchangeError,
    ExchangeRejected,
    ExchangeUnavailable,
    OutcomeUnknown,
    RateLimited,
    UserInputError,
)
from bot.orderly.client import OrderlyClient
from bot.services.trading.margin import NOT_SENT
from bot.services.trading.markets import MarketDirectory

ZERO = Decimal(0)
LEG_NAMES = {AlgoType.TAKE_PROFIT: "take-profit", AlgoType.STOP_LOSS: "stop-loss"}


@dataclass(frozen=True, slots=True)
class AlgoPlaced:
    """Outcome of a placed algo order, read back from the exchange (None when unreadable)."""

    algo: AlgoOrder | None
    client_order_id: str
    algo_order_id: int | None


class AlgoOrderService:
    def __init__(self, client: OrderlyClient, markets: MarketDirectory) -> None:
        self._client = client
        self._markets = markets

    # ---- quotes ------------------------------------------------------------------------
    async def quote_tpsl(self, symbol_text: str, mode: MarginMode, tp: Decimal | None,
                         sl: Decimal | None) -> AlgoQuote:
        """A TP_SL on the whole `mode` position: each trigger checked, PnL at each, liq."""
        market = await self._markets.resolve(symbol_text)
        position = await self._client.get_position(market.symbol, mode)
        if position is None or position.position_qty == 0:
            name = mode.value.lower()
            other = "cross" if mode is MarginMode.ISOLATED else "isolated"
            raise UserInputError(f"no open {name} {market.base} position to protect; for a "
                                 f"{other} one, add {other} to the command")
        mark = (await self._markets.ticker(market.symbol)).mark_price
        legs: list[AlgoLeg] = []
        for kind, trigger in ((AlgoType.TAKE_PROFIT, tp), (AlgoType.STOP_LOSS, sl)):
            if trigger is None:
                continue
            check_price(market, Side.BUY, trigger, ZERO)  # bounds and tick (no mark range)
            problem = a.trigger_problem(kind, position.position_qty, position.average_open_price,
                                        mark, trigger)
            if problem:
                raise UserInputError(problem)
            legs.append(AlgoLeg(kind, trigger))
        if tp is not None and sl is not None and position.position_qty > 0 and sl >= tp:
            raise UserInputError("the stop-loss must be below the take-profit")
        request = AlgoRequest(
            symbol=market.symbol, algo_type=AlgoType.TP_SL,
            side=a.closing_side(position.position_qty), margin_mode=mode,
            quantity=abs(position.position_qty), legs=tuple(legs), reduce_only=True,
        )
        return AlgoQuote(request, mark, position.position_qty, position.average_open_price,
                         position.est_liq_price,
                         a.quote_legs(position.position_qty, position.average_open_price,
                                      position.est_liq_price, tuple(legs)))

    async def quote_stop(self, symbol_text: str, mode: MarginMode, qty: Decimal,
                         trigger: Decimal, price: Decimal | None) -> AlgoQuote:
        """A STOP: BUY when the trigger is above the mark (a breakout), SELL when below."""
        market = await self._markets.resolve(symbol_text)
        mark = (await self._markets.ticker(market.symbol)).mark_price
        if trigger == mark:
            raise UserInputError(f"the trigger {trigger} is the mark price now; it would fire "
                                 "at once — use /buy or /sell")
        side = Side.BUY if trigger > mark else Side.SELL
        check_quantity(market, qty)
        check_price(market, side, trigger, ZERO)
        if price is not None:
            check_price(market, side, price, trigger)  # near the trigger, where it will rest
        check_notional(market, qty, price or trigger)
        position = await self._client.get_position(market.symbol, mode)
        request = AlgoRequest(
            symbol=market.symbol, algo_type=AlgoType.STOP, side=side, margin_mode=mode,
            quantity=qty, trigger_price=trigger,
            order_type=AlgoOrderType.LIMIT if price is not None else AlgoOrderType.MARKET,
            price=price,
        )
        held = position.position_qty if position else ZERO
        return AlgoQuote(request, mark, held, position.average_open_price if position else None,
                         position.est_liq_price if position else None,
                         notional=qty * (price or trigger))

    # ---- execution ---------------------------------------------------------------------
    async def recheck(self, request: AlgoRequest, expect_qty: Decimal) -> None:
        """Press-time check: a TP/SL's position is still the one its card was drawn for."""
        if request.algo_type is AlgoType.STOP:
            return
        current = await self._client.get_position(request.symbol, request.margin_mode)
        now_qty = current.position_qty if current else ZERO
        if now_qty == 0:
            raise UserInputError("the position is closed now; nothing was sent")
        if now_qty != expect_qty:
            raise UserInputError("the position changed since this card was drawn; nothing was "
                                 "sent. Ask again")

    async def place(self, request: AlgoRequest, client_order_id: str, *,
                    timestamp_ms: int | None = None) -> AlgoPlaced:
        """Place once with a client_order_id; after a timeout, look it up instead of resending."""
        placed = replace(request, client_order_id=client_order_id)
        algo_id: int | None = None
        found: AlgoOrder | None = None
        try:
            algo_id = await self._client.create_algo_order(placed, timestamp_ms=timestamp_ms)
        except OutcomeUnknown as unknown:
            found = await self._find(client_order_id)  # never send it again
            if found is None:
                raise unknown from None
            algo_id = found.algo_order_id
        except RateLimited as exc:
            raise ExchangeRejected(-1003, str(exc), 429) from None
        except ExchangeUnavailable:
            raise UserInputError(NOT_SENT) from None
        try:
            found = found or await self._client.get_algo_order(algo_id)
        except ExchangeError:  # accepted; only the read-back failed: /orders shows it
            return AlgoPlaced(None, client_order_id, algo_id)
        return AlgoPlaced(found, client_order_id, algo_id)

    async def _find(self, client_order_id: str) -> AlgoOrder | None:
        try:
            return await self._client.get_algo_order_by_client_id(client_order_id)
        except ExchangeError:
            return None

    async def lookup_client_order(self, client_order_id: str) -> AlgoOrder | None:
        """The algo order placed with this client_order_id, if the exchange has it."""
        return await self._client.get_algo_order_by_client_id(client_order_id)

    # ---- reads and cancels -------------------------------------------------------------
    async def open_orders(self, symbol_text: str | None = None) -> list[AlgoOrder]:
        symbol = (await self._markets.resolve(symbol_text)).symbol if symbol_text else None
        return await self._client.get_algo_orders(symbol=symbol)

    async def cancel(self, algo_order_id: int) -> AlgoOrder:
        """Cancel one pending algo order (a whole TP/SL pair when given its root)."""
        try:
            found = await self._client.get_algo_order(algo_order_id)
        except ExchangeRejected as exc:
            if exc.code == -1006:
                raise UserInputError(f"there is no algo order {algo_order_id}; see /orders") \
                    from None
            raise
        if not found.is_open:
            raise UserInputError(f"algo order {algo_order_id} is already "
                                 f"{found.status.lower()}")
        await self._client.cancel_algo_order(algo_order_id, found.symbol)
        return found


def describe_request(request: AlgoRequest) -> str:
    """`the TP/SL on ETH (isolated): take-profit 2600, stop-loss 2400` / `the stop BUY 0.5 ETH
    at 2600 (isolated)`, for settlement and history lines."""
    base, mode = base_of(request.symbol), request.margin_mode.value.lower()
    if request.algo_type is AlgoType.STOP:
        limit = f", limit {request.price}" if request.price is not None else ""
        return (f"the stop {request.side.value} {request.quantity} {base} at "
                f"{request.trigger_price}{limit} ({mode})")
    legs = ", ".join(f"{LEG_NAMES[leg.algo_type]} {leg.trigger_price}" for leg in request.legs)
    return f"the TP/SL on {base} ({mode}): {legs}"


def leg_name(kind: AlgoType) -> str:
    return LEG_NAMES.get(kind, kind.value.lower())


__all__ = ["AlgoOrderService", "AlgoPlaced", "describe_request", "leg_name"]
