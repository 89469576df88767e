"""Drawing: frozen chart data → PNG bytes, with matplotlib's object API (no pyplot state).

Each call builds its own Figure on its own Agg canvas, so calls in different threads share
nothing. The picture is 1000 × 600 px on a light neutral grey with dark, large text: Telegram
shows a photo as it is, and this reads on a phone in its dark and its light theme alike.
matplotlib is imported inside the functions: importing it costs about a second.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from bot.charts.model import BudgetChart, MarkChart

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 6.0, 100  # 1000 × 600 px
BACKGROUND = "#e9ecef"  # neutral: neither white on a dark theme nor dark on a light one
INK = "#16191d"
GRID = "#c3c8ce"
MARK = "#1558c0"
ENTRY = "#495057"
LIQ = "#c92a2a"
CRITICAL = "#f03e3e"
WARNING = "#f59f00"
TOPUP = "#2b8a3e"
BUDGET = "#16191d"
FONT = 15


def _figure() -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1, facecolor=BACKGROUND)
    ax.tick_params(colors=INK, labelsize=FONT)
    for spine in ax.spines.values():
        spine.set_color(GRID)
    ax.grid(True, color=GRID, linewidth=0.8)
    return fig, ax


def _png(fig: Any) -> bytes:
    out = io.BytesIO()
    fig.canvas.print_png(out)  # the figure's own size: never "tight" (the size is promised)
    return out.getvalue()


def _f(value: Decimal) -> float:
    return float(value)  # drawing only: no money is computed from a float


def mark_chart_png(chart: MarkChart) -> bytes:
    """The mark path with entry, liquidation price, the warning/critical bands, top-up target."""
    fig, ax = _figure()
    ax.set_title(chart.title, color=INK, fontsize=FONT + 3, loc="left")
    levels = [v for v in (chart.entry, chart.liq, chart.topup_liq, chart.warning_edge)
              if v is not None]  # fmt: skip
    prices = [_f(p) for _, p in chart.points] + [_f(v) for v in levels]
    if chart.points:
        last = chart.points[-1][0]
        span = last - chart.points[0][0]
        unit, label = (60.0, "minutes ago") if span <= 2 * 3600 else (3600.0, "hours ago")
        xs = [(t - last) / unit for t, _ in chart.points]
        ax.plot(xs, [_f(p) for _, p in chart.points], color=MARK, linewidth=2.5, label="mark")
        ax.plot(xs[-1:], [_f(chart.points[-1][1])], "o", color=MARK, markersize=8)
        ax.set_xlabel(label, color=INK, fontsize=FONT)
    else:
        ax.text(0.5, 0.5, "no mark history yet", transform=ax.transAxes, ha="center",
                color=INK, fontsize=FONT + 2)  # fmt: skip
    if chart.liq is not None and chart.critical_edge is not None:
        ax.axhspan(_f(chart.liq), _f(chart.critical_edge), color=CRITICAL, alpha=0.22,
                   label="critical zone")  # fmt: skip
        if chart.warning_edge is not None:
            ax.axhspan(_f(chart.critical_edge), _f(chart.warning_edge), color=WARNING,
                       alpha=0.22, label="warning zone")  # fmt: skip
    if chart.entry is not None:
        ax.axhline(_f(chart.entry), color=ENTRY, linestyle="--", linewidth=2, label="entry")
    if chart.liq is not None:
        ax.axhline(_f(chart.liq), color=LIQ, linewidth=2.5, label="liquidation")
    if chart.topup_liq is not None:
        ax.axhline(_f(chart.topup_liq), color=TOPUP, linestyle=":", linewidth=2.5,
                   label=chart.topup_label or "top-up target")  # fmt: skip
    if prices:
        low, high = min(prices), max(prices)
        pad = (high - low) * 0.08 or abs(high) * 0.01 or 1.0
        ax.set_ylim(low - pad, high + pad)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=FONT - 2, facecolor=BACKGROUND, edgecolor=GRID,
                  labelcolor=INK, framealpha=0.9)  # fmt: skip
    fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.13)
    return _png(fig)


def budget_chart_png(chart: BudgetChart) -> bytes:
    """One bar per position: the margin it holds (its maximum loss) and its budget."""
    fig, ax = _figure()
    ax.set_title(chart.title, color=INK, fontsize=FONT + 3, loc="left")
    bars = chart.bars
    if not bars:
        ax.text(0.5, 0.5, "no open positions", transform=ax.transAxes, ha="center",
                color=INK, fontsize=FONT + 2)  # fmt: skip
        ax.set_yticks([])
        return _png(fig)
    ys = list(range(len(bars)))[::-1]  # the first bar on top
    margins = [_f(b.margin) for b in bars]
    ax.barh(ys, margins, color=MARK, height=0.6, label="margin (max loss)")
    top = max(margins + [_f(b.budget) for b in bars if b.budget is not None]) or 1.0
    for y, b in zip(ys, bars, strict=True):
        if b.budget is not None:
            over = b.margin > b.budget
            ax.plot([_f(b.budget)] * 2, [y - 0.4, y + 0.4], color=LIQ if over else BUDGET,
                    linewidth=4)  # fmt: skip
        text = f"{b.margin:,.2f}" + (f" / {b.budget:,.2f}" if b.budget is not None else "")
        if b.share_pct is not None:
            text += f" USDC · {b.share_pct:.1f} %"
        ax.text(top * 1.02, y, text, va="center", color=INK, fontsize=FONT - 1)
    ax.plot([], [], color=BUDGET, linewidth=4, label="budget")
    ax.set_yticks(ys, [b.label for b in bars])
    ax.set_xlim(0, top * 1.75)
    ax.set_xlabel(f"USDC · equity {chart.equity:,.2f}", color=INK, fontsize=FONT)
    fig.legend(loc="upper right", ncols=2, fontsize=FONT - 2, facecolor=BACKGROUND,
               edgecolor=GRID, labelcolor=INK)  # fmt: skip
    fig.subplots_adjust(left=0.14, right=0.97, top=0.86, bottom=0.13)
    return _png(fig)
