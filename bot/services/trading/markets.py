"""Symbol resolution and live market figures (mark price, funding) for the services."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.margin import funding_adjustment
from bot.domain.models import MarketInfo, Position, Ticker
from bot.domain.symbols import resolve_symbol
from bot.orderly.client import OrderlyClient


class MarketDirectory:
    """Answers 'which market is `eth`?' and 'what is its mark now?' from the exchange."""

    def __init__(self, client: OrderlyClient) -> None:
        self._client = client

    async def all(self) -> dict[str, MarketInfo]:
        return {m.symbol: m for m in await self._client.get_markets()}

    async def resolve(self, text: str) -> MarketInfo:
        """The market a user means by `eth`, `ETH-PERP` or `PERP_ETH_USDC`."""
        markets = await self.all()
        return markets[resolve_symbol(text, markets.keys())]

    async def ticker(self, symbol: str) -> Ticker:
        return await self._client.get_ticker(symbol)

    async def funding_adj(self, position: Position) -> Decimal:
        """The position's unsettled funding F = Q·(sum_uf − last_uf), from the live ticker."""
        ticker = await self.ticker(position.symbol)
        return funding_adjustment(
            position.position_qty, ticker.sum_unitary_funding, position.last_sum_unitary_funding
        )
