"""Simulated mark prices: a seeded random walk per symbol that scripted prices can override.

Pure and synchronous; the server's async loop calls step() each tick and feeds the engine.
"""

from __future__ import annotations

import random
from collections import deque
from decimal import Decimal

from bot.paper.symbol_table import VOLATILITY, quote_ticks

DEFAULT_VOLATILITY = Decimal("0.0007")  # per √second, for symbols without their own figure
MAX_MOVE = Decimal("0.2")  # clamp a single step's move so a long dt cannot go negative


def _round_to(price: Decimal, tick: Decimal) -> Decimal:
    steps = (price / tick).to_integral_value()
    return max(tick, steps * tick)


class SimulatedMarket:
    """Mark prices per symbol: a random walk with volatility per √second, rounded to tick."""

    def __init__(
        self,
        start_prices: dict[str, Decimal],
        seed: int = 0,
        volatility: Decimal | dict[str, Decimal] | None = None,
        ticks: dict[str, Decimal] | None = None,
    ) -> None:
        known_ticks = quote_ticks()
        self._ticks = {s: (ticks or {}).get(s, known_ticks.get(s, Decimal("0.0001")))
                       for s in start_prices}
        self._vol = {s: self._volatility_of(s, volatility) for s in start_prices}
        self._prices = {s: _round_to(p, self._ticks[s]) for s, p in start_prices.items()}
        self._scripts: dict[str, deque[Decimal]] = {s: deque() for s in start_prices}
        self._rng = random.Random(seed)

    @staticmethod
    def _volatility_of(symbol: str, volatility: Decimal | dict[str, Decimal] | None) -> Decimal:
        if isinstance(volatility, Decimal):
            return volatility
        if isinstance(volatility, dict) and symbol in volatility:
            return volatility[symbol]
        return VOLATILITY.get(symbol, DEFAULT_VOLATILITY)

    def prices(self) -> dict[str, Decimal]:
        """Current price of every symbol."""
        return dict(self._prices)

    def price(self, symbol: str) -> Decimal:
        return self._prices[symbol]

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Jump a symbol to `price` now (rounded to tick); the walk continues from there."""
        self._check(symbol)
        if price <= 0:
            raise ValueError("price must be positive")
        self._prices[symbol] = _round_to(price, self._ticks[symbol])

    def script(self, symbol: str, prices: list[Decimal]) -> None:
        """Queue prices that the next steps use for this symbol instead of the walk."""
        self._check(symbol)
        if any(p <= 0 for p in prices):
            raise ValueError("scripted prices must be positive")
        self._scripts[symbol].extend(prices)

    def scripted(self, symbol: str) -> int:
        """How many scripted prices are still queued for the symbol."""
        return len(self._scripts[symbol])

    def step(self, dt_seconds: float) -> dict[str, Decimal]:
        """Advance every symbol by dt seconds; returns the new prices."""
        root_dt = Decimal(repr(max(dt_seconds, 0.0))).sqrt()
        for symbol in sorted(self._prices):
            # Draw for every symbol on every step, so scripts do not shift other symbols' paths.
            shock = Decimal(repr(self._rng.gauss(0.0, 1.0)))
            queue = self._scripts[symbol]
            if queue:
                self._prices[symbol] = _round_to(queue.popleft(), self._ticks[symbol])
                continue
            move = max(-MAX_MOVE, min(MAX_MOVE, self._vol[symbol] * root_dt * shock))
            self._prices[symbol] = _round_to(self._prices[symbol] * (1 + move), self._ticks[symbol])
        return self.prices()

    def _check(self, symbol: str) -> None:
        if symbol not in self._prices:
            raise KeyError(f"unknown symbol {symbol}")
