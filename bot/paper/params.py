"""Typed reads of request parameters; every bad value becomes a clear Orderly-style EngineError.

-1005 (HTTP 400) for a missing or malformed value, -1004 for a parameter the endpoint does not take.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from bot.paper.engine import EngineError

E = TypeVar("E", bound=StrEnum)
PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")  # ASCII digits: no 1e3, 1_000
LARGEST = Decimal(10) ** 15  # far above any real size or price; keeps the engine's maths sane


def bad(text: str) -> EngineError:
    return EngineError(-1005, text, 400)


class Params:
    """Request parameters (query string or JSON body) with validating getters."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = dict(values)

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        """-1004 when a parameter outside `allowed` was sent."""
        extra = sorted(set(self.values) - set(allowed))
        if extra:
            raise EngineError(-1004, f"unknown parameter {', '.join(extra)}", 400)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str, *, required: bool = True, max_len: int = 64) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad(f"missing required parameter {name}")
            return None
        if not isinstance(value, str):
            raise bad(f"{name} must be a string")
        if len(value) > max_len:
            raise bad(f"{name} is longer than {max_len} characters")
        return value

    def enum(self, name: str, kind: type[E], default: E | None = None) -> E:
        value = self.text(name, required=default is None)
        if value is None:
            assert default is not None
            return default
        try:
            return kind(value.upper())
        except ValueError:
            allowed = "|".join(m.value for m in kind)
            raise bad(f"{name} must be one of {allowed}, got {value!r}") from None

    def opt_enum(self, name: str, kind: type[E]) -> E | None:
        return self.enum(name, kind) if self.has(name) else None

    def integer(
        self, name: str, *, required: bool = True, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad(f"missing required parameter {name}")
            return None
        if isinstance(value, bool):
            raise bad(f"{name} must be an integer")
        try:
            number = int(value) if isinstance(value, int) else int(str(value), 10)
        except ValueError:
            raise bad(f"{name} must be an integer, got {value!r}") from None
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise bad(f"{name} must be between {lo} and {hi}, got {number}")
        return number

    def number(
        self, name: str, *, required: bool = True, as_string: bool = False
    ) -> Decimal | None:
        """A positive decimal: a JSON number (text in a query) or, with as_string, only a string."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad(f"missing required parameter {name}")
            return None
        if as_string and not isinstance(value, str):
            raise bad(f"{name} must be a string, e.g. \"100\"")
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise bad(f"{name} must be a number")
        if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value.strip()):
            raise bad(f"{name} must be a plain decimal number, got {value!r}")
        try:
            number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except InvalidOperation:
            raise bad(f"{name} must be a decimal number, got {value!r}") from None
        if not number.is_finite() or number <= 0:
            raise bad(f"{name} must be a positive number, got {value!r}")
        if number > LARGEST:
            raise bad(f"{name} is too large")
        return number

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad(f"{name} must be true or false")
