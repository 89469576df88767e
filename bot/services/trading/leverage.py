"""Leverage per symbol per margin mode, and batch updates."""

from __future__ import annotations

from bot.domain.models import LeverageSetting, MarginMode
from bot.domain.views import BatchLeverageResult, LeveragePair
from bot.errors import ExchangeRejected, UserInputError
from bot.orderly.client import OrderlyClient
from bot.services.trading.markets import MarketDirectory

MAX_BATCH_LEVERAGE = 100
RISK_TOO_HIGH = -1101


class LeverageService:
    def __init__(self, client: OrderlyClient, markets: MarketDirectory) -> None:
        self._client = client
        self._markets = markets

    async def show(self, symbol_text: str) -> LeveragePair:
        """Current leverage of one symbol in both modes."""
        market = await self._markets.resolve(symbol_text)
        cross = await self._client.get_leverage(market.symbol, MarginMode.CROSS)
        isolated = await self._client.get_leverage(market.symbol, MarginMode.ISOLATED)
        return LeveragePair(market.symbol, cross.leverage, isolated.leverage, market.max_leverage)

    async def set(self, symbol_text: str, leverage: int, mode: MarginMode) -> LeverageSetting:
        """Set one symbol's leverage in one mode, after checking the symbol's range."""
        market = await self._markets.resolve(symbol_text)
        if not 1 <= leverage <= market.max_leverage:
            raise UserInputError(
                f"leverage for {market.base} must be between 1 and {market.max_leverage}"
            )
        try:
            await self._client.set_leverage(leverage, mode, market.symbol)
        except ExchangeRejected as exc:
            # -1101 alone reads as "not enough margin"; for isolated the usual cause is the
            # batch rule applied to one symbol: say so, as the exchange's refusal stands.
            busy = await self._busy_isolated() if mode is MarginMode.ISOLATED else {}
            if exc.code != RISK_TOO_HIGH or market.symbol not in busy:
                raise
            raise UserInputError(
                f"{market.base} isolated leverage cannot change now ({busy[market.symbol]}); "
                "the exchange allows it once no isolated position or order is open"
            ) from None
        return LeverageSetting(market.symbol, mode, leverage)

    async def set_all(self, leverage: int, mode: MarginMode) -> BatchLeverageResult:
        """Batch update with the exchange's rules; says which symbols changed and why others not."""
        if not 1 <= leverage <= MAX_BATCH_LEVERAGE:
            raise UserInputError(f"leverage must be between 1 and {MAX_BATCH_LEVERAGE}")
        markets = await self._markets.all()
        before = {s.symbol: s.leverage for s in await self._client.get_leverages()
                  if s.margin_mode is mode}
        busy = await self._busy_isolated() if mode is MarginMode.ISOLATED else {}
        await self._client.set_leverage(leverage, mode, None)
        after = {s.symbol: s.leverage for s in await self._client.get_leverages()
                 if s.margin_mode is mode}
        changed: list[LeverageSetting] = []
        skipped: list[tuple[str, str]] = []
        for symbol, market in sorted(markets.items()):
            target = min(leverage, market.max_leverage)
            old, new = before.get(symbol), after.get(symbol)
            if new is not None and new != old:
                changed.append(LeverageSetting(symbol, mode, new))
            elif symbol in busy:
                skipped.append((symbol, busy[symbol]))
            elif new == target:
                skipped.append((symbol, f"already {target}x"))
            else:
                skipped.append((symbol, "not changed by the exchange"))
        return BatchLeverageResult(mode, leverage, tuple(changed), tuple(skipped))

    async def _busy_isolated(self) -> dict[str, str]:
        """Symbols the isolated batch rule skips: an open isolated position or pending order."""
        busy: dict[str, str] = {}
        for order in await self._client.get_orders():
            if order.margin_mode is MarginMode.ISOLATED:
                busy[order.symbol] = "pending isolated order"
        for position in (await self._client.get_positions()).positions:
            if position.margin_mode is MarginMode.ISOLATED and position.position_qty != 0:
                busy[position.symbol] = "open isolated position"
        return busy
