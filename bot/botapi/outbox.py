"""What the bot did: its messages as they stand, the event log, subscribers and waiting on it."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from bot.botapi.messages import BotMessage, SendEvent
from bot.botapi.updates import Signal

log = logging.getLogger(__name__)
Subscriber = Callable[[SendEvent], Any]


class Outbox:
    """The bot's messages, every send/edit/delete/answer event, and who listens to them."""

    def __init__(self) -> None:
        self.events: list[SendEvent] = []
        self._messages: dict[tuple[int, int], BotMessage] = {}
        self._last_id: dict[int, int] = {}
        self._subscribers: list[Subscriber] = []
        self._signal = Signal()

    def new_message_id(self, chat_id: int) -> int:
        """The next message id in a chat (bot and user messages share the counter)."""
        self._last_id[chat_id] = self._last_id.get(chat_id, 0) + 1
        return self._last_id[chat_id]

    def get(self, chat_id: int, message_id: int) -> BotMessage | None:
        """A bot message as it stands now, or None."""
        return self._messages.get((chat_id, message_id))

    def messages(self, chat_id: int | None = None) -> list[BotMessage]:
        """Bot messages in sending order, as they stand now."""
        return [m for m in self._messages.values() if chat_id is None or m.chat_id == chat_id]

    async def record(self, event: SendEvent) -> None:
        """Store the event's message state, log the event and tell every subscriber."""
        if event.message is not None:
            self._messages[(event.message.chat_id, event.message.message_id)] = event.message
        self.events.append(event)
        self._signal.fire()
        for callback in list(self._subscribers):
            try:
                result = callback(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a broken printer must not fail the bot's call
                log.exception("Bot API emulator subscriber failed on %s", event.method)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Register callback(event); returns a function that unregisters it."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def wait_for(
        self, chat_id: int, predicate: Callable[[BotMessage], bool] | None, seconds: float,
        since: int,
    ) -> BotMessage:  # fmt: skip
        """The first message sent or edited in chat_id from event `since` on that satisfies
        predicate; TimeoutError after `seconds`."""

        def ready() -> BotMessage | None:
            for event in self.events[since:]:
                msg = event.message
                if (
                    msg
                    and event.chat_id == chat_id
                    and not msg.deleted
                    and (predicate is None or predicate(msg))
                ):
                    return msg
            return None

        found = await self._signal.wait_until(ready, seconds)
        if found is None:
            latest = [m.text[:80] for m in self.messages(chat_id)[-3:]]
            raise TimeoutError(f"no matching bot message in chat {chat_id}; latest: {latest}")
        return found
