"""Replies about leverage, default modes and open orders. Pure Telegram HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.models import LeverageSetting, MarginMode, MarketInfo, Order
from bot.domain.symbols import base_of
from bot.domain.views import BatchLeverageResult, LeveragePair
from bot.handlers import fmt
from bot.handlers.fmt import esc
from bot.services.trading.modes import DefaultMode


def leverage_pair(pair: LeveragePair, default: MarginMode | None = None) -> str:
    """`ETH leverage: isolated 10x · cross 5x (max 50x)`, and which mode is the default."""
    base = esc(base_of(pair.symbol))
    text = (
        f"<b>{base}</b> leverage: isolated <b>{fmt.leverage(pair.isolated)}</b>"
        f" · cross <b>{fmt.leverage(pair.cross)}</b> (max {fmt.leverage(pair.max_leverage)})"
    )
    if default is not None:
        text += f"\nDefault mode: {fmt.mode(default)} (/mode {base})"
    return text


def leverage_set(setting: LeverageSetting) -> str:
    """`✅ ETH isolated leverage is now 10x.`"""
    return (
        f"✅ {esc(base_of(setting.symbol))} {fmt.mode(setting.margin_mode)} leverage is now "
        f"<b>{fmt.leverage(setting.leverage)}</b>."
    )


def leverage_batch(result: BatchLeverageResult) -> str:
    """Which symbols changed (grouped by new leverage) and which were skipped, grouped by why."""
    mode = fmt.mode(result.mode)
    lines = [f"<b>{mode.capitalize()} leverage → {fmt.leverage(result.requested)}</b> for all"]
    if result.mode is MarginMode.CROSS:
        lines.append("Cross updates all symbols or none.")
    else:
        lines.append("Isolated skips symbols with an open isolated position or pending order.")
    by_leverage: dict[int, list[str]] = {}
    for s in result.changed:
        by_leverage.setdefault(s.leverage, []).append(base_of(s.symbol))
    if by_leverage:
        lines.append(f"✅ Changed ({len(result.changed)}):")
        for lev, bases in sorted(by_leverage.items(), reverse=True):
            capped = "" if lev == result.requested else " (their maximum)"
            lines.append(f"• {fmt.leverage(lev)}{capped}: {esc(', '.join(bases))}")
    else:
        lines.append("Nothing changed.")
    by_reason: dict[str, list[str]] = {}
    for symbol, reason in result.skipped:
        by_reason.setdefault(reason, []).append(base_of(symbol))
    if by_reason:
        lines.append(f"⏭ Skipped ({len(result.skipped)}):")
        for reason, bases in by_reason.items():
            lines.append(f"• {esc(reason)}: {esc(', '.join(bases))}")
    return "\n".join(lines)


def mode_show(default: DefaultMode) -> str:
    """`ETH default margin mode: isolated (the desk's default) …`."""
    base = esc(base_of(default.symbol))
    why = "set with /mode" if default.chosen else "the desk's default: nothing set yet"
    other = "cross" if default.mode is MarginMode.ISOLATED else "isolated"
    return (
        f"<b>{base}</b> default margin mode: <b>{fmt.mode(default.mode)}</b> ({why}).\n"
        f"Used by /buy, /sell, /close, /position and /leverage {base} N when they do not say "
        f"cross or isolated. Change it: <code>/mode {base} {other}</code>"
    )


def mode_set(default: DefaultMode) -> str:
    """`✅ ETH now defaults to isolated margin …`."""
    return (
        f"✅ {esc(base_of(default.symbol))} now defaults to <b>{fmt.mode(default.mode)}</b> "
        "margin in this chat (when a command does not say cross or isolated)."
    )


def order_line(order: Order, market: MarketInfo | None = None) -> str:
    """`#123 ETH BUY 0.50 @ 2,400.00 · isolated · NEW` (filled part shown as 0.20/0.50)."""
    size = fmt.qty(order.quantity, market)
    if order.executed_quantity:
        size = f"{fmt.qty(order.executed_quantity, market)}/{size}"
    where = "market" if order.price is None else f"@ {fmt.price(order.price, market)}"
    flags = " · reduce-only" if order.reduce_only else ""
    return (
        f"<code>#{order.order_id}</code> <b>{esc(base_of(order.symbol))}</b> "
        f"{order.side.value} {size} {where} · {fmt.mode(order.margin_mode)}{flags} · "
        f"{esc(order.status)}"
    )


def orders(items: Sequence[Order], markets: Mapping[str, MarketInfo]) -> str:
    """Open orders, one line each."""
    if not items:
        return "No open orders."
    lines = [f"<b>Open orders</b> ({len(items)})"]
    lines += [order_line(o, markets.get(o.symbol)) for o in items]
    return "\n".join(lines)


def cancel_done(order: Order, market: MarketInfo | None = None) -> str:
    """`✅ Cancelled #123 ETH BUY 0.50 @ 2,400.00 · isolated`."""
    return f"✅ Cancelled {order_line(order, market).rsplit(' · ', 1)[0]}"


def cancel_all_done(count: int, symbol: str | None) -> str:
    """How many open orders were cancelled (of one symbol, or of all)."""
    which = f"{esc(base_of(symbol.upper()))} " if symbol else ""
    if count == 0:
        return f"No open {which}orders to cancel."
    noun = "order" if count == 1 else "orders"
    scope = "" if symbol else " across all symbols"
    return f"✅ Cancelled {count} open {which}{noun}{scope}."
