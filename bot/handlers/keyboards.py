"""Inline keyboards and their callback_data: short, opaque, ≤ 64 bytes, never user text.

callback_data forms (one home for both building and parsing them):

    a:<token>            Confirm an approval        x:<token>          Cancel an approval
    pa|pr|pc|pf:<SYMBOL>:<I|C>                       position Add margin / Reduce / Close / Refresh
    oc:<order_id>        Cancel that open order     ac:<algo_order_id> Cancel that TP/SL or stop
    sz:<SYMBOL>:<secs>   Snooze an alert            ar:<SYMBOL>        Refresh an alert
    pm:<SYMBOL>:I:<usdc> position card: Add that many USDC of margin (→ the approval card)
    pk:<SYMBOL>:<I|C>:<pct>  position card: Close that percentage (→ the approval card)
    po:<SYMBOL>:<I|C>    open that position's card (from /positions)
    mn:<key>             a /menu entry (`mn:menu` shows the menu again)
    nt:<kind>:<0|1>      /notify: switch that notice kind off (0) or on (1)
    nq:0                 /notify: quiet hours off
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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
POS_OPEN = "po"
POSITION_KINDS = (POS_ADD, POS_REDUCE, POS_CLOSE, POS_REFRESH, POS_OPEN)
POS_ADD_AMOUNT, POS_CLOSE_PCT = "pm", "pk"
MENU, NOTIFY_SET, NOTIFY_QUIET_OFF = "mn", "nt", "nq"
ADD_AMOUNTS = (25, 50, 100)  # USDC, the position card's Add buttons
CLOSE_PERCENTS = (25, 50, 100)  # %, its Close buttons

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
    POS_ADD_AMOUNT: re.compile(
        rf"pm:(?P<symbol>{_SYMBOL}):(?P<mode>I):(?P<amount>[1-9][0-9]{{0,5}})"),
    POS_CLOSE_PCT: re.compile(
        rf"pk:(?P<symbol>{_SYMBOL}):(?P<mode>[IC]):(?P<amount>[1-9][0-9]?|100)"),
    MENU: re.compile(r"mn:(?P<key>[a-z][a-z0-9_]{0,31})"),
    NOTIFY_SET: re.compile(r"nt:(?P<key>[a-z]{1,16}):(?P<enabled>[01])"),
    NOTIFY_QUIET_OFF: re.compile(r"nq:0"),
    SNOOZE: re.compile(rf"sz:(?P<symbol>{_SYMBOL}):(?P<seconds>[1-9][0-9]{{0,5}})"),
    ALERT_REFRESH: re.compile(rf"ar:(?P<symbol>{_SYMBOL})"),
}
# For PTB's CallbackQueryHandler(pattern=...): the prefix of every form this module builds.
CALLBACK_PATTERN = r"^(?:a|x|pa|pr|pc|pf|po|pm|pk|mn|nt|nq|oc|ac|sz|ar):"
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
    amount: int | None = None  # USDC (pm) or percent (pk)
    key: str | None = None  # a menu entry (mn) or a notice kind (nt)
    enabled: bool | None = None  # nt: the state to switch to

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
        elif self.kind in (POS_ADD_AMOUNT, POS_CLOSE_PCT) and self.mode is not None:
            text = f"{self.kind}:{self.symbol}:{_MODE_LETTER[self.mode]}:{self.amount}"
        elif self.kind == MENU:
            text = f"mn:{self.key}"
        elif self.kind == NOTIFY_SET:
            text = f"nt:{self.key}:{int(bool(self.enabled))}"
        elif self.kind == NOTIFY_QUIET_OFF:
            text = "nq:0"
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
        amount=int(g["amount"]) if g.get("amount") else None,
        key=g.get("key"),
        enabled=g["enabled"] == "1" if g.get("enabled") else None,
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
    """Add margin · Reduce margin (isolated only: cross has no own margin) · Close · Refresh,
    then Add 25 / 50 / 100 USDC (isolated) and Close 25 / 50 / 100 %, each of which draws the
    same approval card as /margin add and /close."""
    def press(kind: str, amount: int | None = None) -> CallbackData:
        return CallbackData(kind, symbol=symbol, mode=mode, amount=amount)

    rows = []
    if mode is MarginMode.ISOLATED:
        rows.append([_button("Add margin", press(POS_ADD)),
                     _button("Reduce margin", press(POS_REDUCE))])
    rows.append([_button("Close", press(POS_CLOSE)), _button("Refresh", press(POS_REFRESH))])
    if mode is MarginMode.ISOLATED:
        rows.append([_button(f"Add {n} USDC", press(POS_ADD_AMOUNT, n)) for n in ADD_AMOUNTS])
    rows.append([_button(f"Close {n} %", press(POS_CLOSE_PCT, n)) for n in CLOSE_PERCENTS])
    return InlineKeyboardMarkup(rows)


def position_list(keys: Sequence[tuple[str, MarginMode]], base_of: Callable[[str], str],
                  per_row: int = 3) -> InlineKeyboardMarkup | None:  # fmt: skip
    """One button per position of /positions opening its card (`ETH iso`), three to a row."""
    buttons = [
        _button(f"{base_of(s)} {'iso' if m is MarginMode.ISOLATED else 'cross'}",
                CallbackData(POS_OPEN, symbol=s, mode=m))
        for s, m in keys
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


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


def notify_toggles(
    enabled: Sequence[tuple[str, str, bool]], quiet: bool
) -> InlineKeyboardMarkup:
    """One button per notice switch (`Reminders: on` switches it off), two to a row, and
    `Quiet hours off` when the chat has them. `enabled` is (key, label, on) per switch."""
    buttons = [
        _button(f"{label}: {'on' if on else 'off'}",
                CallbackData(NOTIFY_SET, key=key, enabled=not on))
        for key, label, on in enabled
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if quiet:
        rows.append([_button("Quiet hours off", CallbackData(NOTIFY_QUIET_OFF))])
    return InlineKeyboardMarkup(rows)
