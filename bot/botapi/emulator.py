"""An in-process, strict Telegram Bot API for one bot, driven from tests and the terminal demo.

Users push messages and button presses, the real PTB stack polls and calls it through
bot/botapi/transport.py, and everything the bot does is recorded. No network; the bot token
never reaches this module. Not thread-safe: drive it from the event loop's thread (a demo
reading stdin in a thread hands lines over with loop.call_soon_threadsafe).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.botapi.faults import Fault, FaultPlan, SimulatedTimeout
from bot.botapi.messages import (
    BotMessage,
    Call,
    SendEvent,
    chat_dict,
    default_chat,
    text_message,
    user_dict,
)
from bot.botapi.methods import CALLBACK_TTL, BotApiMethods, PendingQuery
from bot.botapi.outbox import Subscriber
from bot.botapi.strict import ApiError
from bot.timing import Clock


class BotApiEmulator(BotApiMethods):
    """A strict fake Telegram Bot API for one bot, driven from tests or the terminal demo."""

    def __init__(
        self, *, clock: Clock | None = None, enforce_rate_limits: bool = False,
        callback_ttl: float = CALLBACK_TTL,
    ) -> None:  # fmt: skip
        super().__init__(
            clock=clock, enforce_rate_limits=enforce_rate_limits, callback_ttl=callback_ttl
        )
        self.calls: list[Call] = []
        self._faults = FaultPlan()
        self._next_query_id = 1
        self._last_user_message: dict[tuple[int, int], int] = {}
        self._users: dict[int, dict[str, Any]] = {}

    # ---- the API, as the transport calls it -------------------------------------------------

    async def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call like Telegram: (HTTP status, JSON body); may raise
        SimulatedTimeout."""
        name, handler = self.handler_for(method)
        record = Call(name, dict(params), self.clock.time())
        self.calls.append(record)
        fault = self._faults.take(name)
        try:
            if fault is not None and fault.kind == "timeout":
                raise SimulatedTimeout(name)
            if fault is not None and fault.kind != "timeout_after":
                raise fault.error()
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as err:
            record.status = err.code
            return err.code, err.body()
        if fault is not None:  # "timeout_after": the call took effect but its answer is lost
            raise SimulatedTimeout(name)
        record.status = 200
        return 200, {"ok": True, "result": result}

    async def aclose(self) -> None:
        """Stop webhook delivery (if a webhook is set) and close its HTTP client."""
        await self.webhook.aclose()

    # ---- the user side ----------------------------------------------------------------------

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue an Update for getUpdates (update_id assigned if missing); returns its id."""
        return self.updates.push(update)

    def push_text(
        self, chat_id: int, user_id: int, text: str, *, chat_type: str = "private",
        edited: bool = False, forward: bool = False,
        sender_chat: int | dict[str, Any] | None = None, username: str | None = None,
        first_name: str | None = None, message_id: int | None = None,
    ) -> int:  # fmt: skip
        """Queue a text message from a user as Telegram delivers it; returns its message_id."""
        user = self._user(user_id, username, first_name)
        chat = self._chats[chat_id] = chat_dict(chat_id, chat_type, user)
        if message_id is None and edited:
            message_id = self._last_user_message.get((chat_id, user_id))
        message_id = message_id or self.outbox.new_message_id(chat_id)
        self._last_user_message[(chat_id, user_id)] = message_id
        if isinstance(sender_chat, int):
            sender_chat = chat if sender_chat == chat_id else default_chat(sender_chat)
        msg = text_message(chat, user, message_id, text, int(self.clock.time()), edited=edited,
                           forward=forward, sender_chat=sender_chat)  # fmt: skip
        self.push_raw({"edited_message" if edited else "message": msg})
        return message_id

    def press(self, chat_id: int, user_id: int, message_id: int, callback_data: str) -> str:
        """Queue a tap on an inline button of a bot message; returns the callback query id."""
        msg = self.outbox.get(chat_id, message_id)
        if msg is None or msg.deleted:
            raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")
        if callback_data not in {b.callback_data for b in msg.buttons}:
            raise LookupError(f"no button {callback_data!r} on message {message_id}: {msg.buttons}")
        query_id = str(self._next_query_id)
        self._next_query_id += 1
        self._queries[query_id] = PendingQuery(chat_id, message_id, self.clock.monotonic())
        self.push_raw({"callback_query": {
            "id": query_id, "from": self._users.get(user_id) or self._user(user_id, None, None),
            "message": msg.to_dict(self._chat(chat_id), self.bot_user),
            "chat_instance": str(chat_id), "data": callback_data,
        }})  # fmt: skip
        return query_id

    # ---- inspection -------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        """Every call of method (case-insensitive), in order, refused ones included."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int | None = None) -> list[BotMessage]:
        """Messages the bot sent, in order, as they stand now (deleted ones flagged)."""
        return self.outbox.messages(chat_id)

    def last_message(self, chat_id: int) -> BotMessage | None:
        """The bot's latest message in chat_id, or None."""
        sent = self.sent_messages(chat_id)
        return sent[-1] if sent else None

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        """The current state of one bot message; KeyError if the bot never sent it."""
        msg = self.outbox.get(chat_id, message_id)
        if msg is None:
            raise KeyError(f"the bot never sent message {message_id} in chat {chat_id}")
        return msg

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The answerCallbackQuery parameters for a press, or None while unanswered."""
        query = self._queries.get(query_id)
        return query.answer if query else None

    @property
    def events(self) -> list[SendEvent]:
        """Everything the bot did in chats (send, edit, delete, answer), in order."""
        return self.outbox.events

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet acknowledged by a getUpdates offset."""
        return self.updates.pending

    def fail_next(
        self, method: str, kind: int | str, count: int = 1, *, retry_after: int = 1,
        description: str | None = None,
    ) -> None:  # fmt: skip
        """Refuse the next count calls of method: 429/400/401 (the token)/403/409/500/502,
        "timeout" (not performed) or "timeout_after" (performed, answer lost)."""
        self._faults.add(method, Fault(kind, count, retry_after, description))

    def on_send(self, callback: Subscriber) -> Callable[[], None]:
        """Call callback(event) (sync or async) after every send, edit, delete and callback
        answer; returns an unsubscribe function."""
        return self.outbox.subscribe(callback)

    def mark(self) -> int:
        """A position in the event log, for wait_for_message(since=...)."""
        return len(self.outbox.events)

    async def wait_for_message(
        self, chat_id: int, predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 5.0, *, since: int | None = None,  # noqa: ASYNC109 (the brief's API)
    ) -> BotMessage:  # fmt: skip
        """The first message sent or edited in chat_id after `since` (default: now) that
        satisfies predicate; TimeoutError after timeout seconds."""
        start = self.mark() if since is None else since
        return await self.outbox.wait_for(chat_id, predicate, timeout, start)

    def _user(self, user_id: int, username: str | None, first_name: str | None) -> dict[str, Any]:
        known = self._users.get(user_id, {})
        user = user_dict(user_id, username or known.get("username"),
                         first_name or known.get("first_name"))  # fmt: skip
        self._users[user_id] = user
        return user
