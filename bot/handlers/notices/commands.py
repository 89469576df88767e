"""/notify: which notices this chat gets and its quiet hours; the screen's toggle buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message

from bot.domain.notices import NOTICE_SWITCHES, NoticeSwitch
from bot.handlers import keyboards
from bot.handlers.command_types import Notify, Off
from bot.handlers.context import Ctx
from bot.handlers.keyboards import CallbackData
from bot.handlers.menus import keyboards as menu
from bot.handlers.notices import settings_text as render_notify
from bot.services.notices.preferences import ChatNotices, NoticeService, notices_of


def _service(c: Ctx) -> NoticeService:
    service = notices_of(c.services.extras)
    assert service is not None, "the notice service is installed by build_services"
    return service


def screen(chat: ChatNotices, changed: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    """The /notify text and its toggles."""
    prefs = chat.prefs
    switches = [(s.value, render_notify.LABELS[s], prefs.allows(s)) for s in NOTICE_SWITCHES]
    return (render_notify.notify_settings(prefs, chat.zone.key, changed),
            keyboards.notify_toggles(switches, prefs.quiet is not None))  # fmt: skip


async def notify(c: Ctx, cmd: Notify) -> None:
    """/notify shows the switches; /notify KIND on|off or /notify quiet … changes one."""
    service = _service(c)
    if cmd.quiet is not None:
        quiet = None if isinstance(cmd.quiet, Off) else cmd.quiet
        chat = await service.set_quiet(c.chat_id, quiet)
        c.audit("notify", {"quiet": quiet.text if quiet else "off"}, "done")
    elif cmd.kind is not None:
        chat = await service.set_enabled(c.chat_id, cmd.kind, cmd.enabled)
        c.audit("notify", {"kind": cmd.kind.value, "enabled": cmd.enabled}, "done")
    else:
        await c.reply(*screen(await service.load(c.chat_id)))
        return
    await c.reply(*screen(chat, changed=True))


async def toggle_press(c: Ctx, press: CallbackData) -> None:
    """A /notify button: set that switch (or quiet hours off) and edit the screen in place.
    The button carries the state to set, so a double tap sets it once, not twice."""
    service = _service(c)
    known = {s.value: s for s in NoticeSwitch}
    if press.kind == keyboards.NOTIFY_QUIET_OFF:
        chat = await service.set_quiet(c.chat_id, None)
        c.audit("notify", {"quiet": "off"}, "done")
    elif press.key in known and press.enabled is not None:
        chat = await service.set_enabled(c.chat_id, known[press.key], press.enabled)
        c.audit("notify", {"kind": press.key, "enabled": press.enabled}, "done")
    else:
        await c.answer("This button is no longer active.")
        return
    await c.answer("Saved")
    text, keyboard = screen(chat, changed=True)
    message = c.update.callback_query.message if c.update.callback_query else None
    if not isinstance(message, Message):
        await c.reply(text, keyboard)
        return
    if menu.has_back(message.reply_markup):  # opened from /menu: keep the way back
        keyboard = menu.with_back(keyboard)
    await c.services.notifier.edit(c.chat_id, message.message_id, text, keyboard)
