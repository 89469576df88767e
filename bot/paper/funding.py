"""The account's funding payments (GET /v1/funding_fee/history), one row per position and
funding epoch, in Orderly's shape and sign: `funding_fee` > 0 is paid, < 0 received.

The paper accrues funding into the position (sum_unitary_funding, folded into cost_position on
the next fill, as Orderly does), so each row is "Accrued": the payment is already in the
position's unsettled PnL and in the realized PnL of the fill that closes it.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import FundingFee
from bot.paper.state import State

KEEP = 1000  # rows kept per account; older ones drop off


def record(state: State, symbol: str, delta_suf: Decimal, rate: Decimal, now: int) -> None:
    """One row for every open position on `symbol`: fee = qty · Δsum_unitary_funding."""
    mark = state.marks[symbol]
    for acct in state.accounts.values():
        for (sym, _mode), pos in acct.positions.items():
            if sym != symbol or pos.qty == 0:
                continue
            fee = pos.qty * delta_suf
            row = FundingFee(
                symbol=symbol, funding_rate=rate, mark_price=mark, funding_fee=fee,
                payment_type="Pay" if fee > 0 else "Receive", status="Accrued",
                created_time=now, updated_time=now,
            )  # fmt: skip
            rows = state.funding.setdefault(acct.account_id, [])
            rows.append(row)
            del rows[:-KEEP]


def history(
    state: State, account_id: str, symbol: str | None = None, start: int | None = None,
    end: int | None = None,
) -> list[FundingFee]:  # fmt: skip
    """The account's funding rows in [start, end] (ms, both optional), newest first."""
    return [
        f for f in reversed(state.funding.get(account_id, []))
        if (symbol is None or f.symbol == symbol)
        and (start is None or f.created_time >= start)
        and (end is None or f.created_time <= end)
    ]  # fmt: skip
