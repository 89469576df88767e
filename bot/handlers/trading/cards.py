"""Confirmation cards for money-moving actions, as Telegram HTML. Pure.

A card shows every number a trader checks before pressing Confirm; it ends with its expiry
line, which is removed when the card is edited to show what happened. The outcomes of a
press live in `outcomes.py` and are re-exported here, so callers import one module.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import MarginAction, MarginMode, MarketInfo, OrderType
from bot.domain.orders import decimals_of
from bot.domain.views import MarginQuote, OrderQuote
from bot.handlers import fmt
from bot.handlers.fmt import esc
from bot.handlers.trading.outcomes import (
    cancelled_card,
    checking_notice,
    expired_card,
    expiry_line,
    outcome_text,
    refusal_text,
    refusal_toast,
    refused_card,
    result_line,
    settled_notice,
    unreported_notice,
)
from bot.timing import DEFAULT_TIMINGS

__all__ = [
    "cancelled_card", "checking_notice", "close_card", "expired_card", "expiry_line",
    "margin_card", "order_card", "outcome_text", "refusal_text", "refusal_toast",
    "refused_card", "result_line", "settled_notice", "unreported_notice",
]

Row = tuple[str, str]


def _before_after(label: str, before: str, after: str) -> list[Row]:
    """One `before → after` row, or two rows when it would not fit a phone's width."""
    value = fmt.arrow(before, after)
    if len(label) + 2 + len(value) <= fmt.TABLE_WIDTH:
        return [(label, value)]
    return [(label, before), ("", f"→ {after}")]


def _price_row(quote: OrderQuote) -> Row:
    """The limit price exactly as typed (padded to the tick), or `market ≈ mark`."""
    r, market = quote.request, quote.market
    if r.price is None or r.order_type is OrderType.MARKET:
        return ("price", f"market ≈ {fmt.price(quote.mark, market)}")
    return ("price", fmt.exact(r.price, decimals_of(market.quote_tick)))


def _position_after(quote: OrderQuote) -> Decimal:
    before = quote.position_before.position_qty if quote.position_before else Decimal(0)
    return before + quote.request.side.sign * quote.request.quantity


def _position_rows(quote: OrderQuote) -> list[Row]:
    market = quote.market
    before = quote.position_before.position_qty if quote.position_before else Decimal(0)
    rows = _before_after("position", fmt.side_qty(before, market),
                         fmt.side_qty(_position_after(quote), market))
    if quote.request.margin_mode is MarginMode.CROSS:
        # A cross liquidation price depends on the whole account, not on this order alone.
        return [*rows, ("est. liq", "account-wide (cross)")]
    return rows + _before_after("est. liq", fmt.price(quote.liq_before, market),
                                fmt.price(quote.liq_after, market))


def _margin_rows(quote: OrderQuote) -> list[Row]:
    """What the order moves: margin locked (opening part), margin released and PnL realized
    (reducing part). A reducing order locks nothing."""
    rows: list[Row] = []
    if quote.released > 0:
        rows.append(("to release", f"{fmt.usdc_est(quote.released)} USDC"))
    if quote.margin_locked > 0 or quote.released == 0:
        rows.append(("to lock", f"{fmt.usdc_est(quote.margin_locked)} USDC"))
    if quote.realized_pnl is not None:
        rows.append(("est. PnL", f"{fmt.pnl(quote.realized_pnl)} USDC"))
    return rows


def _card(title: str, rows: list[Row], note: str | None, ttl_seconds: float) -> str:
    parts = [title, fmt.table(rows, "lr")]
    if note:
        parts.append(f"<i>{esc(note)}</i>")
    parts.append(expiry_line(ttl_seconds))
    return "\n".join(parts)


def _title(verb: str, quote: OrderQuote, extra: str = "") -> str:
    r = quote.request
    return (
        f"<b>{verb} {r.side.value} {esc(fmt.exact(r.quantity))} {esc(quote.market.base)}</b> "
        f"({fmt.mode(r.margin_mode)}{extra})"
    )


def order_card(quote: OrderQuote, ttl_seconds: float = DEFAULT_TIMINGS.order_approval_ttl) -> str:
    """`Confirm BUY 0.5 ETH (isolated)` with type, price, notional, leverage, margin, liq."""
    r, market = quote.request, quote.market
    rows: list[Row] = [
        ("type", r.order_type.value),
        _price_row(quote),
        ("notional", f"{fmt.usdc_est(quote.notional)} USDC"),
        ("leverage", fmt.leverage(quote.leverage)),
        *_margin_rows(quote),
        *_position_rows(quote),
        ("max qty", f"{fmt.qty(quote.max_quantity, market)} {market.base}"),
    ]
    return _card(_title("Confirm", quote), rows, quote.note, ttl_seconds)


def close_card(quote: OrderQuote, ttl_seconds: float = DEFAULT_TIMINGS.order_approval_ttl) -> str:
    """`Confirm close: SELL 0.5 ETH (isolated, reduce-only)`: size, price, margin released,
    PnL realized, position, liq."""
    market = quote.market
    rows: list[Row] = [
        ("type", f"{quote.request.order_type.value}, reduce-only"),
        _price_row(quote),
        ("notional", f"{fmt.usdc_est(quote.notional)} USDC"),
        *_margin_rows(quote),
        *_position_rows(quote),
        ("max qty", f"{fmt.qty(quote.max_quantity, market)} {market.base}"),
    ]
    return _card(_title("Confirm close:", quote, ", reduce-only"), rows, quote.note, ttl_seconds)


def margin_card(
    quote: MarginQuote, ttl_seconds: float = DEFAULT_TIMINGS.margin_approval_ttl
) -> str:
    """`Confirm: add 261 USDC to ETH isolated`: margin, liq price, distance before → after."""
    market: MarketInfo = quote.market
    adding = quote.action is MarginAction.ADD
    preposition = "to" if adding else "from"
    title = (
        f"<b>Confirm: {quote.action.value.lower()} {esc(fmt.exact(quote.amount))} USDC</b> "
        f"{preposition} {esc(market.base)} isolated"
    )
    rows: list[Row] = [
        *_before_after("margin", fmt.usdc(quote.position.margin),
                       fmt.usdc(quote.margin_after, quote.amount)),
        *_before_after("liq price", fmt.price(quote.liq_before, market),
                       fmt.price(quote.liq_after, market)),
        *_before_after("distance", fmt.pct(quote.distance_before), fmt.pct(quote.distance_after)),
        ("mark", fmt.price(quote.mark, market)),
        ("position", fmt.side_qty(quote.position.position_qty, market)),
        ("max " + ("add" if adding else "reduce"), f"{fmt.usdc_max(quote.max_allowed)} USDC"),
    ]
    return _card(title, rows, quote.note, ttl_seconds)

