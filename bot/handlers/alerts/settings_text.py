"""Replies of /alert, /limits and /snooze as Telegram HTML, every interpolation escaped. Pure."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.records import SymbolOverride, ThresholdPercents
from bot.domain.symbols import base_of
from bot.handlers import fmt
from bot.handlers.alerts.alert_text import utc_clock
from bot.handlers.fmt import esc
from bot.services.monitor.alert_views import (
    AlertOverview,
    LimitsView,
    SnoozeResult,
    ThresholdChange,
    WatchedPosition,
)


def pct_points(value: Decimal) -> str:
    """Decimal('2.50') -> `2.5 %`."""
    return f"{fmt.plain(value)} %"


def _levels(t: ThresholdPercents) -> str:
    return f"warning {pct_points(t.warn_pct)} · critical {pct_points(t.critical_pct)}"


def _state(w: WatchedPosition) -> str:
    d, t = w.view.distance, w.thresholds
    if not t.enabled:
        return "off"
    if d is None:
        return "—"
    if d * 100 <= t.critical_pct:
        return "CRITICAL"
    return "WARNING" if d * 100 <= t.warn_pct else "ok"


def _row(w: WatchedPosition) -> tuple[str, str, str, str, str]:
    p, t = w.view.position, w.thresholds
    side = "LONG" if p.position_qty > 0 else "SHORT"
    levels = f"{fmt.plain(t.warn_pct)}/{fmt.plain(t.critical_pct)}"
    return (base_of(p.symbol), side, fmt.pct(w.view.distance), levels, _state(w))


def _override(o: SymbolOverride) -> str:
    if not o.enabled:
        return f"{esc(base_of(o.symbol))} off"
    levels = "/".join(fmt.plain(v) if v is not None else "default"
                      for v in (o.warn_pct, o.critical_pct))
    return f"{esc(base_of(o.symbol))} {esc(levels)} %"


def _cap(value: Decimal | None) -> str:
    return "off" if value is None else f"{fmt.usdc_typed(value)} USDC"


def overview(o: AlertOverview) -> str:
    """/alert: levels, every isolated position's distance now, overrides, snoozes, caps."""
    lines = ["<b>Liquidation alerts</b> (distance from mark to liq price)",
             f"Default: {_levels(o.default)}"]
    if o.overrides:
        lines.append("Per symbol: " + " · ".join(_override(x) for x in o.overrides))
    if o.positions:
        header = ("symbol", "side", "distance", "alerts", "state")
        lines.append(fmt.table([header, *(_row(w) for w in o.positions)], "llrrl"))
    else:
        lines.append("No isolated position is open, so nothing is being watched.")
    snoozed = [w for w in o.positions if w.snooze_until is not None]
    for w in snoozed:
        assert w.snooze_until is not None
        lines.append(f"😴 {esc(base_of(w.view.position.symbol))} snoozed until "
                     f"{utc_clock(w.snooze_until)}")
    lines.append(f"Top-up caps: per action {_cap(o.limits.per_action)} · "
                 f"per day {_cap(o.limits.per_day)} (/limits)")
    lines.append("<i>Change: /alert ETH 8 4 · /alert default 5 2.5 · /alert ETH off</i>")
    return "\n".join(lines)


def thresholds_set(change: ThresholdChange) -> str:
    """The reply to `/alert default|SYMBOL WARN [CRITICAL]`."""
    t = change.thresholds
    where = (f"for {esc(base_of(change.symbol))}" if change.symbol
             else "by default (every symbol without its own levels)")
    text = (f"✅ Alerts {where}: warning at {pct_points(t.warn_pct)} and critical at "
            f"{pct_points(t.critical_pct)} from liquidation.")
    if not change.critical_given:
        text += " <i>(critical level not given: it was kept, or set to half the warning)</i>"
    if change.symbol and not t.enabled:
        text += f"\n🔕 Alerts for {esc(base_of(change.symbol))} are still off: " \
                f"/alert {esc(base_of(change.symbol))} on"
    return text


def toggled(change: ThresholdChange) -> str:
    """The reply to `/alert SYMBOL on|off`."""
    base = esc(base_of(change.symbol or ""))
    t = change.thresholds
    if t.enabled:
        return f"🔔 Alerts for {base} are on ({_levels(t)})."
    return f"🔕 Alerts for {base} are off. <code>/alert {base} on</code> resumes them."


def snoozed(result: SnoozeResult) -> str:
    """The reply to `/snooze SYMBOL DURATION|off`."""
    base = esc(base_of(result.symbol))
    if result.until is None:
        return f"🔔 Snooze for {base} cleared: reminders are back on schedule."
    return (f"😴 {base} isolated reminders snoozed until {utc_clock(result.until)}. "
            "An escalation to critical, or a critical distance halving, still alerts. "
            "<code>/snooze "
            f"{base} off</code> ends it.")


def limits(view: LimitsView, changed: bool = False) -> str:
    """/limits: the one-tap top-up caps and what the last 24 h used."""
    head = "✅ Top-up caps set." if changed else "<b>One-tap top-up caps</b>"
    day = _cap(view.per_day)
    if view.per_day is not None and view.headroom is not None:
        day += (f" ({fmt.usdc(view.spent_24h)} used in the last 24 h, "
                f"{fmt.usdc_max(view.headroom)} left)")
    return "\n".join([
        head,
        f"Per action: {_cap(view.per_action)}",
        f"Per day: {day}",
        "<i>Off: only what the exchange lets the position take. "
        "Set with /limits 200 1000 · /limits off off</i>",
    ])
