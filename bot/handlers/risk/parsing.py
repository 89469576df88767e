"""The typed forms of /risk, /budget and /chart and their parsers (pure, no Telegram)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.amounts import parse_decimal
from bot.domain.symbols import check_symbol_text
from bot.errors import UserInputError

WINDOW_NAMES = ("1h", "6h", "24h")
DEFAULT_WINDOW = "1h"

USAGE: dict[str, str] = {
    "risk": "/risk [picture] — e.g. /risk picture",
    "budget": "/budget [SYMBOL USDC|off] — e.g. /budget ETH 150",
    "chart": "/chart SYMBOL [1h|6h|24h] — e.g. /chart ETH 6h",
}


@dataclass(frozen=True, slots=True)
class Risk:
    picture: bool = False


@dataclass(frozen=True, slots=True)
class BudgetShow:
    pass


@dataclass(frozen=True, slots=True)
class BudgetSet:
    symbol: str
    amount: Decimal | None  # None: off


@dataclass(frozen=True, slots=True)
class Chart:
    symbol: str
    window: str = DEFAULT_WINDOW


def _kw(token: str) -> str:
    return token.lower() if token.isascii() else ""


def parse_risk(args: list[str]) -> Risk:
    if not args:
        return Risk()
    if len(args) == 1 and _kw(args[0]) in ("picture", "pic", "chart"):
        return Risk(picture=True)
    raise UserInputError("/risk takes nothing, or 'picture' for the budget as a picture")


def parse_budget(args: list[str]) -> BudgetShow | BudgetSet:
    if not args:
        return BudgetShow()
    if len(args) != 2:
        raise UserInputError("give a symbol and an amount in USDC, or off: /budget ETH 150")
    check_symbol_text(args[0])
    if _kw(args[1]) == "off":
        return BudgetSet(args[0], None)
    token = args[1].removesuffix("USDC").removesuffix("usdc")
    return BudgetSet(args[0], parse_decimal(token, "budget", max_decimals=2))


def parse_chart(args: list[str]) -> Chart:
    if not args:
        raise UserInputError("name the symbol: /chart ETH")
    if len(args) > 2:
        raise UserInputError("too many arguments")
    check_symbol_text(args[0])
    if len(args) == 1:
        return Chart(args[0])
    window = _kw(args[1])
    if window not in WINDOW_NAMES:
        raise UserInputError(f"the window is 1h, 6h or 24h, not {args[1][:20]}")
    return Chart(args[0], window)


PARSERS = {"risk": parse_risk, "budget": parse_budget, "chart": parse_chart}
