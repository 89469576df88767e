"""`/history` in a trader's words: what was asked, at what price and size, and how it ended.

Every outcome and detail code the audit log stores (`done`, `refused:expired`, `settled:failed`,
a snooze from a `button`, …) is said in plain words; the raw codes never reach the chat. Prices
are shown at the symbol's tick, sizes at its step, USDC to the cent (typed amounts as typed).
Pure: entries and the market rules in, Telegram HTML out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.models import MarketInfo
from bot.domain.records import AuditEntry
from bot.domain.symbols import base_of
from bot.handlers import fmt
from bot.handlers.fmt import esc

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EMPTY = "No actions recorded in this chat yet."

# How an action ended, by the outcome code the audit log stores.
OUTCOMES: dict[str, tuple[str, str]] = {  # code -> (icon, words)
    "done": ("✅", "done"),
    "failed": ("❌", "not done"),
    "unknown": ("⏳", "result not known yet; it is checked, never resent"),
    "cancelled": ("✖️", "cancelled; nothing was sent"),
    "expired": ("⌛", "expired unpressed; nothing was sent"),
    "settled:done": ("✅", "confirmed afterwards"),
    "settled:failed": ("❌", "found not done afterwards"),
    "liquidated": ("💥", "liquidated"),
}
# A Confirm press that was turned away before anything happened (ClaimFailure values).
REFUSALS: dict[str, str] = {
    "expired": "the card had expired",
    "already_used": "the card was already used (a second press does nothing)",
    "cancelled": "the card had been cancelled",
    "wrong_user": "only the person who asked may confirm it",
    "wrong_chat": "the button belongs to another chat",
    "unknown": "the button was not recognised",
}
# Detail codes that are not already plain text.
DETAILS: dict[str, str] = {
    "button": "from an alert's button",
}
_STATUS = {"NEW": "placed, resting", "PARTIAL_FILLED": "partly filled", "FILLED": "filled",
           "CANCELLED": "cancelled", "REJECTED": "rejected by the exchange"}


def when(at: float) -> str:
    """`14:03 05 Mar` in UTC."""
    t = datetime.fromtimestamp(at, tz=UTC)
    return f"{t:%H:%M} {t.day:02d} {_MONTHS[t.month - 1]}"


def history(entries: Sequence[AuditEntry], markets: Mapping[str, MarketInfo] | None = None) -> str:
    """This chat's recent actions, newest first, times in UTC."""
    if not entries:
        return EMPTY
    lines = ["<b>Recent actions</b> (UTC)"]
    for e in sorted(entries, key=lambda e: (e.at, e.id), reverse=True):
        lines.append(f"<code>{when(e.at)}</code> {entry_line(e, markets or {})}")
    return "\n".join(lines)


def entry_line(e: AuditEntry, markets: Mapping[str, MarketInfo]) -> str:
    """One entry as `✅ Buy 0.5 ETH (isolated, market): filled 0.5 at 2,500.00 · order #12`."""
    p = e.params if isinstance(e.params, dict) else {}
    symbol = str(p.get("symbol") or "")
    market = markets.get(symbol)
    what = _what(e.command, p, market)
    if e.outcome.startswith("refused:"):
        why = REFUSALS.get(e.outcome.removeprefix("refused:"), "the press was not accepted")
        return f"🚫 {esc(what)}: Confirm refused, {esc(why)}; nothing was sent"
    icon, words = OUTCOMES.get(e.outcome, ("•", "recorded"))
    result = _result(e.outcome, p, market)
    detail = DETAILS.get(e.detail, e.detail)
    tail = "; ".join(part for part in (result or words, detail) if part)
    return f"{icon} {esc(what)}: {esc(tail)}"


# ---- what was asked ----------------------------------------------------------------------
def _what(command: str, p: Mapping[str, Any], market: MarketInfo | None) -> str:
    base = base_of(str(p["symbol"])) if p.get("symbol") and p.get("symbol") != "all" else ""
    describe = _DESCRIBE.get(command)
    if describe is not None:
        return describe(p, base, market)
    if command == "press":  # a refused press: the card's action when it is known here
        kind = str(p.get("kind") or "")
        return _DESCRIBE[kind](p, base, market) if kind in _DESCRIBE else "A Confirm button"
    return " ".join(w for w in (command.lstrip("/").capitalize(), base) if w)


