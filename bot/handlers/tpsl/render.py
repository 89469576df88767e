"""TP/SL and stop orders as Telegram HTML: their confirmation cards, /orders lines, cancels,
the result of a press, and the notice when one fires. Pure; every value escaped.

The TP/SL card shows the PnL at each trigger (price PnL, before fees and funding) and warns
when the stop-loss sits beyond the estimated liquidation price: the position would be
liquidated before the mark reached it, so it can never fire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.algo import AlgoExecution, AlgoOrder, AlgoOrderType, AlgoQuote, AlgoType
from bot.domain.models import MarketInfo
from bot.domain.symbols import base_of
from bot.handlers import fmt
from bot.handlers.fmt import esc
from bot.timing import DEFAULT_TIMINGS

Row = tuple[str, str]
LEG = {AlgoType.TAKE_PROFIT: "take-profit", AlgoType.STOP_LOSS: "stop-loss"}
KIND = {AlgoType.TP_SL: "TP/SL", AlgoType.POSITIONAL_TP_SL: "TP/SL (position)",
        AlgoType.STOP: "stop"}
NEVER_FIRES = ("⚠️ <b>This stop-loss can never fire</b>: it sits beyond the estimated "
               "liquidation price {liq}, so the position is liquidated before the mark reaches "
               "it. Set it closer, or add margin to move the liquidation price away.")


def _expiry(ttl_seconds: float) -> str:
    return f"<i>Valid {round(ttl_seconds)} s.</i>"


def tpsl_card(quote: AlgoQuote, market: MarketInfo,
              ttl_seconds: float = DEFAULT_TIMINGS.order_approval_ttl) -> str:
    """`Confirm take-profit / stop-loss on ETH long 1 (isolated)`: triggers, PnL, liq."""
    r = quote.request
    names = " / ".join(LEG[leg.algo_type] for leg in quote.legs)
    side = "long" if quote.position_qty > 0 else "short"
    title = (f"<b>Confirm {names} on {esc(market.base)} {side} "
             f"{esc(fmt.qty(abs(quote.position_qty), market))}</b> ({fmt.mode(r.margin_mode)})")
    rows: list[Row] = [
        ("entry", fmt.price(quote.entry, market)),
        ("mark", fmt.price(quote.mark, market)),
        ("est. liq", fmt.price(quote.liq, market) if quote.liq else "none"),
    ]
    for leg in quote.legs:
        sign = "≥" if _at_or_above(leg.algo_type, quote) else "≤"
        short = "TP" if leg.algo_type is AlgoType.TAKE_PROFIT else "SL"
        rows.append((short, f"mark {sign} {fmt.price(leg.trigger_price, market)}"))
        rows.append((f"PnL at {short}", f"{fmt.pnl(leg.pnl)} USDC"))
    parts = [title, fmt.table(rows, "lr"),
             f"Closes {esc(fmt.qty(r.quantity, market))} {esc(market.base)} at market, "
             "reduce-only."]
    if quote.never_fires:
        parts.append(NEVER_FIRES.format(liq=esc(fmt.price(quote.liq, market))))
    notes = ["PnL before fees and funding.", "Triggers on the mark price."]
    if len(quote.legs) == 2:
        notes.append("When one fires, the other is cancelled.")
    parts.append(f"<i>{' '.join(notes)}</i>")
    parts.append(_expiry(ttl_seconds))
    return "\n".join(parts)


def _at_or_above(kind: AlgoType, quote: AlgoQuote) -> bool:
    long = quote.position_qty > 0
    return long if kind is AlgoType.TAKE_PROFIT else not long


def stop_card(quote: AlgoQuote, market: MarketInfo,
              ttl_seconds: float = DEFAULT_TIMINGS.order_approval_ttl) -> str:
    """`Confirm stop BUY 0.5 ETH (isolated)`: trigger, type, price, notional, position."""
    r = quote.request
    assert r.quantity is not None and r.trigger_price is not None
    above = r.trigger_price > quote.mark
    title = (f"<b>Confirm stop {r.side.value} {esc(fmt.exact(r.quantity))} {esc(market.base)}"
             f"</b> ({fmt.mode(r.margin_mode)})")
    limit = r.order_type is AlgoOrderType.LIMIT
    rows: list[Row] = [
        ("trigger", f"mark {'≥' if above else '≤'} {fmt.price(r.trigger_price, market)}"),
        ("mark now", fmt.price(quote.mark, market)),
        ("then", f"LIMIT @ {fmt.price(r.price, market)}" if limit else "MARKET"),
        ("notional", f"{fmt.usdc_est(quote.notional)} USDC"),
        ("position", fmt.side_qty(quote.position_qty, market)),
    ]
    why = ("above the mark, so it buys when the price rises to it" if above
           else "below the mark, so it sells when the price falls to it")
    return "\n".join([title, fmt.table(rows, "lr"), f"<i>The trigger is {why}.</i>",
                      _expiry(ttl_seconds)])


def _triggers(algo: AlgoOrder, market: MarketInfo | None) -> str:
    legs = algo.children or (algo,)
    return ", ".join(f"{LEG.get(c.algo_type, 'trigger')} {fmt.price(c.trigger_price, market)}"
                     + ("" if c.is_open or algo.status == c.status else f" ({c.status.lower()})")
                     for c in legs)


def algo_line(algo: AlgoOrder, market: MarketInfo | None = None) -> str:
    """`algo 12 ETH TP/SL SELL 1.00 · take-profit 2,700.00, stop-loss 2,300.00 · isolated · NEW`."""
    size = "whole position" if algo.quantity is None else fmt.qty(algo.quantity, market)
    side = algo.side.value if algo.side else ""
    if algo.algo_type is AlgoType.STOP:
        then = f"LIMIT @ {fmt.price(algo.price, market)}" if algo.price is not None else "MARKET"
        what = f"trigger {fmt.price(algo.trigger_price, market)} → {then}"
    else:
        what = _triggers(algo, market)
    return (f"<code>algo {algo.algo_order_id}</code> <b>{esc(base_of(algo.symbol))}</b> "
            f"{KIND.get(algo.algo_type, esc(algo.algo_type.value))} {side} {size} · {esc(what)} · "
            f"{fmt.mode(algo.margin_mode)} · {esc(algo.status)}")


def algo_orders(items: Sequence[AlgoOrder], markets: Mapping[str, MarketInfo]) -> str:
    """Pending TP/SL and stop orders, one line each (empty string when there are none)."""
    if not items:
        return ""
    lines = [f"<b>TP/SL and stop orders</b> ({len(items)})"]
    lines += [algo_line(a, markets.get(a.symbol)) for a in items]
    lines.append("<i>Cancel with the buttons or /cancel algo ID.</i>")
    return "\n".join(lines)


def algo_cancel_done(algo: AlgoOrder, market: MarketInfo | None = None) -> str:
    """`✅ Cancelled algo 12 ETH TP/SL …` (both legs of a pair go together)."""
    return f"✅ Cancelled {algo_line(algo, market).rsplit(' · ', 1)[0]}"


def placed_line(algo: AlgoOrder | None, algo_id: int | None, client_order_id: str,
                market: MarketInfo | None) -> str:
    """The result line of a confirmed TP/SL or stop card."""
    if algo is None:
        which = f"algo order {algo_id}" if algo_id else \
            f"client id <code>{esc(client_order_id)}</code>"
        return f"✅ Placed ({which}); see /orders."
    what = (f"trigger {fmt.price(algo.trigger_price, market)}"
            if algo.algo_type is AlgoType.STOP else _triggers(algo, market))
    return (f"✅ {KIND.get(algo.algo_type, 'Algo order')} placed: algo order "
            f"{algo.algo_order_id}, {esc(what)}, {esc(algo.status)}. It is in /orders; "
            f"cancel with /cancel algo {algo.algo_order_id}.")


def fired_block(report: AlgoExecution, market: MarketInfo | None,
                cancelled_sibling: str | None) -> str:
    """`🎯 TAKE-PROFIT fired — ETH: sold 1 at 2,610.00 (trigger 2,600.00); the stop-loss was
    cancelled.` One block per leg that fired; the fill notice of the same close follows it."""
    kind = report.algo_type
    head = {"TAKE_PROFIT": "🎯 <b>TAKE-PROFIT fired</b>", "STOP_LOSS": "🛑 <b>STOP-LOSS fired</b>",
            "STOP": "⚡ <b>STOP triggered</b>"}.get(kind, f"⚡ <b>{esc(kind)} fired</b>")
    base = esc(base_of(report.symbol))
    trigger = f"trigger {fmt.price(report.trigger_price, market)}"
    if report.algo_status == "REJECTED" or (report.executed_quantity == 0
                                            and report.algo_status != "FILLED"):
        why = f": {esc(report.reason)}" if report.reason else ""
        return (f"{head} — {base} ({trigger}), but its order was not filled "
                f"({esc(report.algo_status.lower())}{why}).")
    verb = "bought" if report.side and report.side.value == "BUY" else "sold"
    price = report.executed_price or report.average_executed_price
    line = (f"{head} — {base}: {verb} {fmt.qty(report.total_executed_quantity, market)} at "
            f"{fmt.price(price, market)} ({trigger}).")
    if cancelled_sibling:
        line += f" The {cancelled_sibling} was cancelled."
    return line
