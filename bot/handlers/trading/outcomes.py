"""What a card says once its button was pressed: the card followed by one result line. Pure.

Refusals that change nothing for the owner of the card (another user's press, a forged
button) are meant to be shown only as a toast: `refusal_toast`, plain text ≤ 200 chars.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from bot.domain.margin import distance_to_liq
from bot.domain.models import MarketInfo, Order, Position, Side
from bot.domain.records import Approval, ClaimFailure
from bot.domain.symbols import base_of
from bot.domain.views import MarginResult, OrderResult
from bot.handlers import fmt
from bot.handlers.fmt import esc
from bot.handlers.tpsl import render as tpsl_render
from bot.services.trading.approvals import PressOutcome

TOAST_LIMIT = 200
_EXPIRY = re.compile(r"\n*<i>Valid \d+ s\.</i>\s*$")
_REFUSALS = {
    ClaimFailure.ALREADY_USED: "Already done — each card works once.",
    ClaimFailure.EXPIRED: "Expired — nothing was sent. Ask again.",
    ClaimFailure.WRONG_USER: "This button is for the person who asked.",
    ClaimFailure.WRONG_CHAT: "This button belongs to another chat; nothing done.",
    ClaimFailure.UNKNOWN: "Unknown or forged button; nothing done.",
    ClaimFailure.CANCELLED: "Cancelled — nothing was sent.",
}
_REFUSAL_ICONS = {ClaimFailure.ALREADY_USED: "ℹ️", ClaimFailure.EXPIRED: "⌛",
                  ClaimFailure.CANCELLED: "✖️"}
UNKNOWN_LINE = (
    "⏳ No answer from the exchange. The result is being checked and will be reported here; "
    "it will not be sent again."
)


def expiry_line(ttl_seconds: float) -> str:
    """`<i>Valid 60 s.</i>` — always the last line of a card."""
    return f"<i>Valid {round(ttl_seconds)} s.</i>"


def _settled(card_html: str, line: str) -> str:
    """The card without its expiry line, then a blank line and the result."""
    return f"{_EXPIRY.sub('', card_html)}\n\n{line}"


def refusal_text(failure: ClaimFailure) -> str:
    """A short explanation of why a press did nothing (plain text, safe as HTML)."""
    return _REFUSALS.get(failure, "Nothing done.")


def _refusal_line(failure: ClaimFailure) -> str:
    return f"{_REFUSAL_ICONS.get(failure, '🚫')} {refusal_text(failure)}"


def refusal_toast(failure: ClaimFailure) -> str:
    """The answerCallbackQuery text for a refused press (plain text, ≤ 200 chars)."""
    return refusal_text(failure)[:TOAST_LIMIT]


def cancelled_card(card_html: str) -> str:
    """The card once its own user pressed Cancel."""
    return _settled(card_html, "✖️ Cancelled — nothing was sent.")


def refused_card(card_html: str, failure: ClaimFailure) -> str:
    """The card once a press was refused for a reason that ends it (expired, used, cancelled)."""
    return _settled(card_html, _refusal_line(failure))


def expired_card(card_html: str) -> str:
    """The card once its time ran out."""
    return _settled(card_html, "⌛ " + refusal_text(ClaimFailure.EXPIRED))


def settled_notice(text: str) -> str:
    """What became of an action whose outcome was unknown (a timeout or a restart)."""
    return f"ℹ️ An earlier action whose outcome was unknown has been checked: {esc(text)}."


def unreported_notice(text: str) -> str:
    """After a restart: the result of an action the bot recorded but had not shown yet."""
    return f"ℹ️ The bot restarted before showing this result: {esc(text)}."


def checking_notice(what: str, seconds_left: float) -> str:
    """After a restart: an action whose request may still land is being checked, not resent."""
    left = (f"{max(1, math.ceil(seconds_left))} s" if seconds_left < 120
            else f"{math.ceil(seconds_left / 60)} min")  # fmt: skip
    return (f"⏳ After a restart, {esc(what)} is being checked with the exchange; it was not "
            f"resent. The result will be reported here within {left} at the latest.")


def outcome_text(outcome: PressOutcome, card_html: str, market: MarketInfo | None = None) -> str:
    """The edited card: the original card followed by what the press did."""
    return _settled(card_html, result_line(outcome, market))


def result_line(outcome: PressOutcome, market: MarketInfo | None = None) -> str:
    """One line saying what a press did (HTML)."""
    if outcome.refused is not None:
        return _refusal_line(outcome.refused)
    if outcome.precondition is not None:
        return f"⚠️ Not sent: {esc(outcome.precondition)}"
    if outcome.rejected is not None:
        return f"❌ The exchange refused: {esc(outcome.rejected)}"
    if outcome.unknown is not None:
        return UNKNOWN_LINE
    if outcome.order is not None:
        return _order_line(outcome.order, market)
    if outcome.margin is not None:
        return _margin_line(outcome.margin, outcome.approval, market)
    if outcome.algo is not None:
        a = outcome.algo
        return tpsl_render.placed_line(a.algo, a.algo_order_id, a.client_order_id, market)
    return "Done."


def _order_line(result: OrderResult, market: MarketInfo | None) -> str:
    order = result.order
    if order is None:
        return (f"✅ Order sent (client id <code>{esc(result.client_order_id)}</code>); "
                "see /orders.")
    base = esc(base_of(order.symbol))
    head = f"Order {order.order_id} {esc(order.status)}"
    done = order.executed_quantity
    size = fmt.qty(order.quantity, market)
    fill = (f"{_verb(order.side)} {fmt.qty(done, market)}"
            f"{'' if done == order.quantity else f' of {size}'} {base} at "
            f"{fmt.price(order.average_executed_price or order.price, market)}")
    if order.status == "FILLED":
        line = f"✅ {head}: {fill}"
    elif order.status == "NEW" and not done:
        where = "at market" if order.price is None else f"@ {fmt.price(order.price, market)}"
        line = (f"✅ Order {order.order_id} placed: {order.side.value} "
                f"{size} {base} {where}, open")
    elif order.status == "PARTIAL_FILLED":
        line = f"✅ {head}: {fill}; the rest is open"
    else:
        line = f"⚠️ {head}: " + (fill if done else "nothing filled")
    return line + _position_note(result.position_after, order, market)


def _position_note(position: Position | None, order: Order, market: MarketInfo | None) -> str:
    if position is None:
        return ". Position now: closed." if order.executed_quantity else "."
    liq = position.est_liq_price
    away = distance_to_liq(position.mark_price, liq)
    liq_text = f", est. liq {fmt.price(liq, market)}" if liq is not None else ""
    away_text = f" ({fmt.pct(away)} away)" if away is not None else ""
    return (f". Position now: {fmt.side_qty(position.position_qty, market)} "
            f"{esc(base_of(position.symbol))}{liq_text}{away_text}.")


def _verb(side: Side) -> str:
    return "bought" if side is Side.BUY else "sold"


def _margin_line(result: MarginResult, approval: Approval | None, market: MarketInfo | None) -> str:
    action = approval.action if approval is not None else {}
    adding = action.get("action", "ADD") == "ADD"
    try:
        amount = f"{fmt.exact(Decimal(str(action['amount'])))} USDC"
    except (KeyError, InvalidOperation, ValueError):
        amount = "the margin"
    if not result.applied:
        if result.reconciled:
            return ("⚠️ The exchange did not answer; reading the position back shows the "
                    "transfer did not apply. Nothing changed.")
        return "❌ Not applied: the position's margin did not change."
    verb = "Added" if adding else "Reduced"
    if result.liq_after is not None:
        away = f" ({fmt.pct(result.distance_after)} away)" if result.distance_after else ""
        liq = f" Liq price now {fmt.price(result.liq_after, market)}{away}."
    else:
        liq = " No liquidation price now."
    line = f"✅ {verb} {esc(amount)}.{liq}"
    if result.reconciled:
        line += " (Confirmed by reading the position back after the exchange did not answer.)"
    return line