def _order(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    side = str(p.get("side", "")).lower()
    mode = fmt.mode(str(p.get("margin_mode", "")))
    size = _qty(p.get("quantity"), market)
    price = _dec(p.get("price"))
    kind = "market" if price is None else f"limit {fmt.price(price, market)}"
    if p.get("reduce_only"):
        return f"Close {mode} {base}: {side} {size} {base} ({kind}, reduce-only)"
    return f"{side.capitalize()} {size} {base} ({mode}, {kind})"


def _margin(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    amount = f"{fmt.usdc_typed(_dec(p.get('amount')))} USDC"
    if str(p.get("action", "")).upper() == "ADD":
        text = f"add {amount} margin to {base} isolated"
    else:
        text = f"reduce {base} isolated margin by {amount}"
    if p.get("source") == "alert":
        return f"Top-up from an alert: {text}"
    return text[:1].upper() + text[1:]


def _leverage(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    mode = fmt.mode(str(p.get("margin_mode", "")))
    where = base or "every symbol"
    return f"Set {where} {mode} leverage to {p.get('leverage')}x"


def _mode(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    mode = fmt.mode(str(p.get("margin_mode") or p.get("mode") or ""))
    return f"Set {base}'s default margin mode to {mode}"


def _algo(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    """`TP/SL on ETH (isolated): take-profit 2,600.00, stop-loss 2,400.00` or
    `Stop BUY 0.5 ETH at 2,600.00 (isolated, market)`."""
    mode = fmt.mode(str(p.get("margin_mode", "")))
    if p.get("algo_type") == "STOP":
        price = _dec(p.get("price"))
        kind = "market" if price is None else f"limit {fmt.price(price, market)}"
        return (f"Stop {str(p.get('side', '')).upper()} {_qty(p.get('quantity'), market)} {base} "
                f"at {fmt.price(_dec(p.get('trigger_price')), market)} ({mode}, {kind})")
    names = {"TAKE_PROFIT": "take-profit", "STOP_LOSS": "stop-loss"}
    legs = ", ".join(f"{names.get(str(leg.get('algo_type')), 'trigger')} "
                     f"{fmt.price(_dec(leg.get('trigger_price')), market)}"
                     for leg in p.get("legs") or [] if isinstance(leg, Mapping))
    return f"TP/SL on {base} ({mode}): {legs}"


def _cancel(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    if p.get("algo_order_id") is not None:
        return f"Cancel algo order {p.get('algo_order_id')}{f' ({base})' if base else ''}"
    if p.get("all"):
        return f"Cancel all {base + ' ' if base else ''}open orders"
    return f"Cancel order #{p.get('order_id')}{f' ({base})' if base else ''}"


def _alert(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    who = "the default" if p.get("symbol") == "default" else base
    if "enabled" in p:
        return f"Turn {base} alerts {'on' if p.get('enabled') else 'off'}"
    warn, critical = _dec(p.get("warn_pct")), _dec(p.get("critical_pct"))
    return (f"Set {who} alert levels: warning {fmt.plain(warn)} %, "
            f"critical {fmt.plain(critical)} %")


def _snooze(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    seconds = p.get("seconds")
    if seconds is None:
        return f"End the {base} snooze"
    minutes = int(seconds) // 60
    span = f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
    return f"Snooze {base} reminders for {span}"


def _limits(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    def cap(value: object) -> str:
        amount = _dec(value)
        return "off" if amount is None else f"{fmt.usdc_typed(amount)} USDC"

    return f"Set top-up limits: per action {cap(p.get('per_action'))}, " \
           f"per day {cap(p.get('per_day'))}"


def _liquidation(p: Mapping[str, Any], base: str, market: MarketInfo | None) -> str:
    qty = _dec(p.get("position_qty"))
    held = fmt.side_qty(qty, market).lower() if qty else "position"
    return f"{base} {fmt.mode(str(p.get('margin_mode') or 'isolated'))} {held}"


_DESCRIBE = {
    "order": _order, "margin": _margin, "topup": _margin, "leverage": _leverage, "algo": _algo,
    "mode": _mode, "cancel": _cancel, "alert": _alert, "snooze": _snooze, "limits": _limits,
    "liquidation": _liquidation,
}


# ---- how it ended ------------------------------------------------------------------------
def _result(outcome: str, p: Mapping[str, Any], market: MarketInfo | None) -> str | None:
    """The figures behind a `done` outcome (fill, margin after, liquidation price), if known."""
    if outcome == "liquidated":
        return _liquidated(p, market)
    if outcome != "done":
        return None
    status = str(p.get("status") or "")
    if status:
        filled, avg = _dec(p.get("filled_qty")), _dec(p.get("avg_price"))
        words = _STATUS.get(status, status.lower().replace("_", " "))
        if filled and avg is not None:
            words += f" {_qty(filled, market)} at {fmt.price(avg, market)}"
        order_id = p.get("order_id")
        return f"{words} · order #{order_id}" if order_id is not None else words
    if p.get("kind") == "order" and p.get("order_id") is not None:
        return f"placed · order #{p['order_id']}"
    if p.get("kind") == "algo" and p.get("algo_order_id") is not None:
        return f"placed · algo order {p['algo_order_id']}"
    if _dec(p.get("margin_after")) is not None:
        return f"done, margin now {fmt.usdc(_dec(p.get('margin_after')))} USDC"
    return None


def _liquidated(p: Mapping[str, Any], market: MarketInfo | None) -> str:
    """`liquidated at 2,262.58, margin lost 251.50 USDC, realized PnL −237.42 USDC`."""
    price, liq = _dec(p.get("price")), _dec(p.get("liq_price"))
    about = "≈ " if p.get("estimated") else ""
    parts = [f"liquidated at {about}{fmt.price(price, market)}" if price is not None
             else f"liquidated, liq price {fmt.price(liq, market)}" if liq is not None
             else "liquidated"]
    lost = _dec(p.get("margin_lost"))
    if lost is not None:
        parts.append(f"margin lost {fmt.usdc(lost)} USDC")
    elif _dec(p.get("margin")) is not None:
        parts.append(f"isolated margin was {fmt.usdc(_dec(p.get('margin')))} USDC")
    pnl = _dec(p.get("realized_pnl"))
    if pnl is not None:
        parts.append(f"realized PnL {fmt.pnl(pnl)} USDC")
    return ", ".join(parts)


def _qty(value: object, market: MarketInfo | None) -> str:
    amount = _dec(value)
    return fmt.exact(amount) if market is None else fmt.qty(amount, market)


def _dec(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
