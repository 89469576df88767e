"""Updates of one chat in order, different chats side by side.

PTB handles updates one at a time by default, so a reply that waits — on the exchange, or on a
database another process has locked — would hold every other chat's command behind it. With
this processor each chat (the user, for updates without a chat) is its own lane: its updates
still run strictly in arrival order, while other lanes go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 256


class ChatLanes(BaseUpdateProcessor):
    """A BaseUpdateProcessor with one FIFO lane (an asyncio.Lock) per chat."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._lanes: dict[object, tuple[asyncio.Lock, list[int]]] = {}  # key -> (lock, users)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = lane_of(update)
        lock, users = self._lanes.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await coroutine
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._lanes[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def lane_of(update: object) -> object:
    """The chat of an update, else its user, else one shared lane."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other",)
