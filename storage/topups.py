"""Top-up totals for the per-day cap, derived from approvals (no second ledger to drift).

"Per day" is a rolling 24 h window ending at `now`: no midnight reset to game. A top-up counts
from the moment it is claimed unless it is known to have failed: `executing` and `unknown` may
have moved money, so they count until reconciled.
"""

from __future__ import annotations

from decimal import Decimal

from sqlite_utils import Database

DAY_SECONDS = 86_400.0
TOPUP_KINDS = ("topup",)
_COUNTED_STATES = ("executing", "unknown", "done")


class TopupLedger:
    """Sums the `amount` of claimed top-up approvals per chat."""

    def __init__(self, db: Database, kinds: tuple[str, ...] = TOPUP_KINDS) -> None:
        self._db = db
        self._kinds = kinds

    def spent(
        self,
        chat_id: int,
        now: float,
        window_seconds: float = DAY_SECONDS,
        exclude_token: str | None = None,
    ) -> Decimal:
        """USDC topped up in this chat in the window ending at `now` (minus `exclude_token`)."""
        kinds = ", ".join("?" for _ in self._kinds)
        states = ", ".join("?" for _ in _COUNTED_STATES)
        rows = self._db.query(
            f"SELECT amount FROM approvals WHERE chat_id = ? AND kind IN ({kinds})"
            f" AND state IN ({states}) AND claimed_at > ? AND amount IS NOT NULL"
            " AND token IS NOT ?",
            [chat_id, *self._kinds, *_COUNTED_STATES, now - window_seconds, exclude_token],
        )
        return sum((Decimal(r["amount"]) for r in rows), Decimal(0))

    def headroom(
        self,
        chat_id: int,
        per_day_cap: Decimal | None,
        now: float,
        exclude_token: str | None = None,
    ) -> Decimal | None:
        """What the per-day cap still allows (never negative); None when the cap is off."""
        if per_day_cap is None:
            return None
        left = per_day_cap - self.spent(chat_id, now, exclude_token=exclude_token)
        return max(left, Decimal(0))
