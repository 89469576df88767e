"""Parsing /pnl, /daily and /tz: every accepted form, and refusals that carry the usage line."""

from __future__ import annotations

from datetime import time

import pytest

from bot.domain.windows import Span
from bot.errors import UserInputError
from bot.handlers.command_types import OFF, Daily, Pnl, TimeZone
from bot.handlers.parsing import USAGE, parse_command


@pytest.mark.parametrize(("text", "command"), [
    ("/pnl", Pnl()),
    ("/pnl today", Pnl(Span.TODAY)),
    ("/pnl 7D", Pnl(Span.WEEK)),
    ("/pnl 30d", Pnl(Span.MONTH)),
    ("/pnl eth", Pnl(Span.TODAY, "eth")),
    ("/pnl eth 7d", Pnl(Span.WEEK, "eth")),
    ("/pnl 30d PERP_BTC_USDC", Pnl(Span.MONTH, "PERP_BTC_USDC")),
    ("/daily", Daily()),
    ("/daily 08:00", Daily(time(8, 0))),
    ("/daily 7:30", Daily(time(7, 30))),
    ("/daily OFF", Daily(OFF)),
    ("/tz", TimeZone()),
    ("/tz Europe/Berlin", TimeZone("Europe/Berlin")),
])  # fmt: skip
def test_accepted(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(("text", "name"), [
    ("/pnl today 7d", "pnl"),
    ("/pnl eth btc", "pnl"),
    ("/pnl 7d eth more", "pnl"),
    ("/daily 24:00", "daily"),
    ("/daily 8", "daily"),
    ("/daily 08:00 off", "daily"),
    ("/tz Europe/Berlin UTC", "tz"),
])  # fmt: skip
def test_refused_with_usage(text: str, name: str) -> None:
    with pytest.raises(UserInputError) as raised:
        parse_command(text)
    assert raised.value.usage == USAGE[name]
