"""Replies that read the account: positions, one position, balance. Pure Telegram HTML."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.domain.models import MarginAction, MarginMode, Position
from bot.domain.symbols import base_of
from bot.domain.views import BalanceView, PositionView
from bot.handlers import fmt
from bot.handlers.fmt import esc


def _header(p: Position, view: PositionView) -> str:
    """`<b>ETH</b> isolated · LONG 1.00 · 10x`."""
    return (
        f"<b>{esc(view.market.base)}</b> {fmt.mode(p.margin_mode)} · "
        f"{esc(fmt.side_qty(p.position_qty, view.market))} · {fmt.leverage(p.leverage)}"
    )


def _isolated_margin(p: Position) -> str:
    return fmt.usdc(p.margin) if p.margin_mode is MarginMode.ISOLATED else fmt.DASH


def positions(views: Sequence[PositionView]) -> str:
    """Every open position: a header line and a compact phone-width block each."""
    if not views:
        return "No open positions."
    parts = [f"<b>Open positions</b> ({len(views)})"]
    for view in views:
        p, market = view.position, view.market
        rows = [
            ("entry", fmt.price(p.average_open_price, market)),
            ("mark", fmt.price(p.mark_price, market)),
            ("est. liq", fmt.price(p.est_liq_price, market)),
            ("distance", fmt.pct(view.distance)),
            ("iso. margin", _isolated_margin(p)),
            ("unsettled PnL", fmt.pnl(p.unsettled_pnl)),
        ]
        parts.append(_header(p, view) + "\n" + fmt.table(rows, "lr"))
    return "\n\n".join(parts)


def position(view: PositionView) -> str:
    """One position with every field of Orderly's isolated margin guide, plus the distance."""
    p, market = view.position, view.market
    rows = [
        ("margin_mode", p.margin_mode.value),
        ("position_qty", fmt.side_qty(p.position_qty, market)),
        ("leverage", fmt.leverage(p.leverage)),
        ("margin", _isolated_margin(p)),
        ("entry", fmt.price(p.average_open_price, market)),
        ("mark", fmt.price(p.mark_price, market)),
        ("est_liq_price", fmt.price(p.est_liq_price, market)),
        ("distance to liq", fmt.pct(view.distance)),
        ("unsettled_pnl", fmt.pnl(p.unsettled_pnl)),
        ("imr", fmt.pct(p.imr)),
        ("mmr", fmt.pct(p.mmr)),
        ("notional", fmt.usdc_est(p.notional)),
    ]
    head = f"<b>{esc(market.base)} {fmt.mode(p.margin_mode)}</b> · <code>{esc(p.symbol)}</code>"
    return head + "\n" + fmt.table(rows, "lr")


def position_missing(symbol: str, mode: MarginMode, other: MarginMode | None = None) -> str:
    """`No isolated ETH position.`, naming a position held in the `other` mode."""
    base = esc(base_of(symbol))
    text = f"No {fmt.mode(mode)} {base} position."
    if other is not None:
        text += (f" You hold a {fmt.mode(other)} {base} position: "
                 f"<code>/position {base} {fmt.mode(other)}</code>")
    return text


def balance(view: BalanceView) -> str:
    """USDC holding, frozen, free collateral, isolated margin and order-frozen, total."""
    h, a = view.holding, view.account
    rows = [
        ("holding", fmt.usdc(h.holding)),
        ("frozen", fmt.usdc(h.frozen)),
        ("free collateral", fmt.usdc(a.free_collateral)),
        ("isolated margin", fmt.usdc(h.isolated_margin)),
        ("isolated order frozen", fmt.usdc(h.isolated_order_frozen)),
        ("total collateral", fmt.usdc(a.total_collateral_value)),
    ]
    return f"<b>Balance</b> ({esc(h.token)})\n" + fmt.table(rows, "lr")


def margin_hint(view: PositionView, action: MarginAction, allowed: Decimal) -> str:
    """What to type to add or reduce this position's margin, with the most allowed now."""
    p, market = view.position, view.market
    verb = "add" if action is MarginAction.ADD else "reduce"
    base = esc(market.base)
    return (
        f"To {verb} margin on {base} isolated, send <code>/margin {verb} {base} AMOUNT</code>.\n"
        f"At most {fmt.usdc_max(allowed)} USDC now. Margin {fmt.usdc(p.margin)} USDC, "
        f"liq price {fmt.price(p.est_liq_price, market)} ({fmt.pct(view.distance)} away)."
    )
