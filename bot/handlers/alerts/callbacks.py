"""The buttons under an alert: `Snooze 1h` (sz:SYMBOL:SECS) and `Refresh` (ar:SYMBOL).

`Add N USDC` is an ordinary approval (a:TOKEN) pressed through callbacks._confirm. The gate
has already checked that the presser is allowed; a snooze only ever touches the state of the
chat it was pressed in.
"""

from __future__ import annotations

from telegram import Message

from bot.errors import UserInputError
from bot.handlers.alerts import alert_text
from bot.handlers.alerts.commands import alerts_of, settings_changed
from bot.handlers.alerts.keyboards import AlertButtons, alert_keyboard, symbols_on
from bot.handlers.context import Ctx
from bot.handlers.keyboards import CallbackData

TOAST_LIMIT = 200


def _card(c: Ctx) -> Message | None:
    message = c.update.callback_query.message if c.update.callback_query else None
    return message if isinstance(message, Message) else None


async def snooze_press(c: Ctx, press: CallbackData) -> None:
    """Snooze this chat's position, say until when, and note it on the alert."""
    service = alerts_of(c)
    assert press.symbol is not None and press.seconds is not None
    if service is None:
        await c.answer("Alerts are not available in this version.")
        return
    try:  # no exchange call on this path: the toast comes at once
        result = await service.snooze(c.chat_id, press.symbol, press.seconds,
                                      require_position=False)
    except UserInputError as exc:
        await c.answer(exc.reason[:TOAST_LIMIT], show_alert=True)
        return
    assert result.until is not None
    await c.answer(f"Snoozed until {alert_text.utc_clock(result.until)}")
    c.audit("snooze", {"symbol": result.symbol, "seconds": press.seconds}, "done", "button")
    await settings_changed(c)
    card = _card(c)
    if card is not None:
        text = alert_text.with_snooze(card.text_html, result.symbol, result.until)
        await c.services.notifier.edit(c.chat_id, card.message_id, text, card.reply_markup)


async def refresh_press(c: Ctx, press: CallbackData) -> None:
    """Redraw the alert with live numbers and a fresh Add button (the old token expires)."""
    service = alerts_of(c)
    assert press.symbol is not None
    if service is None:
        await c.answer("Alerts are not available in this version.")
        return
    await c.answer("Refreshing…")
    card = _card(c)
    try:
        offer = await service.offer(c.chat_id, c.user_id, press.symbol)
    except UserInputError:
        text, keyboard = alert_text.position_gone(press.symbol), None
    else:
        now = c.services.clock.time()
        ttl = c.services.timings.margin_approval_ttl if offer.token else None
        text = alert_text.alert_message([alert_text.live_card(offer, now)], ttl)
        keyboard = alert_keyboard([AlertButtons(press.symbol, offer.token, offer.amount)])
    # A grouped alert keeps its other positions: the refreshed one comes as a new message.
    if card is not None and symbols_on(card.reply_markup) <= {press.symbol}:
        await c.services.notifier.edit(c.chat_id, card.message_id, text, keyboard)
    else:
        await c.send_now(text, keyboard)
