"""Telegram-like validation: HTML entity parsing, text lengths, keyboards and command menus.

The HTML rules follow tdlib's parser (supported tags, matching end tags, attribute syntax),
but a bare '&' that does not start an entity is refused, which is stricter than Telegram.
"""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64

TAG_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]+));")
_BUTTON_ACTIONS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "web_app", "login_url", "pay", "copy_text",
    "callback_game",
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """A refusal Telegram would send: HTTP status, description and optional retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code}
        body["description"] = self.description
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class _HtmlParser:
    """One pass over the text: rendered plain text plus Telegram entities (UTF-16 offsets)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.pos = 0  # UTF-16 offset in the rendered text
        self.stack: list[tuple[str, dict[str, str], int]] = []
        self.entities: list[dict[str, Any]] = []

    def fail(self, message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    def byte_at(self, i: int) -> int:
        return len(self.text[:i].encode())

    def emit(self, s: str) -> None:
        self.out.append(s)
        self.pos += _utf16_len(s)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        text, i = self.text, 0
        while i < len(text):
            c = text[i]
            if c == "&":
                ch, i = self.entity(i)
                self.emit(ch)
            elif c == "<":
                i = self.end_tag(i) if text.startswith("</", i) else self.start_tag(i)
            else:
                self.emit(c)
                i += 1
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def entity(self, i: int) -> tuple[str, int]:
        decoded = _decode_entity(self.text, i)
        if decoded is None:
            raise self.fail(f"Unsupported HTML entity at byte offset {self.byte_at(i)}; use &amp;")
        return decoded

    def start_tag(self, begin: int) -> int:
        text, i = self.text, begin + 1
        while i < len(text) and not text[i].isspace() and text[i] not in ">/":
            i += 1
        if i >= len(text):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_at(begin)}")
        name = text[begin + 1 : i].lower()
        if name not in TAG_TYPES:
            raise self.fail(f'Unsupported start tag "{name}" at byte offset {self.byte_at(begin)}')
        attrs, i = self.attributes(name, begin, i)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            at = self.byte_at(begin)
            raise self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        self.stack.append((name, attrs, self.pos))
        return i

    def attributes(self, tag: str, begin: int, i: int) -> tuple[dict[str, str], int]:
        text, attrs = self.text, dict[str, str]()
        unclosed = self.fail(f"Unclosed start tag at byte offset {self.byte_at(begin)}")
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                raise unclosed
            if text[i] == ">":
                return attrs, i + 1
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in "=>":
                i += 1
            key = text[start:i].lower()
            if i < len(text) and text[i] == "=":
                value, i = self.attr_value(i + 1, unclosed)
                attrs[key] = value
            elif key == "expandable" and tag == "blockquote":
                attrs[key] = ""
            else:
                raise self.fail(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.byte_at(begin)}'
                )

    def attr_value(self, i: int, unclosed: ApiError) -> tuple[str, int]:
        text = self.text
        if i < len(text) and text[i] in "\"'":
            end = text.find(text[i], i + 1)
            if end < 0:
                raise unclosed
            raw, nxt = text[i + 1 : end], end + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] != ">":
                end += 1
            raw, nxt = text[i:end], end
        return self.unescape(raw, i), nxt

    def unescape(self, raw: str, base: int) -> str:
        """Decode entities inside an attribute value (href="?a=1&amp;b=2")."""
        out, j = [], 0
        while j < len(raw):
            if raw[j] != "&":
                out.append(raw[j])
                j += 1
                continue
            decoded = _decode_entity(raw, j)
            if decoded is None:
                raise self.fail(f"Unsupported HTML entity at byte offset {self.byte_at(base + j)}")
            ch, j = decoded
            out.append(ch)
        return "".join(out)

    def end_tag(self, begin: int) -> int:
        close = self.text.find(">", begin)
        if close < 0:
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_at(begin)}")
        name = self.text[begin + 2 : close].strip().lower()
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_at(begin)}")
        open_name, attrs, start = self.stack[-1]
        if name != open_name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_at(begin)}, "
                f'expected "</{open_name}>", found "</{name}>"'
            )
        self.stack.pop()
        self.close_entity(open_name, attrs, start)
        return close + 1

    def close_entity(self, name: str, attrs: dict[str, str], start: int) -> None:
        kind = TAG_TYPES[name]
        language = attrs.get("class", "")
        if name == "code" and language.startswith("language-") and self.stack:
            parent = self.stack[-1]
            if parent[0] == "pre":
                parent[1]["language"] = language.removeprefix("language-")
                return
        if self.pos == start or (name == "a" and "href" not in attrs):
            return
        entity: dict[str, Any] = {"type": kind, "offset": start, "length": self.pos - start}
        if name == "a":
            entity["url"] = attrs["href"]
        elif name == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        elif name == "tg-emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id", "")
        elif name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at text[i] to (character, next index), or None."""
    m = _ENTITY.match(text, i)
    if m is None:
        return None
    hex_code, dec_code, name = m.groups()
    if name is not None:
        ch = _NAMED.get(name.lower())
        return (ch, m.end()) if ch else None
    code = int(hex_code, 16) if hex_code else int(dec_code)
    return (chr(code), m.end()) if 0 < code <= 0x10FFFF else None


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Render Telegram HTML to (plain text, entities) or raise ApiError "can't parse entities"."""
    return _HtmlParser(text).run()


def render_text(
    text: Any, parse_mode: Any, *, limit: int = MAX_TEXT, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Check a message text or caption as Telegram would and return (rendered text, entities)."""
    if text is None or text == "":
        if caption:
            return "", []
        raise bad_request("message text is empty")
    text = str(text)
    mode = str(parse_mode).lower() if parse_mode else ""
    if mode == "html":
        plain, entities = parse_html(text)
    elif mode in ("", "markdown", "markdownv2"):  # Markdown is not checked: the bot uses HTML
        plain, entities = text, []
    else:
        raise bad_request("unsupported parse_mode")
    if not plain.strip() and not caption:
        raise bad_request("message text is empty")
    if len(plain) > limit:  # tdlib counts code points after entity parsing
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, entities


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup like Telegram; returns the inline keyboard markup or None."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None  # reply keyboards and keyboard removal are not attached to the message
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("can't parse inline keyboard: rows must be arrays of buttons")
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        if not any(k in button for k in _BUTTON_ACTIONS):
            raise bad_request("text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and not (isinstance(url, str) and re.match(r"(https?|tg)://\S", url)):
            raise bad_request("BUTTON_URL_INVALID")
    return markup


def check_commands(commands: Any) -> list[dict[str, str]]:
    """Validate a setMyCommands list; returns it."""
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for cmd in commands:
        if not isinstance(cmd, dict) or not _COMMAND.fullmatch(str(cmd.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(cmd.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return commands
