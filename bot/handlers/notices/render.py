"""Fill and order notices, as Telegram HTML (every value escaped). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from bot.domain.fills import FillNotice, NoticeKind
from bot.domain.models import MarginMode, MarketInfo, Position
from bot.domain.symbols import base_of
from bot.handlers import fmt
from bot.handlers.fmt import esc
from bot.handlers.tpsl import render as tpsl_render

PosKey = tuple[str, MarginMode]
_HEADS = {
    NoticeKind.FILLED: "✅ <b>FILLED</b>",
    NoticeKind.PARTIAL: "◑ <b>PARTLY FILLED</b>",
    NoticeKind.CANCELLED: "✖️ <b>CANCELLED</b> on the exchange",
    NoticeKind.REJECTED: "❌ <b>REJECTED</b> by the exchange",
    NoticeKind.LIQUIDATION: "❌ <b>LIQUIDATION TRADE</b>",
    NoticeKind.TRIGGERED: "🎯 <b>TRIGGERED</b>",
}


def notices_message(
    notices: Sequence[FillNotice], positions: Mapping[PosKey, Position] | None,
    markets: Mapping[str, MarketInfo],
) -> str:  # fmt: skip
    """One message for notices that arrived together (a header when there are several)."""
    blocks = [_block(n, positions, markets.get(n.symbol)) for n in notices]
    if len(blocks) == 1:
        return blocks[0]
    return f"<b>{len(blocks)} order updates</b>\n\n" + "\n\n".join(blocks)


def _block(n: FillNotice, positions: Mapping[PosKey, Position] | None,
           market: MarketInfo | None) -> str:  # fmt: skip
    base = esc(base_of(n.symbol))
    if n.kind is NoticeKind.TRIGGERED and n.algo is not None:
        sibling = tpsl_render.LEG.get(n.cancelled_sibling) if n.cancelled_sibling else None
        return tpsl_render.fired_block(n.algo, market, sibling)
    if n.kind is NoticeKind.LIQUIDATION:
        liq = n.liquidation
        assert liq is not None
        side = "long" if liq.position_qty > 0 else "short"
        return (f"{_HEADS[n.kind]} — the exchange took over the {fmt.mode(liq.margin_mode)} "
                f"{side} of {fmt.qty(n.qty, market)} {base} at {fmt.price(n.price, market)} "
                f"(liquidation {liq.liquidation_id})")
    order = n.order
    assert order is not None
    mode = fmt.mode(order.margin_mode)
    if n.kind.is_fill:
        lines = [f"{_HEADS[n.kind]} — {order.side.value} {fmt.qty(n.qty, market)} {base} at "
                 f"{fmt.price(n.price, market)} ({mode})",
                 f"Fee {fmt.usdc(n.fee)} USDC · order {order.order_id} · "
                 f"{_progress(order.executed_quantity, order.quantity, market, base)}"]
        if positions is not None:
            lines.append(_position_line(positions.get((order.symbol, order.margin_mode)),
                                        market, base))  # fmt: skip
        return "\n".join(lines)
    where = "at market" if order.price is None else f"@ {fmt.price(order.price, market)}"
    line = (f"{_HEADS[n.kind]} — order {order.order_id}: {order.side.value} "
            f"{fmt.qty(order.quantity, market)} {base} {where} ({mode}); "
            f"{fmt.qty(n.qty, market)} {base} unfilled")
    return line + (f"\nReason: {esc(n.reason)}" if n.reason else "")


def _progress(done: Decimal, total: Decimal, market: MarketInfo | None, base: str) -> str:
    if done >= total:
        return "order complete"
    return f"{fmt.qty(done, market)} of {fmt.qty(total, market)} {base} filled, the rest open"


def _position_line(pos: Position | None, market: MarketInfo | None, base: str) -> str:
    if pos is None or pos.position_qty == 0:
        return "Position now: flat."
    liq = f", est. liq {fmt.price(pos.est_liq_price, market)}" if pos.est_liq_price else ""
    return (f"Position now: {fmt.side_qty(pos.position_qty, market)} {base} "
            f"@ {fmt.price(pos.average_open_price, market)}{liq}.")
