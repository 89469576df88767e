"""Splitting HTML into messages Telegram accepts: length, balanced tags, nothing lost."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.delivery.splitting import html_to_plain, rendered_length, split_html, utf16_len

_TAG = re.compile(r"<[^>]+>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")


def rendered(chunk: str) -> str:
    """An independent oracle: what Telegram shows for simple, well-formed HTML."""
    return html.unescape(_TAG.sub("", chunk))


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def assert_valid(chunk: str, limit: int) -> None:
    """Within the limit, tags balanced, and no tag or entity cut in half."""
    assert utf16_len(rendered(chunk)) <= limit
    parser = _Balance()
    parser.feed(chunk)
    parser.close()
    assert parser.ok and not parser.stack, chunk
    leftover = _ENTITY.sub("", _TAG.sub("", chunk))
    assert "<" not in leftover and ">" not in leftover and "&" not in leftover, chunk


def test_a_short_message_is_left_alone() -> None:
    text = "<b>ETH</b> isolated long\n<code>2.5 %</code> from liquidation &amp; falling"
    assert split_html(text) == [text]


def test_length_is_counted_on_rendered_text_in_utf16_units() -> None:
    assert rendered_length("<b>&lt;</b>😀&amp;") == 4  # '<', a surrogate pair, '&'
    assert html_to_plain('<a href="https://x.io/?a=1&amp;b=2">P&amp;L</a> &lt;5%') == "P&L <5%"


def test_lines_are_kept_whole_and_the_newline_at_a_cut_is_dropped() -> None:
    lines = [f"line {i:02d} " + "x" * 20 for i in range(10)]  # 28 units each
    chunks = split_html("\n".join(lines), limit=100)
    assert chunks == ["\n".join(lines[i : i + 3]) for i in range(0, 10, 3)]


def test_a_cut_inside_pre_closes_and_reopens_it() -> None:
    table = "<pre>" + "\n".join(f"ROW {i:03d} | 1,234.56" for i in range(20)) + "</pre>"
    chunks = split_html("Positions:\n" + table + "\nend", limit=120)
    assert len(chunks) > 2
    for chunk in chunks:
        assert_valid(chunk, 120)
    assert chunks[1].startswith("<pre>") and chunks[1].endswith("</pre>")
    assert chunks[0].endswith("</pre>")
    assert "".join(map(rendered, chunks)).replace("\n", "") == rendered(
        "Positions:\n" + table + "\nend"
    ).replace("\n", "")


def test_a_long_line_is_cut_between_words_when_it_can_be() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    chunks = split_html(f"<i>{words}</i>", limit=50)
    for chunk in chunks:
        assert_valid(chunk, 50)
        assert all(re.fullmatch(r"word\d+", w) for w in rendered(chunk).split()), chunk
    assert "".join(map(rendered, chunks)) == words


def test_entities_and_astral_characters_are_never_split() -> None:
    text = "&amp;" * 30 + "😀" * 30
    chunks = split_html(text, limit=7)
    for chunk in chunks:
        assert_valid(chunk, 7)
    assert "".join(map(rendered, chunks)) == "&" * 30 + "😀" * 30


def test_ten_thousand_characters_with_pre_blocks() -> None:
    parts = []
    for block in range(6):
        parts.append(f"<b>Block {block}</b> — P&amp;L &lt;check&gt;")
        rows = [f"PERP_{block}_USDC {i:04d} {'x' * 30}" for i in range(40)]
        parts.append('<pre><code class="language-text">' + "\n".join(rows) + "</code></pre>")
    text = "\n".join(parts)
    assert len(text) > 10_000
    chunks = split_html(text)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert_valid(chunk, 4096)
        assert len(chunk) <= 4 * 4096
    joined = "".join(map(rendered, chunks)).replace("\n", "")
    assert joined == rendered(text).replace("\n", "")


def test_nothing_rendered_gives_no_chunks() -> None:
    assert split_html("") == []
    assert split_html("<b></b>") == []


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=40
).map(html.escape)  # fmt: skip
_SEGMENT = st.one_of(
    _TEXT,
    _TEXT.map(lambda t: f"<b>{t}</b>"),
    _TEXT.map(lambda t: f"<code>{t}</code>"),
    _TEXT.map(lambda t: f'<a href="https://example.org/?q=1&amp;r=2">{t}</a>'),
    _TEXT.map(lambda t: f"<i>x <u>{t}</u> y</i>"),
)
_LINE = st.lists(_SEGMENT, max_size=5).map("".join)
_BLOCK = st.one_of(_LINE, st.lists(_LINE, min_size=1, max_size=8).map(
    lambda lines: "<pre>" + "\n".join(lines) + "</pre>"
))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(_BLOCK, max_size=25), limit=st.integers(min_value=8, max_value=400))
def test_property_chunks_fit_and_lose_nothing(blocks: list[str], limit: int) -> None:
    text = "\n".join(blocks)
    chunks = split_html(text, limit=limit)
    for chunk in chunks:
        assert_valid(chunk, limit)
    joined = "".join(map(rendered, chunks)).replace("\n", "")
    assert joined == rendered(text).replace("\n", "")
