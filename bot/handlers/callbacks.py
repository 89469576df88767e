"""Button presses: Confirm / Cancel of approvals, position actions, order cancels.

A press is answered at once (answerCallbackQuery), then the action runs, then the card is
edited with the outcome, so a slow exchange never makes Telegram time the query out.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.domain.models import MarginAction, MarginMode
from bot.domain.records import Approval, ClaimFailure
from bot.handlers import keyboards, render
from bot.handlers.alerts import callbacks as alert_presses
from bot.handlers.context import Ctx, services_of
from bot.handlers.keyboards import CallbackData
from bot.handlers.notices import commands as notices
from bot.handlers.tpsl import commands as tpsl
from bot.handlers.trading import cards, position_buttons

# Refusals that end the card for its owner: show the outcome in place and drop the buttons.
# Not ALREADY_USED: the press that won edits the card with the result, and a double tap's
# message is a snapshot from before that edit, so editing it again would hide the result.
_CARD_ENDING = (ClaimFailure.EXPIRED, ClaimFailure.CANCELLED)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route a press by its callback_data; forged or malformed data does nothing."""
    query = update.callback_query
    assert query is not None
    press = keyboards.parse_callback(query.data)
    c = Ctx(update, services_of(context))
    if press is None:
        await c.answer(cards.refusal_toast(ClaimFailure.UNKNOWN), show_alert=True)
        return
    route = _ROUTES.get(press.kind)
    if route is None:
        await c.answer("This button is no longer active.")
        return
    await route(c, press)


def _card(c: Ctx) -> Message | None:
    message = c.update.callback_query.message if c.update.callback_query else None
    return message if isinstance(message, Message) else None


async def _confirm(c: Ctx, press: CallbackData) -> None:
    query = c.update.callback_query
    assert query is not None and press.token is not None
    approvals = c.services.approvals
    claim = await approvals.claim(press.token, c.user_id, c.chat_id)
    card = _card(c)
    if not claim.ok or claim.approval is None:
        failure = claim.failure or ClaimFailure.UNKNOWN
        await c.answer(cards.refusal_toast(failure), show_alert=True)
        c.audit("press", _refused_params(claim.approval, failure), f"refused:{failure}")
        if failure in _CARD_ENDING and card is not None:
            await c.services.notifier.edit(
                c.chat_id, card.message_id, cards.refused_card(card.text_html, failure)
            )
        return
    await c.answer("Working on it…")
    outcome = await approvals.run(claim.approval)
    market = await c.market_of(str(claim.approval.action.get("symbol", "")))
    text = cards.outcome_text(outcome, card.text_html if card else "", market)
    if card is not None:
        delivery = await c.services.notifier.edit(c.chat_id, card.message_id, text)
    else:
        delivery = await c.send_now(text)
    if outcome.unknown is None:  # final: once shown, a restart need not retell it
        approvals.reported_when_delivered(claim.approval.token, delivery)


def _refused_params(approval: Approval | None, failure: ClaimFailure) -> dict[str, Any]:
    """What a refused press was about, for /history: the card's action, unless the card
    belongs to another chat (its details stay there)."""
    if approval is None or failure is ClaimFailure.WRONG_CHAT:
        return {"token_known": approval is not None}
    return {"token_known": True, **approval.action}


async def _decline(c: Ctx, press: CallbackData) -> None:
    query = c.update.callback_query
    assert query is not None and press.token is not None
    failure = await c.services.approvals.cancel(press.token, c.user_id, c.chat_id)
    card = _card(c)
    if failure is None:
        await c.answer("Cancelled. Nothing was sent.")
        if card is not None:
            await c.services.notifier.edit(c.chat_id, card.message_id,
                                           cards.cancelled_card(card.text_html))
        return
    await c.answer(cards.refusal_toast(failure), show_alert=True)
    if failure in _CARD_ENDING and card is not None:  # as for Confirm: the card is over
        await c.services.notifier.edit(
            c.chat_id, card.message_id, cards.refused_card(card.text_html, failure)
        )


async def _margin_hint(c: Ctx, press: CallbackData) -> None:
    query = c.update.callback_query
    assert query is not None and press.symbol is not None
    await c.answer()
    action = MarginAction.ADD if press.kind == keyboards.POS_ADD else MarginAction.REDUCE
    view = await c.services.trading.position(press.symbol, MarginMode.ISOLATED)
    if view is None:
        await c.reply(render.position_missing(press.symbol, MarginMode.ISOLATED))
        return
    allowed = await c.services.margin.max_allowed(view.position, action)
    await c.reply(render.margin_hint(view, action, allowed))


async def _close(c: Ctx, press: CallbackData) -> None:
    query = c.update.callback_query
    assert query is not None and press.symbol is not None and press.mode is not None
    await c.answer()
    quote = await c.services.trading.quote_close(press.symbol, None, press.mode)
    approval = await c.services.approvals.for_order(c.chat_id, c.user_id, quote)
    await c.reply(cards.close_card(quote), keyboards.confirm(approval.token))


async def _refresh(c: Ctx, press: CallbackData) -> None:
    query = c.update.callback_query
    assert query is not None and press.symbol is not None and press.mode is not None
    await c.answer("Refreshed")
    view = await c.services.trading.position(press.symbol, press.mode)
    card = _card(c)
    if view is None:
        text, keyboard = render.position_missing(press.symbol, press.mode), None
    else:
        text = render.position(view)
        keyboard = keyboards.position_actions(press.symbol, press.mode)
    if card is None:
        await c.reply(text, keyboard)
    else:
        await c.services.notifier.edit(c.chat_id, card.message_id, text, keyboard)


async def _cancel_order(c: Ctx, press: CallbackData) -> None:
    query = c.update.callback_query
    assert query is not None and press.order_id is not None
    await c.answer()
    order = await c.services.trading.cancel(press.order_id)
    c.audit("cancel", {"order_id": press.order_id, "symbol": order.symbol}, "done")
    await c.reply(render.cancel_done(order, await c.market_of(order.symbol)))


async def _cancel_algo(c: Ctx, press: CallbackData) -> None:
    assert c.update.callback_query is not None and press.order_id is not None
    await c.answer()
    await tpsl.cancel_algo_id(c, press.order_id)


_ROUTES = {
    keyboards.APPROVE: _confirm,
    keyboards.DECLINE: _decline,
    keyboards.POS_ADD: _margin_hint,
    keyboards.POS_REDUCE: _margin_hint,
    keyboards.POS_CLOSE: _close,
    keyboards.POS_REFRESH: _refresh,
    keyboards.ORDER_CANCEL: _cancel_order,
    keyboards.ALGO_CANCEL: _cancel_algo,
    keyboards.SNOOZE: alert_presses.snooze_press,
    keyboards.ALERT_REFRESH: alert_presses.refresh_press,
    keyboards.POS_ADD_AMOUNT: position_buttons.amount_press,
    keyboards.POS_CLOSE_PCT: position_buttons.amount_press,
    keyboards.POS_OPEN: position_buttons.open_press,
    keyboards.NOTIFY_SET: notices.toggle_press,
    keyboards.NOTIFY_QUIET_OFF: notices.toggle_press,
}
