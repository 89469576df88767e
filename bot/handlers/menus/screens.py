"""/menu and its buttons. A menu button edits the menu message into that screen (with a
`« Menu` button back), so the menu stays one message the user navigates instead of a pile of
replies; what a screen's own buttons start (a confirmation card, a position card) still comes
as a new message, exactly as from the command.

The command table is passed in (register.py owns it; nothing here imports it back).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import UserInputError
from bot.handlers import parsing
from bot.handlers.context import Ctx
from bot.handlers.keyboards import MENU, parse_callback
from bot.handlers.menus import keyboards as menu
from bot.services.delivery.notifier import Delivery

Handlers = Mapping[type, Callable[[Ctx, Any], Awaitable[None]]]
PATTERN = rf"^{MENU}:"  # the CallbackQueryHandler pattern of menu buttons
GONE = "This button is no longer active."


def runs(command: str, handlers: Handlers) -> bool:
    """True when this version parses `command` and has a handler for it."""
    try:
        return type(parsing.parse_command(command)) in handlers
    except UserInputError:
        return False


def keyboard(handlers: Handlers) -> Any:
    return menu.menu_keyboard(menu.available(lambda text: runs(text, handlers)))


async def show(c: Ctx, handlers: Handlers) -> None:
    """/menu: the entries as buttons."""
    await c.reply(menu.MENU_TEXT, keyboard(handlers))


@dataclass
class ScreenCtx(Ctx):
    """A Ctx whose first reply replaces the menu message (plus `« Menu`); later ones are new
    messages."""

    message_id: int = 0
    _edited: bool = field(default=False)

    async def reply(self, html: str, keyboard: Any = None) -> Delivery:
        if self._edited:
            return await super().reply(html, keyboard)
        self._edited = True
        return await self.services.notifier.edit(self.chat_id, self.message_id, html,
                                                 menu.with_back(keyboard))  # fmt: skip


async def press(c: Ctx, handlers: Handlers) -> None:
    """A menu button: run its command with the menu message as the place to answer."""
    query = c.update.callback_query
    data = parse_callback(query.data if query else None)
    message = query.message if query is not None else None
    if message is None or data is None or data.key is None:
        await c.answer(GONE)
        return
    if data.key == menu.HOME:
        await c.answer()
        await c.services.notifier.edit(c.chat_id, message.message_id, menu.MENU_TEXT,
                                       keyboard(handlers))  # fmt: skip
        return
    item = menu.find(data.key, lambda text: runs(text, handlers))
    if item is None:
        await c.answer(GONE)
        return
    await c.answer()
    command = parsing.parse_command(item.command)
    screen = ScreenCtx(c.update, c.services, message_id=message.message_id)
    await handlers[type(command)](screen, command)
