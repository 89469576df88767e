"""What each Bot API method does, strictly like Telegram: the server side of the emulator."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.botapi.faults import RateMeter
from bot.botapi.messages import BOT_USER, BotMessage, SendEvent, default_chat
from bot.botapi.outbox import Outbox
from bot.botapi.png import png_size
from bot.botapi.strict import (
    MAX_CAPTION,
    ApiError,
    bad_request,
    check_commands,
    check_reply_markup,
    render_text,
)
from bot.botapi.updates import UpdateQueue
from bot.botapi.webhook import WebhookSender
from bot.timing import Clock, SystemClock

JPEG_SOI = b"\xff\xd8\xff"

CALLBACK_TTL = 15.0  # seconds Telegram keeps a callback query answerable
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})  # fmt: skip


@dataclass
class PendingQuery:
    """A button press the bot may still answer."""

    chat_id: int
    message_id: int
    created: float
    answer: dict[str, Any] | None = None


class BotApiMethods:
    """The bot's server-side state and one handler per supported Bot API method."""

    def __init__(
        self, *, clock: Clock | None = None, enforce_rate_limits: bool = False,
        callback_ttl: float = CALLBACK_TTL,
    ) -> None:  # fmt: skip
        self.clock: Clock = clock or SystemClock()
        self.bot_user = dict(BOT_USER)
        self.blocked: set[int] = set()  # chats whose user blocked the bot: every send gets a 403
        self.rates = RateMeter(self.clock, enforce_rate_limits)
        self.callback_ttl = callback_ttl
        self.updates = UpdateQueue()
        self.webhook = WebhookSender(self.updates)
        self.outbox = Outbox()
        self._chats: dict[int, dict[str, Any]] = {}
        self._queries: dict[str, PendingQuery] = {}
        self._commands: dict[str, list[dict[str, str]]] = {}
        handlers = {
            "getMe": self._get_me, "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info, "getUpdates": self._get_updates,
            "sendMessage": self._send_message, "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message, "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands, "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands, "close": self._ok, "logOut": self._ok,
        }  # fmt: skip
        self._handlers = {name.lower(): (name, fn) for name, fn in handlers.items()}

    def handler_for(self, method: str) -> tuple[str, Any]:
        """(canonical method name, async handler or None); Telegram ignores the name's case."""
        return self._handlers.get(method.lower(), (method, None))

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list:
        """The command menu set for scope (the default scope when None)."""
        return self._commands.get(scope_key(scope, language_code), [])

    # ---- method handlers --------------------------------------------------------------------

    async def _ok(self, p: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _delete_webhook(self, p: dict[str, Any]) -> bool:
        await self.webhook.delete()
        if p.get("drop_pending_updates"):
            self.updates.drop_pending()
        return True

    async def _set_webhook(self, p: dict[str, Any]) -> bool:
        url = str(p.get("url") or "")
        if not url:  # Telegram: an empty url removes the webhook
            return await self._delete_webhook(p)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: invalid URL")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        allowed = p.get("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise bad_request("can't parse allowed updates")
        if p.get("drop_pending_updates"):
            self.updates.drop_pending()
        self.updates.restrict(allowed)
        await self.webhook.set(url, None if secret is None else str(secret))
        return True

    async def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.webhook.info()

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.active:
            raise ApiError(409, WEBHOOK_ACTIVE)
        # PTB sends timeout with every poll; the emulator waits that long at most, like Telegram
        return await self.updates.fetch(
            int(p.get("offset") or 0), int(p.get("limit") or 100),
            float(p.get("timeout") or 0), p.get("allowed_updates"),
        )  # fmt: skip

    async def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(p)
        text, entities = render_text(p.get("text"), p.get("parse_mode"))
        markup = check_reply_markup(p.get("reply_markup"))
        msg = BotMessage(chat_id, 0, text, str(p["text"]), p.get("parse_mode"),
                         int(self.clock.time()), entities, markup)  # fmt: skip
        return await self._deliver("sendMessage", p, msg)

    async def _send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(p)
        photo = p.get("photo")
        if not photo:
            raise bad_request("there is no photo in the request")
        data, size = None, None
        if isinstance(photo, dict):  # an upload (a string is a file_id or URL)
            data = bytes(photo.get("data") or b"")
            size = png_size(data)
            if size is None and not data.startswith(JPEG_SOI):
                raise bad_request("IMAGE_PROCESS_FAILED")
        caption = p.get("caption")
        text, entities = render_text(caption, p.get("parse_mode"), limit=MAX_CAPTION, caption=True)
        markup = check_reply_markup(p.get("reply_markup"))
        msg = BotMessage(chat_id, 0, text, str(caption or ""), p.get("parse_mode"),
                         int(self.clock.time()), entities, markup, kind="photo",
                         photo=data, photo_size=size)  # fmt: skip
        return await self._deliver("sendPhoto", p, msg)

    async def _edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        old = self._existing(p, "edit")
        text, entities = render_text(p.get("text"), p.get("parse_mode"))
        # Telegram drops the inline keyboard when an edit does not repeat it.
        markup = check_reply_markup(p.get("reply_markup"))
        if old.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if (text, entities, markup) == (old.text, old.entities, old.reply_markup):
            raise bad_request(NOT_MODIFIED)
        new = replace(
            old,
            text=text,
            html=str(p["text"]),
            parse_mode=p.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            edit_date=int(self.clock.time()),
        )
        return await self._deliver("editMessageText", p, new)

    async def _edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        old = self._existing(p, "edit")
        markup = check_reply_markup(p.get("reply_markup"))
        if markup == old.reply_markup:
            raise bad_request(NOT_MODIFIED)
        new = replace(old, reply_markup=markup, edit_date=int(self.clock.time()))
        return await self._deliver("editMessageReplyMarkup", p, new)

    async def _delete_message(self, p: dict[str, Any]) -> bool:
        msg = replace(self._existing(p, "delete"), deleted=True)
        await self.outbox.record(SendEvent("deleteMessage", msg.chat_id, msg, p))
        return True

    async def _send_chat_action(self, p: dict[str, Any]) -> bool:
        self._target(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _answer_callback_query(self, p: dict[str, Any]) -> bool:
        query = self._queries.get(str(p.get("callback_query_id", "")))
        if (
            query is None
            or query.answer is not None
            or (self.clock.monotonic() - query.created > self.callback_ttl)
        ):
            raise bad_request(QUERY_INVALID)
        if len(str(p.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answer = dict(p)
        await self.outbox.record(SendEvent("answerCallbackQuery", query.chat_id, None, p))
        return True

    async def _set_my_commands(self, p: dict[str, Any]) -> bool:
        key = scope_key(p.get("scope"), p.get("language_code") or "")
        self._commands[key] = check_commands(p.get("commands"))
        return True

    async def _get_my_commands(self, p: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands(p.get("scope"), p.get("language_code") or "")

    async def _delete_my_commands(self, p: dict[str, Any]) -> bool:
        self._commands.pop(scope_key(p.get("scope"), p.get("language_code") or ""), None)
        return True

    # ---- helpers ----------------------------------------------------------------------------

    def _target(self, p: dict[str, Any]) -> int:
        """The chat a call addresses, refused like Telegram when unusable."""
        raw = p.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _existing(self, p: dict[str, Any], verb: str) -> BotMessage:
        if p.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        chat_id = self._target(p)
        try:
            message_id = int(p.get("message_id") or 0)
        except (TypeError, ValueError):
            raise bad_request("message identifier is not specified") from None
        msg = self.outbox.get(chat_id, message_id)
        if msg is None or msg.deleted:
            raise bad_request(f"message to {verb} not found")
        return msg

    async def _deliver(self, method: str, p: dict[str, Any], msg: BotMessage) -> dict[str, Any]:
        self.rates.check(method, msg.chat_id)
        if not msg.message_id:
            msg = replace(msg, message_id=self.outbox.new_message_id(msg.chat_id))
        await self.outbox.record(SendEvent(method, msg.chat_id, msg, p))
        return msg.to_dict(self._chat(msg.chat_id), self.bot_user)

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return self._chats.get(chat_id) or default_chat(chat_id)


def scope_key(scope: Any, language_code: str) -> str:
    """The key one command menu is stored under: its scope and language."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True) + "|" + language_code
