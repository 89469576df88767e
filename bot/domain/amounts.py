"""Strict parsing of the numbers a user types: amounts, percents, durations and leverage.

Only plain ASCII decimals are accepted (`12`, `0.5`, `.5`): no sign, exponent, underscores,
thousands separators, Unicode digits, inf or NaN. Every refusal is a UserInputError whose
reason names the problem, so a typo never turns silently into a different amount.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.errors import UserInputError

MAX_INT_DIGITS = 15
MAX_DECIMALS = 18
MAX_TEXT = 40
MAX_LEVERAGE = 100
DAY_SECONDS = 24 * 3600

_PLAIN = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DURATION = re.compile(r"(?:([0-9]{1,3})d)?(?:([0-9]{1,4})h)?(?:([0-9]{1,5})m)?")
_UNIT_SECONDS = (86400, 3600, 60)


def _show(text: str) -> str:
    """The user's token, shortened and made printable for an error message."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= 20 else clean[:19] + "…"


def _why_not_plain(text: str, what: str) -> str:
    """The most specific reason `text` is not a plain ASCII decimal."""
    shown = _show(text)
    lowered = text.lower()
    if not text:
        return f"{what} is missing"
    if not text.isascii():
        if any(c.isdigit() or c.isnumeric() for c in text):
            return f"{what} {shown}: use plain digits 0-9 (no full-width or other digits)"
        return f"{what} {shown} is not a number"
    if lowered.lstrip("+-") in ("inf", "infinity", "nan", "snan"):
        return f"{what} {shown} is not a number"
    if text.startswith("-"):
        return f"{what} must be positive, not {shown}"
    if text.startswith("+"):
        return f"{what} {shown}: write the number without a '+' sign"
    if "_" in text:
        return f"{what} {shown}: write it without underscores"
    if "," in text:
        return f"{what} {shown}: use '.' for decimals and no thousands separators"
    if "e" in lowered and any(c.isdigit() for c in text):
        return f"{what} {shown}: write it out in full, without exponent notation"
    return f"{what} {shown} is not a number"


def parse_decimal(
    text: str, what: str = "amount", *, allow_zero: bool = False, max_decimals: int = MAX_DECIMALS
) -> Decimal:
    """A positive Decimal from plain ASCII digits (zero only when allowed)."""
    if len(text) > MAX_TEXT:
        raise UserInputError(f"{what} is too long ({len(text)} characters)")
    if not _PLAIN.fullmatch(text):
        raise UserInputError(_why_not_plain(text, what))
    whole, _, frac = text.partition(".")
    if len(whole.lstrip("0")) > MAX_INT_DIGITS:
        raise UserInputError(f"{what} {_show(text)} is too large")
    if len(frac) > max_decimals:
        raise UserInputError(f"{what} {_show(text)} has more than {max_decimals} decimals")
    value = Decimal(text)
    if value == 0 and not allow_zero:
        raise UserInputError(f"{what} must be greater than 0")
    return value


def parse_percent(
    text: str, what: str = "percent", *, maximum: Decimal = Decimal(100)
) -> Decimal:
    """Percent points from `5` or `5%` (both mean 5 %), in (0, maximum]."""
    body = text[:-1] if text.endswith("%") else text
    value = parse_decimal(body, what, max_decimals=4)
    if value > maximum:
        raise UserInputError(f"{what} must be at most {maximum} %, not {_show(text)}")
    return value


def parse_duration(
    text: str, what: str = "duration", *, minimum: int = 60, maximum: int = DAY_SECONDS
) -> int:
    """Seconds from `15m`, `1h`, `90m`, `1h30m` or `1d` (case-insensitive), within the bounds."""
    lowered = text.lower()
    match = _DURATION.fullmatch(lowered) if text.isascii() else None
    if match is None or not lowered:
        if text.isascii() and _PLAIN.fullmatch(text):
            raise UserInputError(f"{what} {_show(text)} needs a unit: e.g. {text}m or {text}h")
        raise UserInputError(f"{what} {_show(text)} is not a duration like 15m, 1h or 1h30m")
    seconds = sum(int(n) * unit for n, unit in zip(match.groups(), _UNIT_SECONDS, strict=True) if n)
    if not minimum <= seconds <= maximum:
        raise UserInputError(
            f"{what} must be between {format_duration(minimum)} and {format_duration(maximum)}"
        )
    return seconds


def format_duration(seconds: int) -> str:
    """`5400` -> `1h30m`; `86400` -> `24h`; `45` -> `45s`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = (f"{hours}h" if hours else "", f"{minutes}m" if minutes else "",
             f"{secs}s" if secs else "")
    return "".join(parts) or "0m"


def parse_leverage(text: str, *, maximum: int = MAX_LEVERAGE) -> int:
    """A whole leverage from `10` or `10x`, between 1 and maximum."""
    body = text[:-1] if text[-1:] in ("x", "X") else text
    value = parse_decimal(body, "leverage", allow_zero=True)
    if value != value.to_integral_value() or "." in body:
        raise UserInputError(f"leverage must be a whole number like 10, not {_show(text)}")
    if not 1 <= value <= maximum:
        raise UserInputError(f"leverage must be between 1x and {maximum}x, not {_show(text)}")
    return int(value)


def parse_count(text: str, what: str, *, maximum: int) -> int:
    """A whole number between 1 and maximum (e.g. how many history rows)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise UserInputError(f"{what} must be a whole number, not {_show(text)}")
    value = int(text)
    if not 1 <= value <= maximum:
        raise UserInputError(f"{what} must be between 1 and {maximum}")
    return value
