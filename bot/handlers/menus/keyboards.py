"""/menu: the everyday screens as buttons. Pure: the entries, the menu text and its keyboard.

Each entry names the command it runs; an entry whose command this version does not run (not
parsed, or no handler) is left out, so adding a screen is one line here:

    MenuItem("risk", "Risk", "/risk"),
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.keyboards import MENU, CallbackData

HOME = "menu"  # `mn:menu`: the menu itself (the Back button of every screen)
MENU_TEXT = "<b>Menu</b>\nTap a screen; « Menu brings you back here."


@dataclass(frozen=True, slots=True)
class MenuItem:
    key: str  # callback key, `mn:<key>`
    label: str
    command: str  # the command it runs, with no arguments


MENU_ITEMS: tuple[MenuItem, ...] = (
    MenuItem("positions", "Positions", "/positions"),
    MenuItem("balance", "Balance", "/balance"),
    MenuItem("orders", "Orders", "/orders"),
    MenuItem("alerts", "Alerts", "/alert"),
    MenuItem("risk", "Risk", "/risk"),
    MenuItem("pnl", "PnL", "/pnl"),
    MenuItem("notify", "Notifications", "/notify"),
    MenuItem("limits", "Limits", "/limits"),
    MenuItem("status", "Status", "/status"),
    MenuItem("history", "History", "/history"),
)


def available(runs: Callable[[str], bool]) -> list[MenuItem]:
    """The entries whose command this version runs (`runs("/risk")`)."""
    return [item for item in MENU_ITEMS if runs(item.command)]


def find(key: str, runs: Callable[[str], bool]) -> MenuItem | None:
    return next((item for item in available(runs) if item.key == key), None)


def menu_keyboard(items: Sequence[MenuItem], per_row: int = 2) -> InlineKeyboardMarkup:
    """The entries, two to a row."""
    buttons = [InlineKeyboardButton(i.label, callback_data=CallbackData(MENU, key=i.key).data)
               for i in items]  # fmt: skip
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def with_back(keyboard: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup:
    """A screen's own buttons plus a last row `« Menu`."""
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard is not None else []
    back = InlineKeyboardButton("« Menu", callback_data=CallbackData(MENU, key=HOME).data)
    return InlineKeyboardMarkup([*rows, [back]])


def has_back(keyboard: InlineKeyboardMarkup | None) -> bool:
    """True when a message's keyboard has the `« Menu` button (it was opened from /menu)."""
    home = CallbackData(MENU, key=HOME).data
    rows = keyboard.inline_keyboard if keyboard is not None else ()
    return any(b.callback_data == home for row in rows for b in row)
