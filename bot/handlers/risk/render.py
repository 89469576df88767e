"""Replies of /risk, /budget and /chart, and the budget's part of top-up cards. Telegram HTML."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.domain.budget import BudgetCheck
from bot.domain.models import MarketInfo
from bot.domain.risk import IsolatedRisk, RiskBudget
from bot.domain.symbols import base_of
from bot.handlers import fmt
from bot.handlers.alerts.alert_text import topup_line
from bot.handlers.fmt import esc
from bot.services.risk.budget import BudgetView
from bot.services.risk.charts import MarkChartFacts


def _share(value: Decimal | None) -> str:
    return fmt.pct(value) if value is not None else fmt.DASH


def _isolated_block(r: IsolatedRisk, market: MarketInfo | None) -> str:
    head = (f"<b>{esc(base_of(r.symbol))}</b> {esc(fmt.side_qty(r.position_qty, market))} · "
            f"{fmt.leverage(r.leverage)}")  # fmt: skip
    rows = [
        ("margin = max loss", f"{fmt.usdc(r.margin)} USDC"),
        ("share of equity", _share(r.share)),
        ("distance to liq", fmt.pct(r.distance)),
        ("liq / mark", f"{fmt.price(r.liq_price, market)} / {fmt.price(r.mark, market)}"),
    ]
    if r.budget is not None:
        left = ("over by " + fmt.usdc(r.over_budget)) if r.over_budget > 0 else (
            f"{fmt.usdc(r.budget_left)} left")  # fmt: skip
        rows.append(("budget", f"{fmt.usdc(r.budget)} · {left}"))
    return head + "\n" + fmt.table(rows, "lr")


def risk_screen(r: RiskBudget, markets: Mapping[str, MarketInfo]) -> str:
    """The whole budget on one phone-width screen."""
    parts = [f"<b>Risk budget</b> · equity {fmt.usdc(r.equity)} USDC"]
    if r.isolated:
        parts.append("<i>Isolated: each position can lose at most its margin.</i>")
        parts.extend(_isolated_block(i, markets.get(i.symbol)) for i in r.isolated)
    else:
        parts.append("No isolated positions.")
    c = r.cross
    cross_rows = [
        ("cross positions", str(c.positions)),
        ("notional", f"{fmt.usdc(c.notional)} USDC"),
        ("margin used (IM)", f"{fmt.usdc(c.margin_used)} USDC"),
        ("share of equity", _share(c.share)),
        ("unsettled PnL", fmt.pnl(c.unsettled_pnl)),
    ]
    parts.append("<b>Cross exposure</b>\n" + fmt.table(cross_rows, "lr"))
    totals = [
        ("isolated margin", f"{fmt.usdc(r.isolated_margin)} USDC"),
        ("  of equity", _share(r.isolated_share)),
        ("margin in use", f"{fmt.usdc(r.margin_in_use)} USDC"),
        ("  of equity", _share(r.margin_share)),
        ("free collateral", f"{fmt.usdc(r.free_collateral)} USDC"),
    ]
    parts.append("<b>Totals</b>\n" + fmt.table(totals, "lr"))
    held = {i.symbol for i in r.isolated}
    idle = [f"{esc(base_of(s))} {fmt.usdc(b)}" for s, b in r.budgets if s not in held]
    if idle:
        parts.append("Budgets without a position: " + ", ".join(idle) + " USDC")
    parts.append("<code>/risk picture</code> · <code>/budget SYMBOL USDC|off</code>")
    return "\n\n".join(parts)


def budget_caption(r: RiskBudget) -> str:
    return (f"<b>Risk budget</b> · equity {fmt.usdc(r.equity)} USDC · isolated margin "
            f"{fmt.usdc(r.isolated_margin)} USDC ({_share(r.isolated_share)})")


def budgets_list(budgets: Mapping[str, Decimal]) -> str:
    if not budgets:
        return ("No budgets set. <code>/budget ETH 150</code> caps the isolated margin ETH may "
                "hold: top-ups beyond it are cut to what is left, or refused.")
    rows = [(base_of(s), f"{fmt.usdc(b)} USDC") for s, b in sorted(budgets.items())]
    return "<b>Budgets</b> (isolated margin each symbol may hold)\n" + fmt.table(rows, "lr")


def budget_set(v: BudgetView) -> str:
    base = esc(v.base)
    if v.budget is None:
        return f"Budget for {base} off: only the exchange and /limits bound its top-ups."
    text = f"Budget for {base}: {fmt.usdc(v.budget)} USDC of isolated margin."
    if v.margin is None:
        return text + " No isolated position now."
    if v.margin > v.budget:
        return text + (f" The margin is already {fmt.usdc(v.margin)} USDC: nothing more may be "
                       "added (it is never taken away).")
    return text + (f" Margin now {fmt.usdc(v.margin)} USDC: top-ups may add "
                   f"{fmt.usdc(v.left)} USDC more.")


def capped_note(base: str, check: BudgetCheck) -> str:
    """The card's note when /margin add is cut to what the budget leaves."""
    return (f"Capped by the {base} budget ({fmt.usdc(check.budget)} USDC, margin now "
            f"{fmt.usdc(check.margin)}): {fmt.usdc(check.allowed)} of the "
            f"{fmt.exact(check.requested)} USDC asked.")


def chart_caption(f: MarkChartFacts) -> str:
    m = f.market
    head = (f"<b>{esc(m.base)}</b> mark, last {f.window}: {fmt.price(f.first, m)} → "
            f"{fmt.price(f.last, m)}")  # fmt: skip
    lines = [head]
    p = f.position
    if p is not None:
        lines.append(f"{fmt.mode(p.margin_mode)} {esc(fmt.side_qty(p.position_qty, m))} · entry "
                     f"{fmt.price(p.average_open_price, m)} · liq {fmt.price(p.est_liq_price, m)}"
                     f" ({fmt.pct(f.distance)} away)")  # fmt: skip
        if p.est_liq_price is not None:
            lines.append(f"Bands: warning ≤ {fmt.exact(f.warn_pct)} %, critical ≤ "
                         f"{fmt.exact(f.critical_pct)} % from liquidation")
        offer = topup_line(f.topup, m) if f.topup is not None else None
        if f.target_liq is not None:
            lines.append(f"Top-up target (green): liq {fmt.price(f.target_liq, m)}")
        if offer is not None:
            lines.append(offer)
    else:
        lines.append(f"No {esc(m.base)} position.")
    window = {"1h": 3600, "6h": 21600, "24h": 86400}[f.window]
    if f.covered_seconds < window * 0.9:
        lines.append(f"<i>History covers {int(f.covered_seconds // 60)} min: it is recorded "
                     "while the bot runs.</i>")
    return "\n".join(lines)
