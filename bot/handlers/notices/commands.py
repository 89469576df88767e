"""/notify: which fill and order notices this chat gets (persisted in the chats table)."""

from __future__ import annotations

from bot.handlers.command_types import Notify
from bot.handlers.context import Ctx
from bot.handlers.notices import render


async def notify(c: Ctx, cmd: Notify) -> None:
    """/notify shows the switches; /notify fills|orders on|off changes one."""
    chats = c.services.chats
    if cmd.kind is None:
        await c.reply(render.notify_settings(chats.get(c.chat_id)))
        return
    if cmd.kind == "fills":
        settings = chats.set_notify(c.chat_id, fills=cmd.enabled)
    else:
        settings = chats.set_notify(c.chat_id, orders=cmd.enabled)
    c.audit("notify", {"kind": cmd.kind, "enabled": cmd.enabled}, "done")
    await c.reply(render.notify_settings(settings, changed=True))
