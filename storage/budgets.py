"""Per-chat risk budget per symbol (`/budget SYMBOL USDC|off`): the isolated margin it may hold.

Amounts are TEXT (exact Decimal). A symbol without a row has no budget.
"""

from __future__ import annotations

from decimal import Decimal

from sqlite_utils import Database


class BudgetStore:
    """Reads and writes the `budgets` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, chat_id: int, symbol: str) -> Decimal | None:
        rows = list(self._db.query(
            "SELECT amount FROM budgets WHERE chat_id = ? AND symbol = ?", [chat_id, symbol]
        ))
        return Decimal(rows[0]["amount"]) if rows else None

    def all(self, chat_id: int) -> dict[str, Decimal]:
        """Every budget of the chat, by symbol."""
        rows = self._db.query(
            "SELECT symbol, amount FROM budgets WHERE chat_id = ? ORDER BY symbol", [chat_id]
        )
        return {str(r["symbol"]): Decimal(r["amount"]) for r in rows}

    def set(self, chat_id: int, symbol: str, amount: Decimal | None, now: float) -> None:
        """Set the budget (None removes it)."""
        if amount is None:
            self._db.execute("DELETE FROM budgets WHERE chat_id = ? AND symbol = ?",
                             [chat_id, symbol])  # fmt: skip
            return
        if amount <= 0:
            raise ValueError("a budget must be positive")
        self._db.execute(
            "INSERT INTO budgets (chat_id, symbol, amount, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id, symbol) DO UPDATE SET amount = excluded.amount,"
            " updated_at = excluded.updated_at",
            [chat_id, symbol, str(amount), now],
        )
