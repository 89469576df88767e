"""Order rules (orderly-api.md §4.6), reduce-only, margin checks and how an order meets the mark."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from bot.domain import margin as m
from bot.domain.models import MarginMode, MarketInfo, OrderRequest, OrderType, Side
from bot.domain.position_effects import margin_for_opening, opening_part
from bot.paper import ledger
from bot.paper.errors import EngineError
from bot.paper.state import ZERO, AccountState, OrderState, State

PRICED = frozenset({OrderType.LIMIT, OrderType.IOC, OrderType.FOK, OrderType.POST_ONLY})
RESTING = frozenset({OrderType.LIMIT, OrderType.POST_ONLY})


class Arrival(Enum):
    """What happens to a new order at the current mark."""

    TAKE = "take"  # fills now, as taker, at the mark
    REST = "rest"
    CANCEL = "cancel"


def crosses(side: Side, price: Decimal, mark: Decimal) -> bool:
    """A BUY is marketable when mark ≤ price, a SELL when mark ≥ price."""
    return mark <= price if side is Side.BUY else mark >= price


def arrival(order_type: OrderType, side: Side, price: Decimal | None, mark: Decimal) -> Arrival:
    if price is None:  # MARKET, ASK, BID
        return Arrival.TAKE
    marketable = crosses(side, price, mark)
    if order_type is OrderType.POST_ONLY:
        return Arrival.CANCEL if marketable else Arrival.REST
    if order_type is OrderType.LIMIT:
        return Arrival.TAKE if marketable else Arrival.REST
    return Arrival.TAKE if marketable else Arrival.CANCEL  # IOC, FOK: all or nothing here


def _on_step(value: Decimal, start: Decimal, step: Decimal) -> bool:
    return (value - start) % step == 0


def check_quantity(market: MarketInfo, qty: Decimal) -> None:
    """base_min ≤ qty ≤ base_max on the base_tick grid, else -1104."""
    if not market.base_min <= qty <= market.base_max:
        raise EngineError(
            -1104, f"quantity must be between {market.base_min} and {market.base_max}"
        )
    if not _on_step(qty, market.base_min, market.base_tick):
        raise EngineError(-1104, f"quantity must be a multiple of {market.base_tick}")


def check_price(market: MarketInfo, side: Side, price: Decimal, mark: Decimal) -> None:
    """Price on the quote grid within quote_min..quote_max (-1103), near the mark (-1105)."""
    if price <= 0 or not market.quote_min <= price <= market.quote_max:
        raise EngineError(
            -1103, f"price must be between {market.quote_min} and {market.quote_max}"
        )
    if not _on_step(price, market.quote_min, market.quote_tick):
        raise EngineError(-1103, f"price must be a multiple of {market.quote_tick}")
    if side is Side.BUY and price > mark * (1 + market.price_range):
        raise EngineError(-1105, f"buy price is more than {market.price_range} above the mark")
    if side is Side.SELL and price < mark * (1 - market.price_range):
        raise EngineError(-1105, f"sell price is more than {market.price_range} below the mark")


def check_notional(market: MarketInfo, qty: Decimal, price: Decimal) -> None:
    """price·qty must exceed min_notional, else -1102."""
    if qty * price <= market.min_notional:
        raise EngineError(-1102, f"order notional must be greater than {market.min_notional}")


def reduce_only_qty(position_qty: Decimal, side: Side, qty: Decimal) -> Decimal:
    """Clip a reduce-only order to the position; -1005 when it would open or grow one."""
    if position_qty == 0 or (position_qty > 0) == (side is Side.BUY):
        raise EngineError(-1005, "reduce only order would increase the position")
    return min(qty, abs(position_qty))


def check_margin(
    state: State, acct: AccountState, order: OrderState, ref_price: Decimal,
    exclude: int | None = None,
) -> None:
    """-1101 when the account cannot carry the order (notional cap at leverage, then margin)."""
    if order.reduce_only or order.opening_qty <= 0:
        return
    market = state.markets[order.symbol]
    pos = acct.positions.get((order.symbol, order.margin_mode))
    after_qty = (pos.qty if pos else ZERO) + order.side.sign * order.quantity
    leverage = order.leverage
    if abs(after_qty) * ref_price > m.max_notional_at(market, leverage):
        raise EngineError(-1101, f"position notional too large for {leverage}x leverage")
    need = margin_for_opening(
        market, order.margin_mode, leverage, order.opening_qty, after_qty, ref_price
    )
    if order.margin_mode is MarginMode.ISOLATED:
        available = ledger.max_add(state, acct, exclude)
    else:
        available = ledger.free_collateral(state, acct, exclude)
    if need > available:
        raise EngineError(
            -1101, f"insufficient margin: needs {need:.2f}, available {available:.2f}"
        )


def build_order(state: State, acct: AccountState, req: OrderRequest, order_id: int,
                now: int) -> OrderState:
    """Validate a request against the market rules and the account; the order to place."""
    market = state.markets[req.symbol]
    mark = state.marks[req.symbol]
    if req.client_order_id is not None and any(
        o.client_order_id == req.client_order_id for o in state.open_orders(acct.account_id)
    ):
        raise EngineError(-1007, "an open order already uses this client_order_id", 409)
    check_quantity(market, req.quantity)
    price = req.price if req.order_type in PRICED else None
    if req.order_type in PRICED:
        if req.price is None:
            raise EngineError(-1005, f"order_price is required for {req.order_type} orders")
        check_price(market, req.side, req.price, mark)
    pos = acct.positions.get((req.symbol, req.margin_mode))
    qty, pos_qty = req.quantity, (pos.qty if pos else ZERO)
    if req.reduce_only:
        qty = reduce_only_qty(pos_qty, req.side, qty)
    else:
        # A reduce-only close may be dust; everything else must clear min_notional.
        check_notional(market, qty, price if price is not None else mark)
    order = OrderState(
        order_id=order_id, account_id=acct.account_id, symbol=req.symbol, side=req.side,
        order_type=req.order_type, price=price, quantity=qty, margin_mode=req.margin_mode,
        leverage=state.leverage_of(acct, req.symbol, req.margin_mode),
        opening_qty=ZERO if req.reduce_only else opening_part(pos_qty, req.side, qty),
        reduce_only=req.reduce_only, client_order_id=req.client_order_id,
        created_ms=now, updated_ms=now,
    )
    check_margin(state, acct, order, price if price is not None else mark)
    return order
