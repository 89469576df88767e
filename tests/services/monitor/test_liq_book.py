"""The monitor's position book."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import MarginMode

D = Decimal


def test_alert_position_carries_pnl_at_the_current_mark() -> None:
    """The alert's unsettled PnL follows the mark, not the figure of the last position push."""
    from bot.domain.models import Position
    from bot.services.monitor.liq_book import LiqBook

    book = LiqBook()
    row = Position(
        "PERP_ETH_USDC", MarginMode.ISOLATED, Decimal(1), Decimal(2500), Decimal(2500),
        Decimal(2500), Decimal("2262.58"), Decimal(0), Decimal(0), Decimal("0.1"),
        Decimal("0.006"), 10, Decimal("251.5"),
    )
    book.upsert(row)
    book.set_mark("PERP_ETH_USDC", Decimal(2315), 0.0)
    view = book.view(row.key)
    assert (view.mark_price, view.unsettled_pnl) == (Decimal(2315), Decimal(-185))
