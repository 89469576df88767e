"""Records the emulator keeps (calls, bot messages, send events) and their Bot API JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BOT_USER: dict[str, Any] = {
    "id": 7_000_000_001,
    "is_bot": True,
    "first_name": "Margin Desk",
    "username": "margin_desk_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Who Telegram names as sender when a group admin posts anonymously / a channel posts.
GROUP_ANONYMOUS_BOT = {"id": 1_087_968_824, "is_bot": True, "first_name": "Group",
                       "username": "GroupAnonymousBot"}  # fmt: skip
CHANNEL_BOT = {"id": 136_817_688, "is_bot": True, "first_name": "Channel",
               "username": "Channel_Bot"}  # fmt: skip


@dataclass
class Call:
    """One Bot API call as the emulator received it."""

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None  # HTTP status answered; None while pending or on a simulated timeout


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as it stands now (or stood at one event)."""

    chat_id: int
    message_id: int
    text: str  # what the user sees: rendered text (the caption for a photo)
    html: str  # the text as sent, before entity parsing
    parse_mode: str | None
    date: int
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None  # inline keyboards only
    edit_date: int | None = None
    kind: str = "text"  # "text" or "photo"
    deleted: bool = False
    photo: bytes | None = None  # an uploaded photo's bytes (a PNG or JPEG)
    photo_size: tuple[int, int] | None = None  # (width, height) when the upload says

    @property
    def keyboard(self) -> list[list[Button]]:
        """The inline keyboard as rows of buttons ([] when there is none)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows
        ]

    @property
    def buttons(self) -> list[Button]:
        """Every inline button, row by row."""
        return [b for row in self.keyboard for b in row]

    def button(self, label: str) -> Button:
        """The first button whose text contains label; LookupError if none does."""
        for b in self.buttons:
            if label in b.text:
                return b
        raise LookupError(f"no button {label!r} on message {self.message_id}: {self.buttons}")

    def to_dict(self, chat: dict[str, Any], bot: dict[str, Any]) -> dict[str, Any]:
        """The Bot API Message object for this message."""
        out: dict[str, Any] = {
            "message_id": self.message_id, "date": self.date, "chat": chat, "from": bot,
        }  # fmt: skip
        text_key, entities_key = ("caption", "caption_entities") if self.kind == "photo" else (
            "text", "entities")  # fmt: skip
        if self.kind == "photo":
            width, height = self.photo_size or (640, 480)
            out["photo"] = [{"file_id": f"photo-{self.chat_id}-{self.message_id}",
                             "file_unique_id": f"p{self.message_id}", "width": width,
                             "height": height}]  # fmt: skip
        if self.text:
            out[text_key] = self.text
        if self.entities:
            out[entities_key] = self.entities
        if self.reply_markup:
            out["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            out["edit_date"] = self.edit_date
        return out


@dataclass(frozen=True)
class SendEvent:
    """Something the bot did in a chat: sent, edited, deleted a message or answered a button."""

    method: str
    chat_id: int | None
    message: BotMessage | None  # the message after the call (None for answerCallbackQuery)
    params: dict[str, Any]


def user_dict(user_id: int, username: str | None, first_name: str | None) -> dict[str, Any]:
    """A Bot API User for a human."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or "User"}
    if username:
        user["username"] = username
    return user


def chat_dict(chat_id: int, chat_type: str, user: dict[str, Any]) -> dict[str, Any]:
    """A Bot API Chat: the user for a private chat, a titled group otherwise."""
    if chat_type == "private":
        return {"id": chat_id, "type": "private"} | {
            k: user[k] for k in ("first_name", "username") if k in user
        }
    return {"id": chat_id, "type": chat_type, "title": f"Chat {chat_id}"}


def default_chat(chat_id: int) -> dict[str, Any]:
    """A plausible Chat for a chat id the emulator has not seen a message from."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram attaches to a text starting with '/'."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


def text_message(
    chat: dict[str, Any], user: dict[str, Any], message_id: int, text: str, now: int, *,
    edited: bool = False, forward: bool = False, sender_chat: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A Bot API Message a user sent, as Telegram delivers it in an Update."""
    msg: dict[str, Any] = {
        "message_id": message_id, "date": now, "chat": chat, "from": user, "text": text,
    }  # fmt: skip
    if entities := command_entities(text):
        msg["entities"] = entities
    if edited:
        msg["edit_date"] = now
    if forward:
        msg["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Someone",
                                 "date": now - 60}  # fmt: skip
    if sender_chat is not None:  # an anonymous group admin, or a channel posting
        msg["sender_chat"] = sender_chat
        msg["from"] = GROUP_ANONYMOUS_BOT if sender_chat["id"] == chat["id"] else CHANNEL_BOT
    return msg
