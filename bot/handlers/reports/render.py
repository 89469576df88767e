"""Replies of /pnl, /daily and /tz, and the morning summary. Pure, no Telegram.

USDC to the cent; a fee or funding paid shows as a cost (−), funding received as a gain (+).
"""

from __future__ import annotations

from datetime import time, tzinfo
from zoneinfo import ZoneInfo

from bot.domain.pnl import PnlLine, PnlReport
from bot.domain.records import DailySchedule
from bot.domain.symbols import base_of
from bot.domain.windows import Span, local_now
from bot.handlers import fmt
from bot.handlers.fmt import esc
from bot.services.reports.pnl import DailySummary

SPAN_TITLES = {
    Span.TODAY: "today", Span.DAY: "last 24 h", Span.WEEK: "last 7 days",
    Span.MONTH: "last 30 days",
}
NOTE = "Realized PnL is before fees; funding is already in the realized and open PnL."


def _zone(zone: tzinfo) -> str:
    return esc(zone.key if isinstance(zone, ZoneInfo) else str(zone))


def _since(report: PnlReport, zone: tzinfo) -> str:
    start = local_now(report.window.start_ms, zone)
    return f"since {start:%Y-%m-%d %H:%M} {_zone(zone)}"


def _figures(line: PnlLine) -> list[tuple[str, str]]:
    return [
        ("Realized", fmt.pnl(line.realized)),
        ("Fees", fmt.pnl(-line.fees)),
        ("Net realized", fmt.pnl(line.net)),
        ("Funding", fmt.pnl(-line.funding)),
        ("Open (unrealized)", fmt.pnl(line.unrealized)),
        ("Fills", str(line.fills)),
    ]


def pnl_report(report: PnlReport, zone: tzinfo) -> str:
    """A table per symbol (net realized, funding, open) and the totals, or the one symbol."""
    what = base_of(report.symbol) if report.symbol else "all symbols"
    head = (f"<b>PnL · {esc(what)} · {SPAN_TITLES[report.window.span]}</b>\n"
            f"{_since(report, zone)}")
    if report.empty:
        return f"{head}\nNo fills, funding or open positions in this window."
    parts = [head]
    if report.symbol is None and len(report.lines) > 1:
        rows = [("Symbol", "Net", "Funding", "Open")]
        rows += [(base_of(x.symbol), fmt.pnl(x.net), fmt.pnl(-x.funding), fmt.pnl(x.unrealized))
                 for x in report.lines]  # fmt: skip
        parts.append(fmt.table(rows, "lrrr"))
    title = "Total" if report.symbol is None else base_of(report.symbol)
    parts.append(f"<b>{esc(title)}</b> (USDC)\n" + fmt.table(_figures(report.total), "lr"))
    if report.total.unknown_realized:
        parts.append(f"⚠️ {report.total.unknown_realized} fill(s) came without realized PnL "
                     "(Orderly reports it for recent fills only); counted as 0.")
    parts.append(f"<i>{NOTE}</i>")
    return "\n".join(parts)


def daily_summary(summary: DailySummary) -> str:
    """The morning summary: positions and their distance to liquidation, the last day's PnL."""
    zone, report = summary.zone, summary.report
    parts = [f"☀️ <b>Daily summary</b> · {_zone(zone)}"]
    if summary.positions:
        rows = [("Position", "Mark", "Liq", "Dist.")]
        for view in summary.positions:
            p, market = view.position, view.market
            side = "L" if p.position_qty > 0 else "S"
            name = f"{market.base} {side} {fmt.mode(p.margin_mode)[:3]}"
            rows.append((name, fmt.price(p.mark_price, market),
                         fmt.price(p.est_liq_price, market), fmt.pct(view.distance)))
        parts.append(fmt.table(rows, "lrrr"))
    else:
        parts.append("No open positions.")
    total = report.total
    parts.append(f"<b>Last 24 h</b> (USDC), {_since(report, zone)}\n" + fmt.table([
        ("Net realized", fmt.pnl(total.net)),
        ("Fees", fmt.pnl(-total.fees)),
        ("Funding", fmt.pnl(-total.funding)),
        ("Open (unrealized)", fmt.pnl(total.unrealized)),
    ], "lr"))  # fmt: skip
    parts.append("/pnl for more · /daily off to stop")
    return "\n".join(parts)


def _hhmm(at: time) -> str:
    return f"{at:%H:%M}"


def daily_settings(schedule: DailySchedule | None, zone: tzinfo, *, changed: bool = False) -> str:
    if schedule is None:
        text = "No daily summary." if not changed else "✅ Daily summary off."
        return f"{text} /daily HH:MM sends one every morning at your local time."
    lead = "✅ Daily summary set" if changed else "Daily summary"
    return (f"{lead}: every day at {_hhmm(schedule.at)} ({_zone(zone)}): positions, distance "
            "to liquidation, the last 24 h of PnL and funding. /daily off stops it.")


def zone_settings(zone: tzinfo, now_ms: int, *, changed: bool = False) -> str:
    local = local_now(now_ms, zone)
    lead = "✅ Time zone set to" if changed else "Time zone:"
    return (f"{lead} <b>{_zone(zone)}</b> (now {local:%H:%M}, UTC{local:%z}). "
            "/pnl today and /daily use it.")
