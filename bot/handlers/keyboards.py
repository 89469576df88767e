"""Inline keyboards and their callback_data: short, opaque, ≤ 64 bytes, never user text.

callback_data forms (one home for both building and parsing them):

    a:<token>            Confirm an approval        x:<token>          Cancel an approval
    pa|pr|pc|pf:<SYMBOL>:<I|C>                       position Add margin / Reduce / Close / Refresh
    oc:<order_id>        Cancel that open order     ac:<algo_order_id> Cancel that TP/SL or stop
    sz:<SYMBOL>:<secs>   Snooze an alert            ar:<SYMBOL>        Refresh an alert
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.algo import AlgoOrder
from bot.domain.models import MarginMode, Order
from bot.handlers import fmt

MAX_CALLBACK_BYTES = 64
MAX_SNOOZE_SECONDS = 24 * 3600

APPROVE, DECLINE = "a", "x"
POS_ADD, POS_REDUCE, POS_CLOSE, POS_REFRESH = "pa", "pr", "pc", "pf"
ORDER_CANCEL, SNOOZE, ALERT_REFRESH = "oc", "sz", "ar"
ALGO_CANCEL = "ac"
POSITION_KINDS = (POS_ADD, POS_REDUCE, POS_CLOSE, POS_REFRESH)

_TOKEN = r"[A-Za-z0-9_-]{8,48}"  # secrets.token_urlsafe alphabet
_SYMBOL = r"[A-Z0-9][A-Z0-9_]{0,47}"
_FORMS: dict[str, re.Pattern[str]] = {
    APPROVE: re.compile(rf"a:(?P<token>{_TOKEN})"),
    DECLINE: re.compile(rf"x:(?P<token>{_TOKEN})"),
    **{
        k: re.compile(rf"{k}:(?P<symbol>{_SYMBOL}):(?P<mode>[IC])") for k in POSITION_KINDS
    },
    ORDER_CANCEL: re.compile(r"oc:(?P<order_id>[1-9][0-9]{0,19})"),
    ALGO_CANCEL: re.compile(r"ac:(?P<order_id>[1-9][0-9]{0,19})"),
    SNOOZE: re.compile(rf"sz:(?P<symbol>{_SYMBOL}):(?P<seconds>[1-9][0-9]{{0,5}})"),
    ALERT_REFRESH: re.compile(rf"ar:(?P<symbol>{_SYMBOL})"),
}
# For PTB's CallbackQueryHandler(pattern=...): the prefix of every form this module builds.
CALLBACK_PATTERN = r"^(?:a|x|pa|pr|pc|pf|oc|ac|sz|ar):"
_MODE_LETTER = {MarginMode.ISOLATED: "I", MarginMode.CROSS: "C"}
_LETTER_MODE = {v: k for k, v in _MODE_LETTER.items()}


@dataclass(frozen=True, slots=True)
class CallbackData:
    """A parsed button press: `kind` plus the fields that kind carries."""

    kind: str
    token: str | None = None
    symbol: str | None = None
    mode: MarginMode | None = None
    order_id: int | None = None
    seconds: int | None = None

    @property
    def data(self) -> str:
        """The callback_data string for this press (ValueError if it would not parse back)."""
        if self.kind in (APPROVE, DECLINE):
            text = f"{self.kind}:{self.token}"
        elif self.kind in POSITION_KINDS and self.mode is not None:
            text = f"{self.kind}:{self.symbol}:{_MODE_LETTER[self.mode]}"
        elif self.kind in (ORDER_CANCEL, ALGO_CANCEL):
            text = f"{self.kind}:{self.order_id}"
        elif self.kind == SNOOZE:
            text = f"sz:{self.symbol}:{self.seconds}"
        elif self.kind == ALERT_REFRESH:
            text = f"ar:{self.symbol}"
        else:
            text = ""
        if parse_callback(text) != self:
            raise ValueError(f"cannot encode {self!r} as callback_data")
        return text


def parse_callback(data: object) -> CallbackData | None:
    """The press behind callback_data, or None for anything malformed, unknown or over-long."""
    if not isinstance(data, str) or not data.isascii() or len(data) > MAX_CALLBACK_BYTES:
        return None
    kind = data.split(":", 1)[0]
    form = _FORMS.get(kind)
    match = form.fullmatch(data) if form else None
    if match is None:
        return None
    g = match.groupdict()
    seconds = int(g["seconds"]) if g.get("seconds") else None
    if seconds is not None and seconds > MAX_SNOOZE_SECONDS:
        return None
    return CallbackData(
        kind=kind,
        token=g.get("token"),
        symbol=g.get("symbol"),
        mode=_LETTER_MODE[g["mode"]] if g.get("mode") else None,
        order_id=int(g["order_id"]) if g.get("order_id") else None,
        seconds=seconds,
    )


def _button(label: str, press: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=press.data)


def confirm(token: str) -> InlineKeyboardMarkup:
    """[Confirm] [Cancel] for an approval card."""
    return InlineKeyboardMarkup([[
        _button("Confirm", CallbackData(APPROVE, token=token)),
        _button("Cancel", CallbackData(DECLINE, token=token)),
    ]])


def position_actions(symbol: str, mode: MarginMode) -> InlineKeyboardMarkup:
    """Add margin · Reduce margin (isolated only: cross has no own margin) · Close · Refresh."""
    def press(kind: str) -> CallbackData:
        return CallbackData(kind, symbol=symbol, mode=mode)

    rows = []
    if mode is MarginMode.ISOLATED:
        rows.append([_button("Add margin", press(POS_ADD)),
                     _button("Reduce margin", press(POS_REDUCE))])
    rows.append([_button("Close", press(POS_CLOSE)), _button("Refresh", press(POS_REFRESH))])
    return InlineKeyboardMarkup(rows)


def order_cancel_buttons(orders: Sequence[Order], per_row: int = 2,
                         algos: Sequence[AlgoOrder] = ()) -> InlineKeyboardMarkup:
    """One `Cancel #id` button per open order and one `Cancel algo id` per TP/SL or stop
    order, two to a row."""
    buttons = [
        _button(f"Cancel #{o.order_id}", CallbackData(ORDER_CANCEL, order_id=o.order_id))
        for o in orders
    ] + [
        _button(f"Cancel algo {a.algo_order_id}",
                CallbackData(ALGO_CANCEL, order_id=a.algo_order_id))
        for a in algos
    ]
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def alert_actions(
    token: str | None, amount: Decimal | None, symbol: str, snooze_seconds: int = 3600
) -> InlineKeyboardMarkup:
    """`Add N USDC` (when a top-up is offered) · `Snooze 1h` · `Refresh` under an alert."""
    rows = []
    if token is not None and amount is not None:
        label = f"Add {fmt.usdc_label(amount)} USDC"
        rows.append([_button(label, CallbackData(APPROVE, token=token))])
    rows.append([
        _button(f"Snooze {_duration(snooze_seconds)}",
                CallbackData(SNOOZE, symbol=symbol, seconds=snooze_seconds)),
        _button("Refresh", CallbackData(ALERT_REFRESH, symbol=symbol)),
    ])
    return InlineKeyboardMarkup(rows)


def _duration(seconds: int) -> str:
    """3600 -> `1h`, 900 -> `15m`, 5400 -> `1h30m`."""
    hours, minutes = divmod(seconds // 60, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")
