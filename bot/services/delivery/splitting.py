"""Splits Telegram HTML into messages Telegram accepts: short enough, tags balanced in each.

Length is measured the way Telegram limits it: on the rendered text (tags removed, entities
decoded), in UTF-16 code units, which is never less than tdlib's code-point count. Chunks end
on line boundaries; a line too long for one message is cut between words, or between
characters, never inside a tag or an entity. Tags still open at a cut (say a <pre> table) are
closed at the end of the chunk and reopened at the start of the next.
"""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096

_TOKEN_RE = re.compile(
    r"""</?[A-Za-z](?:[^<>"']|"[^"]*"|'[^']*')*>"""  # a tag (quoted attributes may hold '>')
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});"  # an entity
    r"|\n|[^<&\n]+|[<&]"  # a newline, a run of text, a stray '<' or '&'
)
_TAG_NAME_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_WORD_RE = re.compile(r"\S+\s*|\s+")

Stack = tuple[tuple[str, str], ...]  # open tags, outermost first: (name, raw opening tag)
Token = tuple[str, int, bool]  # (raw text, rendered UTF-16 units, is a tag)


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def html_to_plain(text: str) -> str:
    """The text Telegram shows for this HTML: tags removed, entities decoded."""
    return "".join(_plain(raw) for raw in _TOKEN_RE.findall(text))


def rendered_length(text: str) -> int:
    """Rendered length of this HTML in UTF-16 code units (what Telegram's 4096 limit counts)."""
    return utf16_len(html_to_plain(text))


def split_html(text: str, limit: int = TELEGRAM_LIMIT, raw_limit: int | None = None) -> list[str]:
    """Split HTML into balanced chunks of at most `limit` rendered units (raw size kept sane)."""
    if limit < 2:
        raise ValueError("limit must be at least 2 (one UTF-16 surrogate pair)")
    chunks = _Chunks(limit, raw_limit or 4 * limit)
    newline: Token = ("\n", 1, False)
    for line in _lines([_token(raw) for raw in _TOKEN_RE.findall(text)]):
        unit = [newline, *line] if chunks.has_content else line
        if chunks.add(unit):
            continue
        if chunks.rendered:
            chunks.flush()  # the newline at the cut is dropped
            unit = line
            if chunks.add(unit):
                continue
        for piece in _pieces(unit):  # longer than a whole message: cut between words
            if chunks.add([piece]) or (chunks.rendered and chunks.flush() and chunks.add([piece])):
                continue
            for char in _chars(piece):  # a word longer than a message: cut between characters
                if not chunks.add([char]):
                    chunks.flush()
                    chunks.add([char], force=True)
    return chunks.finish()


class _Chunks:
    """Accumulates tokens into chunks, closing and reopening the tags open at each cut."""

    def __init__(self, limit: int, raw_limit: int) -> None:
        self.limit, self.raw_limit = limit, raw_limit
        self.out: list[str] = []
        self._begin(())

    def _begin(self, stack: Stack) -> None:
        self.stack = stack
        self.parts = [raw for _, raw in stack]
        self.raw = sum(len(p) for p in self.parts)
        self.rendered = 0
        self.has_content = False

    def add(self, tokens: list[Token], force: bool = False) -> bool:
        """Append tokens if the chunk stays within both limits (force: ignore the raw one)."""
        stack, rendered, raw = self.stack, self.rendered, self.raw
        for tok, units, is_tag in tokens:
            rendered += units
            raw += len(tok)
            if is_tag:
                stack = _apply(stack, tok)
        if rendered > self.limit or (not force and raw + _closing_len(stack) > self.raw_limit):
            return False
        self.parts.extend(tok for tok, _, _ in tokens)
        self.stack, self.rendered, self.raw = stack, rendered, raw
        self.has_content = self.has_content or bool(tokens)
        return True

    def flush(self) -> bool:
        """End the current chunk (closing its open tags) and start the next one."""
        if self.rendered:
            self.out.append("".join(self.parts) + _closing(self.stack))
        self._begin(self.stack)
        return True

    def finish(self) -> list[str]:
        """The chunks; a tail of tags only (nothing rendered) is dropped."""
        if self.rendered:
            self.flush()
        return self.out


def _token(raw: str) -> Token:
    if raw[0] == "<" and len(raw) > 1:
        return raw, 0, True
    return raw, utf16_len(_plain(raw)), False


def _plain(raw: str) -> str:
    if raw[0] == "<" and len(raw) > 1:
        return ""
    if raw[0] == "&" and len(raw) > 1:
        return html.unescape(raw)
    return raw


def _lines(tokens: list[Token]) -> list[list[Token]]:
    lines: list[list[Token]] = [[]]
    for tok in tokens:
        if tok[0] == "\n":
            lines.append([])
        else:
            lines[-1].append(tok)
    return lines


def _pieces(tokens: list[Token]) -> list[Token]:
    """Tags, entities and words (each with its trailing spaces) of a line."""
    out: list[Token] = []
    for tok in tokens:
        if tok[2] or tok[0][0] == "&":
            out.append(tok)
        else:
            out.extend((w, utf16_len(w), False) for w in _WORD_RE.findall(tok[0]))
    return out


def _chars(piece: Token) -> list[Token]:
    if piece[2] or piece[0][0] == "&":
        return [piece]
    return [(c, utf16_len(c), False) for c in piece[0]]


def _apply(stack: Stack, tag: str) -> Stack:
    """The open-tag stack after this tag."""
    m = _TAG_NAME_RE.match(tag)
    if m is None:
        return stack
    name = m.group(2).lower()
    if not m.group(1):
        return (*stack, (name, tag))
    for i in range(len(stack) - 1, -1, -1):
        if stack[i][0] == name:
            return stack[:i]
    return stack  # a stray end tag: Telegram will complain, splitting should not


def _closing(stack: Stack) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _closing_len(stack: Stack) -> int:
    return sum(len(name) + 3 for name, _ in stack)
