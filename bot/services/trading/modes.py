"""The default margin mode per chat and symbol: isolated unless `/mode` says otherwise.

Every command that omits the mode (`/leverage`, `/buy`, `/sell`, `/close`, `/position`) takes
it from here. Orders always carry an explicit `margin_mode`, so the exchange's own per-account
default (POST /v1/client/margin_mode) is never relied on, nor changed: it is account-wide,
while this default belongs to the chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import MarginMode
from bot.services.trading.markets import MarketDirectory
from bot.timing import Clock
from storage.default_modes import DefaultModeStore
from storage.worker import Storage

DESK_DEFAULT = MarginMode.ISOLATED  # an isolated-margin desk


@dataclass(frozen=True, slots=True)
class DefaultMode:
    symbol: str  # as resolved, e.g. PERP_ETH_USDC
    mode: MarginMode
    chosen: bool  # True when set with /mode, False when it is the desk's default


class ModeService:
    def __init__(self, storage: Storage, markets: MarketDirectory, clock: Clock) -> None:
        # reads over the read connection (never behind a lock), /mode on the writer thread
        self._db, self._store = storage, DefaultModeStore(storage.db)
        self._reader = DefaultModeStore(storage.reader)
        self._markets = markets
        self._clock = clock

    async def show(self, chat_id: int, symbol_text: str) -> DefaultMode:
        """The chat's default mode for a symbol, and whether it was chosen or is the desk's."""
        market = await self._markets.resolve(symbol_text)
        stored = await self._db.read(self._reader.get, chat_id, market.symbol)
        if stored is None:
            return DefaultMode(market.symbol, DESK_DEFAULT, False)
        return DefaultMode(market.symbol, MarginMode(stored), True)

    async def set(self, chat_id: int, symbol_text: str, mode: MarginMode) -> DefaultMode:
        """Make `mode` the chat's default for the symbol (after resolving it)."""
        market = await self._markets.resolve(symbol_text)
        await self._db.write(self._store.set, chat_id, market.symbol, mode.value,
                             self._clock.time())  # fmt: skip
        return DefaultMode(market.symbol, mode, True)

    async def resolve(self, chat_id: int, symbol_text: str, given: MarginMode | None) -> MarginMode:
        """The mode a command uses: the one it gave, else the chat's default for the symbol."""
        if given is not None:
            return given
        return (await self.show(chat_id, symbol_text)).mode
