"""Turn what a user types for a market (`eth`, `ETH-PERP`, `perp_eth_usdc`) into `PERP_ETH_USDC`.

Accepted, case-insensitively, ASCII only:
  `ETH`, `1000PEPE`                      the base asset
  `ETH-PERP`, `ETH_PERP`, `ETHPERP`      base + PERP suffix (as other venues write it)
  `ETH-USDC`, `ETH_USDC`, `ETH/USDC`, `ETHUSDC`   base + quote (Orderly quotes only in USDC)
  `PERP_ETH_USDC`, `PERP-ETH-USDC`       the exchange's own name
A literal base always wins over a stripped suffix, so a base that itself ends in `PERP` or
`USDC` still resolves. Anything else is refused with the list of known bases.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from bot.errors import UserInputError

MAX_SYMBOL_TEXT = 30
_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/-]*")
_FULL = re.compile(r"PERP[-_]([A-Z0-9]+)[-_]USDC")
_SUFFIXES = ("-PERP", "_PERP", "PERP", "-USDC", "_USDC", "/USDC", "USDC")
_SHOWN_KNOWN = 15


def perp_symbol(base: str) -> str:
    """`ETH` -> `PERP_ETH_USDC`."""
    return f"PERP_{base}_USDC"


def base_of(symbol: str) -> str:
    """`PERP_ETH_USDC` -> `ETH` (anything else is returned unchanged)."""
    match = _FULL.fullmatch(symbol)
    return match.group(1) if match else symbol


def check_symbol_text(text: str) -> str:
    """The text upper-cased if it can be a symbol at all (ASCII letters, digits, - _ /)."""
    if not text:
        raise UserInputError("symbol is missing")
    if len(text) > MAX_SYMBOL_TEXT:
        raise UserInputError(f"symbol is too long ({len(text)} characters)")
    if not text.isascii() or not _TEXT.fullmatch(text):
        shown = "".join(c if c.isprintable() else "?" for c in text)
        raise UserInputError(f"{shown} is not a symbol: write it like ETH or PERP_ETH_USDC")
    return text.upper()


def candidates(text: str) -> list[str]:
    """Exchange symbols the text may mean, most literal first (not checked against a list)."""
    upper = check_symbol_text(text)
    match = _FULL.fullmatch(upper)
    if match:
        return [perp_symbol(match.group(1))]
    found = [perp_symbol(upper)] if upper.isalnum() else []
    for suffix in _SUFFIXES:
        base = upper.removesuffix(suffix)
        if base != upper and base.isalnum():
            found.append(perp_symbol(base))
    return list(dict.fromkeys(found))


def resolve_symbol(text: str, known: Iterable[str]) -> str:
    """The known exchange symbol the user means, or UserInputError naming the known bases."""
    known_list = sorted(known) if isinstance(known, set | frozenset) else list(known)
    known_set = set(known_list)
    found = candidates(text)
    for symbol in found:
        if symbol in known_set:
            return symbol
    bases = [base_of(s) for s in known_list]
    typed = base_of(found[0]) if found else re.sub(r"[^A-Z0-9]", "", text.upper())
    guess = difflib.get_close_matches(typed, bases, n=1, cutoff=0.6)
    hint = f" (did you mean {guess[0]}?)" if guess else ""
    shown = ", ".join(bases[:_SHOWN_KNOWN]) + (", …" if len(bases) > _SHOWN_KNOWN else "")
    raise UserInputError(f"unknown symbol {text.upper()}{hint} — known: {shown or 'none'}")
