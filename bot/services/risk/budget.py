"""The risk budget: /risk's figures from the exchange, /budget per chat and symbol, and the cap
it puts on every top-up (a /margin add card, an alert's Add amount, and each press).

Budgets are written on the storage's writer thread and read over its read connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from bot.domain.budget import BudgetCheck, budget_left, check_topup
from bot.domain.models import MarginAction, MarginMode
from bot.domain.records import Approval
from bot.domain.risk import RiskBudget, risk_budget
from bot.domain.symbols import base_of
from bot.errors import UserInputError
from bot.services.trading.actions import MarginChange
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.orders import TradingService
from bot.timing import Clock
from storage.budgets import BudgetStore
from storage.worker import Storage

MAX_BUDGET = Decimal(10) ** 12  # USDC: anything larger is a typo
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class BudgetView:
    """One symbol's budget after /budget, with the isolated margin it holds now."""

    symbol: str
    base: str
    budget: Decimal | None  # None: switched off
    margin: Decimal | None  # None: no isolated position
    left: Decimal | None  # what a top-up may still add (None: no budget)


class RiskService:
    def __init__(
        self, storage: Storage, trading: TradingService, markets: MarketDirectory, clock: Clock,
    ) -> None:  # fmt: skip
        self._storage, self._trading, self._markets, self._clock = storage, trading, markets, clock
        self._writes, self._reads = BudgetStore(storage.db), BudgetStore(storage.reader)

    # ---- /risk ---------------------------------------------------------------------------
    async def figures(self, chat_id: int) -> RiskBudget:
        """Every position's margin, share of equity and distance, the cross exposure, totals."""
        positions = [v.position for v in await self._trading.positions()]
        balance = await self._trading.balance()
        budgets = await self._storage.read(self._reads.all, chat_id)
        return risk_budget(balance.account, positions, budgets)

    # ---- /budget -------------------------------------------------------------------------
    async def budgets(self, chat_id: int) -> dict[str, Decimal]:
        return await self._storage.read(self._reads.all, chat_id)

    async def budget(self, chat_id: int, symbol: str) -> Decimal | None:
        return await self._storage.read(self._reads.get, chat_id, symbol)

    async def set_budget(self, chat_id: int, symbol_text: str, amount: Decimal | None
                         ) -> BudgetView:  # fmt: skip
        """Set (or with None remove) the chat's budget for a symbol; the view shows what it
        leaves for the isolated position now."""
        market = await self._markets.resolve(symbol_text)
        if amount is not None:
            if amount <= 0:
                raise UserInputError("a budget must be more than 0 USDC, or off")
            if amount > MAX_BUDGET:
                raise UserInputError(f"a budget can be at most {MAX_BUDGET:,} USDC")
            if amount != amount.quantize(CENT):
                raise UserInputError("a budget is in whole cents, e.g. 150 or 150.25")
        await self._storage.write(self._writes.set, chat_id, market.symbol, amount,
                                  self._clock.time())  # fmt: skip
        view = await self._trading.position(market.symbol, MarginMode.ISOLATED)
        margin = view.position.margin if view is not None else None
        left = budget_left(amount, margin if margin is not None else Decimal(0))
        return BudgetView(market.symbol, market.base, amount, margin, left)

    # ---- the cap on top-ups ----------------------------------------------------------------
    async def left(self, chat_id: int, symbol: str, margin: Decimal) -> Decimal | None:
        """What the symbol's budget still lets a top-up add (None: no budget)."""
        return budget_left(await self.budget(chat_id, symbol), margin)

    async def check_margin_add(self, chat_id: int, symbol_text: str, amount: Decimal
                               ) -> BudgetCheck | None:  # fmt: skip
        """/margin add against the budget (None: no budget, or no isolated position to add
        to, which the margin quote then refuses); refused (UserInputError, nothing sent)
        when the budget leaves nothing. A capped check's `allowed` is what may be added."""
        market = await self._markets.resolve(symbol_text)
        budget = await self.budget(chat_id, market.symbol)
        if budget is None:
            return None
        view = await self._trading.position(market.symbol, MarginMode.ISOLATED)
        if view is None:
            return None
        check = check_topup(amount, view.position.margin, budget)
        if check.refused:
            raise UserInputError(refusal(market.base, check))
        return check

    async def check_press(self, approval: Approval) -> None:
        """Press-time check of a margin add or top-up against the budget as it is now."""
        change = MarginChange.from_json(approval.action)
        if change.action is not MarginAction.ADD:
            return
        symbol = change.expect.symbol
        check = check_topup(change.amount, change.expect.margin,
                            await self.budget(approval.chat_id, symbol))  # fmt: skip
        if check.capped:
            raise UserInputError(refusal(base_of(symbol), check))


def refusal(base: str, check: BudgetCheck) -> str:
    """Why a top-up is refused, with the figures."""
    assert check.budget is not None
    head = (f"the {base} budget is {_cents(check.budget)} USDC and the isolated margin is "
            f"already {_cents(check.margin)} USDC")
    if check.refused:
        return f"{head}: nothing more may be added (/budget {base} to change it); nothing was sent"
    return (f"{head}: at most {_cents(check.left)} USDC may be added, not {check.requested} "
            f"(/budget {base} to change it); nothing was sent")


def _cents(value: Decimal | None) -> str:
    """USDC to the cent, rounded down (a margin of 124.8495 shows as 124.84)."""
    return "—" if value is None else f"{value.quantize(CENT, rounding=ROUND_FLOOR):,}"
