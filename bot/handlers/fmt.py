"""Number formatting for replies, and the phone-width <pre> table. Pure, no Telegram.

Rules: prices at the market's quote_tick decimals, quantities at its base_tick decimals, USDC
to the cent; computed figures are display-rounded half-even, typed figures are shown exactly
as typed (never rounded away); thousands separators everywhere; None is shown as "—".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from bot.domain.models import MarginMode, MarketInfo
from bot.domain.orders import decimals_of

DASH = "—"
MINUS = "−"  # U+2212: a minus sign that does not wrap away from its digits
TABLE_WIDTH = 40  # monospace columns a phone shows without wrapping
USDC_PLACES = 2
_MIN_CELL = 4
PRICE_DIGITS = 6  # significant digits of a price shown without its market
PRICE_MAX_PLACES = 10


def esc(value: object) -> str:
    """The value as text safe inside Telegram HTML (&, < and > escaped)."""
    return html.escape(str(value), quote=False)


def _places_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def grouped(value: Decimal, places: int | None = None, rounding: str = ROUND_HALF_EVEN) -> str:
    """`2262.575` -> `2,262.58` at 2 places; places None keeps the digits the value carries."""
    if not value.is_finite():
        return DASH
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=rounding)
    text = format(abs(value), ",f")
    return f"-{text}" if value < 0 and text.strip("0.,") else text


def exact(value: Decimal | None, min_places: int = 0) -> str:
    """A typed or exchange-reported figure, never rounded: padded to min_places at most."""
    if value is None:
        return DASH
    return grouped(value, max(_places_of(value), min_places))


def price(value: Decimal | None, market: MarketInfo | None = None) -> str:
    """A computed price at the market's tick precision (half-even); 6 significant digits
    (at least 2 decimals) when the market is not known."""
    if value is None:
        return DASH
    if market is not None:
        return grouped(value, decimals_of(market.quote_tick))
    if not value.is_finite() or value == 0:
        return grouped(value, USDC_PLACES) if value.is_finite() else DASH
    places = min(max(USDC_PLACES, PRICE_DIGITS - 1 - value.adjusted()), PRICE_MAX_PLACES)
    return grouped(value, places)


def qty(value: Decimal | None, market: MarketInfo | None = None) -> str:
    """A computed quantity at the market's size-step precision; exact without a market."""
    if value is None:
        return DASH
    return grouped(value, decimals_of(market.base_tick)) if market else exact(value)


def usdc(value: Decimal | None, typed: Decimal | None = None) -> str:
    """A USDC figure the exchange reported or the bot computed, to the cent (half-even); to
    as many places as `typed` carries when it is a sum with an amount the user typed (so
    `251.50 + 261.004` reads `512.504`, not as if 261 had been typed)."""
    if value is None:
        return DASH
    return grouped(value, max(USDC_PLACES, _places_of(typed) if typed is not None else 0))


def usdc_typed(value: Decimal | None) -> str:
    """A USDC amount the user typed: at least 2 decimals, never cut (`261.004` stays)."""
    return exact(value, USDC_PLACES)


def usdc_label(value: Decimal | None) -> str:
    """A USDC amount on a button: whole amounts bare (`Add 261 USDC`), else to the cent."""
    if value is None or not value.is_finite():
        return DASH
    return grouped(value, 0 if value == value.to_integral_value() else USDC_PLACES)


def usdc_est(value: Decimal | None) -> str:
    """A computed USDC estimate (notional, margin an order locks) rounded to cents."""
    return DASH if value is None else grouped(value, USDC_PLACES)


def usdc_max(value: Decimal | None) -> str:
    """An upper bound in USDC, rounded down to cents so the figure shown is always allowed."""
    return DASH if value is None else grouped(value, USDC_PLACES, ROUND_DOWN)


def plain(value: Decimal | None) -> str:
    """A figure without trailing zeros, as in a button label: `261.00` -> `261`."""
    if value is None:
        return DASH
    return grouped(value.normalize()) if value.is_finite() else DASH


def pct(fraction: Decimal | None) -> str:
    """A fraction as a percentage with 2 decimals: 0.07653 -> `7.65 %`."""
    return DASH if fraction is None else f"{grouped(fraction * 100, 2)} %"


def pnl(value: Decimal | None, places: int = USDC_PLACES) -> str:
    """A signed profit or loss: `+12.30`, `−50.50`, `0.00`."""
    if value is None:
        return DASH
    text = grouped(abs(value), places)
    if text.strip("0.,") == "":
        return text
    return f"+{text}" if value > 0 else f"{MINUS}{text}"


def leverage(value: int | None) -> str:
    """`10x`."""
    return DASH if value is None else f"{value}x"


def mode(value: MarginMode | str) -> str:
    """`isolated` / `cross`."""
    return str(value.value if isinstance(value, MarginMode) else value).lower()


def side_qty(signed_qty: Decimal, market: MarketInfo | None = None) -> str:
    """A signed position size as `LONG 1.2500` / `SHORT 2.00` / `FLAT`."""
    if signed_qty == 0:
        return "FLAT"
    side = "LONG" if signed_qty > 0 else "SHORT"
    return f"{side} {qty(abs(signed_qty), market)}"


def arrow(before: str, after: str) -> str:
    """`before → after`."""
    return f"{before} → {after}"


def table(rows: Sequence[Sequence[str]], aligns: str) -> str:
    """A monospace block at most 40 columns wide in <pre>…</pre>; every cell is escaped.

    aligns has one letter per column: `l` left, `r` right. When a row would be too wide,
    left-aligned (text) columns are shortened with `…` first, numbers only as a last resort.
    """
    if not rows:
        return ""
    ncols = max(len(r) for r in rows)
    cells = [[str(c) for c in r] + [""] * (ncols - len(r)) for r in rows]
    aligns = (aligns + "l" * ncols)[:ncols]
    widths = [max(len(r[i]) for r in cells) for i in range(ncols)]
    gap = 2 if sum(widths) + 2 * (ncols - 1) <= TABLE_WIDTH else 1
    _shrink(widths, aligns, TABLE_WIDTH - gap * (ncols - 1))
    lines = []
    for row in cells:
        parts = []
        for text, width, align in zip(row, widths, aligns, strict=True):
            text = text if len(text) <= width else text[: max(width - 1, 0)] + "…"
            parts.append(text.rjust(width) if align == "r" else text.ljust(width))
        lines.append(esc((" " * gap).join(parts).rstrip()))
    return "<pre>" + "\n".join(lines) + "</pre>"


def _shrink(widths: list[int], aligns: str, budget: int) -> None:
    """Narrow the widest columns (text before numbers) until they fit the budget."""
    for pass_aligns in ("l", "lr"):
        while sum(widths) > budget:
            candidates = [i for i, a in enumerate(aligns) if a in pass_aligns]
            widest = max(candidates, key=lambda i: widths[i], default=None)
            if widest is None or widths[widest] <= _MIN_CELL:
                break
            widths[widest] -= 1
    while sum(widths) > budget and max(widths) > 1:  # pathological: many columns
        widths[widths.index(max(widths))] -= 1
