"""Isolated position margin: quotes (liq price before → after, allowed maximum) and transfers.

Orderly's POST /v1/position_margin has no idempotency key, so a transfer is sent once and, when
no answer comes, the position is read back to learn whether it applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from bot.domain import margin as m
from bot.domain.models import (
    Holding,
    MarginAction,
    MarginMode,
    MarketInfo,
    Position,
    PositionsSnapshot,
)
from bot.domain.position_effects import IsolatedState, margin_change
from bot.domain.views import MarginQuote, MarginResult
from bot.errors import (
    ExchangeRejected,
    ExchangeUnavailable,
    OutcomeUnknown,
    RateLimited,
    UserInputError,
)
from bot.orderly.client import OrderlyClient
from bot.services.trading.markets import MarketDirectory

USDC_DECIMALS = 6
CENT = Decimal("0.01")
NOT_SENT = "the exchange could not be reached; nothing was sent"  # a write that never left


def cents_down(amount: Decimal) -> Decimal:
    """A maximum shown to the user: rounded down to cents, so the figure itself is allowed."""
    return amount.quantize(CENT, rounding=ROUND_DOWN)


class MarginMoved(OutcomeUnknown):
    """Reading back cannot tell: the margin is neither as before nor as intended."""


@dataclass(frozen=True, slots=True)
class MarginExpectation:
    """What the position looked like when the card was drawn; checked again at press time."""

    symbol: str
    position_qty: Decimal
    margin: Decimal


def free_for_isolated(holding: Holding, snapshot: PositionsSnapshot) -> Decimal:
    """The most USDC that may move into isolated margin (a top-up or an isolated order)."""
    cross_upnl = sum(
        (p.unsettled_pnl for p in snapshot.positions if p.margin_mode is MarginMode.CROSS),
        Decimal(0),
    )
    return m.max_add(holding.holding, snapshot.account.free_collateral, cross_upnl)


class MarginService:
    def __init__(self, client: OrderlyClient, markets: MarketDirectory) -> None:
        self._client = client
        self._markets = markets

    async def quote(self, action: MarginAction, symbol_text: str, amount: Decimal) -> MarginQuote:
        """Validate an add/reduce against the exchange's bounds and compute liq before → after."""
        market = await self._markets.resolve(symbol_text)
        if amount <= 0:
            raise UserInputError("the amount must be more than 0 USDC")
        if -amount.as_tuple().exponent > USDC_DECIMALS:  # type: ignore[operator]
            raise UserInputError(f"USDC amounts have at most {USDC_DECIMALS} decimals")
        position = await self._client.get_position(market.symbol, MarginMode.ISOLATED)
        if position is None:
            raise UserInputError(
                f"no isolated {market.base} position; margin can only be moved in isolated mode"
            )
        return await self.quote_for(position, action, amount)

    async def quote_for(
        self, position: Position, action: MarginAction, amount: Decimal
    ) -> MarginQuote:
        """The card for moving `amount` into or out of this isolated position."""
        market = await self._markets.resolve(position.symbol)
        ticker = await self._markets.ticker(position.symbol)
        allowed = await self.max_allowed(position, action)
        if amount > allowed:
            verb = "added to" if action is MarginAction.ADD else "taken from"
            raise UserInputError(
                f"at most {cents_down(allowed)} USDC can be {verb} this position now "
                f"(you asked {amount})"
            )
        mark = ticker.mark_price
        moved = amount if action is MarginAction.ADD else -amount
        effect = margin_change(
            market, IsolatedState.of(position, ticker.sum_unitary_funding), moved, mark
        )
        return MarginQuote(
            position.symbol, action, amount, position, market, mark, effect.after.margin,
            position.est_liq_price, effect.liq_after,
            m.distance_to_liq(mark, position.est_liq_price),
            m.distance_to_liq(mark, effect.liq_after), allowed,
        )

    async def max_allowed(self, position: Position, action: MarginAction) -> Decimal:
        """The most the exchange lets this position take (ADD) or give back (REDUCE)."""
        if action is MarginAction.REDUCE:
            return m.max_reduce(
                position.margin, position.notional, position.imr, position.unsettled_pnl
            )
        holding = await self._client.get_holding()
        return free_for_isolated(holding, await self._client.get_positions())

    async def market(self, symbol: str) -> MarketInfo:
        """The rules of one market (cached), e.g. its tick to show a liquidation price at."""
        return await self._markets.resolve(symbol)

    async def recheck(self, expected: MarginExpectation) -> Position:
        """Press-time check: the position is still there, same side and size, margin unchanged."""
        position = await self._client.get_position(expected.symbol, MarginMode.ISOLATED)
        if position is None:
            raise UserInputError("the isolated position is closed; nothing was changed")
        if position.position_qty != expected.position_qty:
            raise UserInputError("the position size changed since this card was drawn; ask again")
        if position.margin != expected.margin:
            raise UserInputError("the position margin changed since this card was drawn; ask again")
        return position

    async def transfer(
        self, expected: MarginExpectation, action: MarginAction, amount: Decimal, *,
        timestamp_ms: int | None = None,
    ) -> MarginResult:
        """Send the transfer exactly once (signed with `timestamp_ms` when given); on no answer,
        read the position back to settle it."""
        reconciled = False
        try:
            await self._client.adjust_position_margin(expected.symbol, amount, action,
                                                      timestamp_ms=timestamp_ms)  # fmt: skip
        except OutcomeUnknown:
            reconciled = True
        except RateLimited as exc:  # a 429 is refused before it is applied
            raise ExchangeRejected(-1003, str(exc), 429) from None
        except ExchangeUnavailable:  # could not connect: the transfer never left
            raise UserInputError(NOT_SENT) from None
        try:
            result = await self.settle(expected, action, amount, reconciled=reconciled)
        except ExchangeRejected as exc:  # sent, then the read-back was refused: not a refusal
            raise OutcomeUnknown("GET", "/v1/position", exc.explanation) from None
        if reconciled and not result.applied and result.position_after is not None:
            # Unchanged *so far*: a transfer without an answer may still land. Leave it
            # unknown; the settlement round decides after a grace period. Never resent.
            raise OutcomeUnknown("POST", "/v1/position_margin", "no answer; unchanged so far")
        return result

    async def settle(
        self,
        expected: MarginExpectation,
        action: MarginAction,
        amount: Decimal,
        *,
        reconciled: bool,
    ) -> MarginResult:
        """Read the position and decide from its margin whether the transfer applied."""
        position = await self._client.get_position(expected.symbol, MarginMode.ISOLATED)
        target = expected.margin + (amount if action is MarginAction.ADD else -amount)
        applied = position is not None and position.margin == target
        if reconciled and position is not None and position.margin not in (target, expected.margin):
            raise MarginMoved("POST", "/v1/position_margin", "margin moved by something else")
        if not reconciled and position is not None:
            applied = True  # the exchange acknowledged it
        liq = position.est_liq_price if position else None
        mark = position.mark_price if position else Decimal(0)
        return MarginResult(applied, position, liq, m.distance_to_liq(mark, liq), reconciled)
