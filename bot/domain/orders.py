"""Order rules of a market (orderly-api.md §4.6), checked before anything reaches the exchange.

Nothing is rounded silently: an off-tick price or off-step quantity is refused with the
nearest valid values to choose from. `quantize_to` exists for callers that round on purpose
(e.g. `/close ETH 33` rounds the computed quantity down to the step and says so).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

from bot.domain.models import MarketInfo, Side
from bot.errors import UserInputError

ZERO = Decimal(0)
ONE = Decimal(1)
_PREC = 60  # wide enough that no grid division on user-sized numbers loses digits


def decimals_of(tick: Decimal) -> int:
    """How many decimals a value on this tick needs: 0.01 -> 2, 0.5 -> 1, 1 -> 0, 10 -> 0."""
    exponent = tick.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def quantize_to(
    value: Decimal, tick: Decimal, *, origin: Decimal = ZERO, rounding: str = ROUND_FLOOR
) -> Decimal:
    """The value moved onto the grid origin + k·tick (down by default), shown with tick decimals."""
    with localcontext() as ctx:
        ctx.prec = _PREC
        steps = ((value - origin) / tick).to_integral_value(rounding=rounding)
        snapped = origin + steps * tick
        places = max(decimals_of(tick), decimals_of(origin) if origin else 0)
        return snapped.quantize(Decimal(1).scaleb(-places))


def fmt(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros (`2523.50` -> `2523.5`)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _on_grid(value: Decimal, tick: Decimal, origin: Decimal) -> bool:
    with localcontext() as ctx:
        ctx.prec = _PREC
        return tick <= 0 or (value - origin) % tick == 0


def _neighbours(value: Decimal, tick: Decimal, origin: Decimal, upper: Decimal) -> str:
    below = quantize_to(value, tick, origin=origin)
    above = quantize_to(value, tick, origin=origin, rounding=ROUND_CEILING)
    # shown with the tick's decimals (2450.0 on a 0.1 tick) so both read as valid values
    return f"{below:f} or {above:f}" if above <= upper else f"{below:f}"


def check_price(market: MarketInfo, side: Side, price: Decimal, mark: Decimal) -> None:
    """A limit price inside quote_min..quote_max, on the tick, and within price_range of mark."""
    if price <= 0:
        raise UserInputError("price must be greater than 0")
    if price < market.quote_min:
        raise UserInputError(f"price {fmt(price)} is below the minimum {fmt(market.quote_min)}")
    if price > market.quote_max:
        raise UserInputError(f"price {fmt(price)} is above the maximum {fmt(market.quote_max)}")
    tick, origin = market.quote_tick, market.quote_min
    if not _on_grid(price, tick, origin):
        raise UserInputError(
            f"price {fmt(price)} is not on the tick {fmt(tick)} — try "
            f"{_neighbours(price, tick, origin, market.quote_max)}"
        )
    if mark <= 0:
        return
    pct = fmt(market.price_range * 100)
    if side is Side.BUY and price > mark * (ONE + market.price_range):
        best = quantize_to(mark * (ONE + market.price_range), tick, origin=origin)
        raise UserInputError(
            f"a BUY at {fmt(price)} is more than {pct} % above the mark {fmt(mark)} — "
            f"the highest allowed now is {fmt(best)}"
        )
    if side is Side.SELL and price < mark * (ONE - market.price_range):
        best = quantize_to(mark * (ONE - market.price_range), tick, origin=origin,
                           rounding=ROUND_CEILING)
        raise UserInputError(
            f"a SELL at {fmt(price)} is more than {pct} % below the mark {fmt(mark)} — "
            f"the lowest allowed now is {fmt(best)}"
        )


def check_quantity(market: MarketInfo, qty: Decimal) -> None:
    """A quantity inside base_min..base_max and on the size step."""
    unit = market.base
    if qty <= 0:
        raise UserInputError("quantity must be greater than 0")
    if qty < market.base_min:
        raise UserInputError(
            f"quantity {fmt(qty)} is below the minimum {fmt(market.base_min)} {unit}"
        )
    if qty > market.base_max:
        raise UserInputError(
            f"quantity {fmt(qty)} is above the maximum {fmt(market.base_max)} {unit}"
        )
    step, origin = market.base_tick, market.base_min
    if not _on_grid(qty, step, origin):
        raise UserInputError(
            f"quantity {fmt(qty)} is not a multiple of the step {fmt(step)} — try "
            f"{_neighbours(qty, step, origin, market.base_max)}"
        )


def min_quantity_at(market: MarketInfo, price: Decimal) -> Decimal:
    """The smallest valid quantity whose value at `price` is above min_notional."""
    qty = max(market.base_min, quantize_to(market.min_notional / price, market.base_tick,
                                           origin=market.base_min, rounding=ROUND_CEILING))
    return qty + market.base_tick if qty * price <= market.min_notional else qty


def check_notional(market: MarketInfo, qty: Decimal, price: Decimal) -> None:
    """The order value (qty · price, the mark for market orders) above min_notional."""
    value = qty * price
    if price > 0 and value <= market.min_notional:
        raise UserInputError(
            f"order value {fmt(value.quantize(Decimal('0.01'), rounding=ROUND_FLOOR))} USDC is "
            f"not above the minimum {fmt(market.min_notional)} USDC — at {fmt(price)} use at "
            f"least {fmt(min_quantity_at(market, price))} {market.base}"
        )


def check_leverage(market: MarketInfo, leverage: int) -> None:
    """Leverage between 1x and the market's maximum (1/base_imr)."""
    if not 1 <= leverage <= market.max_leverage:
        raise UserInputError(
            f"leverage {leverage}x is outside 1x..{market.max_leverage}x for {market.base}"
        )


def validate_order(
    market: MarketInfo,
    side: Side,
    qty: Decimal,
    price: Decimal | None,
    mark: Decimal,
    leverage: int | None = None,
) -> None:
    """Every order rule at once; price None means a market order (its value uses the mark)."""
    check_quantity(market, qty)
    if price is not None:
        check_price(market, side, price, mark)
    check_notional(market, qty, price if price is not None else mark)
    if leverage is not None:
        check_leverage(market, leverage)
