"""The frozen data a picture is drawn from. Prices and amounts stay Decimal until drawn."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MarkChart:
    """`/chart SYMBOL WINDOW`: the mark path and the position's levels."""

    title: str  # e.g. "ETH isolated long 0.5 · last 1h"
    points: tuple[tuple[float, Decimal], ...]  # (epoch seconds, mark), oldest first
    entry: Decimal | None = None
    liq: Decimal | None = None
    warning_edge: Decimal | None = None  # the mark where the warning zone starts
    critical_edge: Decimal | None = None  # the mark where the critical zone starts
    topup_liq: Decimal | None = None  # the liquidation price the suggested top-up reaches
    topup_label: str = ""  # e.g. "liq after +57.23 USDC"
    utc_offset_label: str = "UTC"


@dataclass(frozen=True, slots=True)
class BudgetBar:
    """One isolated position (or the cross positions) in the budget picture."""

    label: str  # e.g. "ETH"
    margin: Decimal  # margin held (= its maximum loss for an isolated position)
    budget: Decimal | None = None  # the /budget cap, when set
    share_pct: Decimal | None = None  # margin as % of equity


@dataclass(frozen=True, slots=True)
class BudgetChart:
    """`/risk picture`: the margin each position holds against its budget and the equity."""

    title: str
    bars: tuple[BudgetBar, ...]
    equity: Decimal
