"""The keyboard under an alert: Add N USDC · Snooze 1h · Refresh, per position. Pure.

A message about one position uses keyboards.alert_actions; a grouped message gets the same
buttons per position, each label naming its symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.symbols import base_of
from bot.handlers import fmt, keyboards
from bot.handlers.keyboards import ALERT_REFRESH, APPROVE, SNOOZE, CallbackData

SNOOZE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class AlertButtons:
    """The buttons one position gets: Add only when a top-up approval was created."""

    symbol: str
    token: str | None = None
    amount: Decimal | None = None


def _button(label: str, press: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=press.data)


def alert_keyboard(entries: Sequence[AlertButtons]) -> InlineKeyboardMarkup | None:
    """The keyboard for an alert message about these positions (None: no buttons)."""
    if not entries:
        return None
    if len(entries) == 1:
        e = entries[0]
        return keyboards.alert_actions(e.token, e.amount, e.symbol, SNOOZE_SECONDS)
    rows = []
    for e in entries:
        base = base_of(e.symbol)
        if e.token is not None and e.amount is not None:
            rows.append([_button(f"Add {fmt.usdc_label(e.amount)} USDC · {base}",
                                 CallbackData(APPROVE, token=e.token))])
        rows.append([
            _button(f"Snooze 1h · {base}",
                    CallbackData(SNOOZE, symbol=e.symbol, seconds=SNOOZE_SECONDS)),
            _button(f"Refresh · {base}", CallbackData(ALERT_REFRESH, symbol=e.symbol)),
        ])
    return InlineKeyboardMarkup(rows)


def symbols_on(markup: object) -> set[str]:
    """The symbols an existing alert keyboard's Snooze/Refresh buttons are about."""
    found: set[str] = set()
    for row in getattr(markup, "inline_keyboard", None) or ():
        for button in row:
            press = keyboards.parse_callback(getattr(button, "callback_data", None))
            if press is not None and press.kind in (SNOOZE, ALERT_REFRESH) and press.symbol:
                found.add(press.symbol)
    return found
