"""JSON with exact decimals: numbers parse to Decimal and Decimal serialises as a plain number.

Never through float: `0.1` stays `0.1`, and no exponent notation is written (`1e-05` is
undocumented on Orderly, so quantities go out as `0.00001`).
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any


def loads(text: str | bytes) -> Any:
    """Parse JSON; every non-integer number becomes Decimal, integers stay int."""
    return json.loads(text, parse_float=Decimal)


def plain(value: Decimal) -> str:
    """Decimal as plain positional text, without exponent and without trailing zeros."""
    if not value.is_finite():
        raise ValueError(f"cannot send a non-finite number: {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def dumps(obj: Any, *, compact: bool = True) -> str:
    """Serialise to JSON text; Decimal values are written as exact JSON numbers."""
    marker = uuid.uuid4().hex
    found: dict[str, str] = {}

    def swap(value: Any) -> Any:
        if isinstance(value, Decimal):
            token = f"{marker}{len(found)}"
            found[token] = plain(value)
            return token
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [swap(v) for v in value]
        return value

    separators = (",", ":") if compact else (", ", ": ")
    text = json.dumps(swap(obj), separators=separators, ensure_ascii=False)
    for token, number in found.items():
        text = text.replace(f'"{token}"', number, 1)
    return text
