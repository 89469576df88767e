"""Command text -> typed command; anything malformed -> UserInputError with the usage line."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import MarginAction, MarginMode, Side
from bot.domain.notices import NoticeSwitch, QuietHours
from bot.errors import UserInputError
from bot.handlers.parsing import (
    OFF,
    USAGE,
    AlertSet,
    AlertShow,
    AlertToggle,
    Balance,
    BuySell,
    Cancel,
    CancelAll,
    Close,
    Help,
    History,
    LeverageSet,
    LeverageShow,
    Limits,
    MarginChange,
    ModeSet,
    ModeShow,
    Notify,
    Orders,
    Positions,
    PositionShow,
    Snooze,
    Start,
    Status,
    command_name,
    parse_command,
)

CROSS, ISO = MarginMode.CROSS, MarginMode.ISOLATED

VALID = [
    ("/start", Start()),
    ("/start deep-link-payload", Start()),
    ("/help", Help()),
    ("/help buy", Help("buy")),
    ("/help /Buy", Help("buy")),
    ("/positions", Positions()),
    ("/position eth", PositionShow("eth", None)),  # None: the chat's default mode
    ("/position ETH cross", PositionShow("ETH", CROSS)),
    ("/position CROSS eth", PositionShow("eth", CROSS)),
    ("/balance", Balance()),
    ("/leverage eth", LeverageShow("eth")),
    ("/leverage ETH-PERP 10", LeverageSet("ETH-PERP", 10, None)),
    ("/leverage eth 20x Cross", LeverageSet("eth", 20, CROSS)),
    ("/leverage all 5 cross", LeverageSet(None, 5, CROSS)),
    ("/leverage ALL 5", LeverageSet(None, 5, None)),
    ("/mode eth cross", ModeSet("eth", CROSS)),
    ("/mode ISOLATED PERP_ETH_USDC", ModeSet("PERP_ETH_USDC", ISO)),
    ("/mode eth", ModeShow("eth")),
    ("/buy eth 0.1", BuySell(Side.BUY, "eth", D("0.1"))),
    ("/buy eth 0.1 2500", BuySell(Side.BUY, "eth", D("0.1"), D(2500))),
    ("/buy eth 0.1 2500 isolated", BuySell(Side.BUY, "eth", D("0.1"), D(2500), ISO)),
    ("/sell eth 1 cross", BuySell(Side.SELL, "eth", D(1), None, CROSS)),
    ("/sell 1000PEPE 100000 .0123", BuySell(Side.SELL, "1000PEPE", D(100000), D("0.0123"))),
    ("/close eth", Close("eth")),
    ("/close eth 33", Close("eth", D(33))),
    ("/close eth 50% cross", Close("eth", D(50), CROSS)),
    ("/close eth isolated", Close("eth", None, ISO)),
    ("/orders", Orders()),
    ("/orders btc", Orders("btc")),
    ("/cancel 12345", Cancel(12345)),
    ("/cancel all", CancelAll()),
    ("/cancel ALL eth", CancelAll("eth")),
    ("/margin add eth 100", MarginChange(MarginAction.ADD, "eth", D(100))),
    ("/margin REDUCE eth 12.5", MarginChange(MarginAction.REDUCE, "eth", D("12.5"))),
    ("/alert", AlertShow()),
    ("/alert default 5", AlertSet(None, D(5))),
    ("/alert default 5% 2.5%", AlertSet(None, D(5), D("2.5"))),
    ("/alert eth 8 4", AlertSet("eth", D(8), D(4))),
    ("/alert eth off", AlertToggle("eth", False)),
    ("/alert eth ON", AlertToggle("eth", True)),
    ("/snooze eth 15m", Snooze("eth", 900)),
    ("/snooze eth 1h30m", Snooze("eth", 5400)),
    ("/snooze eth 1h 30m", Snooze("eth", 5400)),
    ("/snooze eth 24h", Snooze("eth", 86400)),
    ("/snooze eth off", Snooze("eth", None)),
    ("/limits", Limits()),
    ("/limits 200", Limits(D(200))),
    ("/limits 200 1000", Limits(D(200), D(1000))),
    ("/limits off OFF", Limits(OFF, OFF)),
    ("/limits off 500", Limits(OFF, D(500))),
    ("/notify", Notify()),
    ("/notify fills off", Notify("fills", False)),
    ("/notify ORDERS On", Notify("orders", True)),
    ("/notify reminders off", Notify(NoticeSwitch.REMINDERS, False)),
    ("/notify daily off", Notify(NoticeSwitch.DAILY, False)),
    ("/notify degraded on", Notify(NoticeSwitch.DEGRADED, True)),
    ("/notify quiet 23:00-07:00", Notify(quiet=QuietHours(23 * 60, 7 * 60))),
    ("/notify quiet 22:30 - 6:05", Notify(quiet=QuietHours(22 * 60 + 30, 6 * 60 + 5))),
    ("/notify QUIET off", Notify(quiet=OFF)),
    ("/status", Status()),
    ("/history", History(10)),
    ("/history 50", History(50)),
]


@pytest.mark.parametrize(("text", "command"), VALID)
def test_valid_commands(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    "text",
    ["/BUY eth 0.1", "  /buy   eth\t0.1  ", "/buy@MarginDeskBot eth 0.1", "/buy eth 0.1\n",
     "/buy\u00a0eth 0.1"],
)
def test_whitespace_case_and_bot_name_are_tolerated(text: str) -> None:
    assert parse_command(text) == BuySell(Side.BUY, "eth", D("0.1"))


def test_limits_show_flag() -> None:
    assert Limits().is_show and not Limits(OFF).is_show


@pytest.mark.parametrize(
    ("text", "reason", "usage_key"),
    [
        ("/buy", "missing arguments", "buy"),
        ("/buy eth", "missing arguments", "buy"),
        ("/buy eth 1 2 3", "too many arguments", "buy"),
        ("/buy 0.1 eth", "0.1 is not a symbol", "buy"),
        ("/buy eth 1e3", "exponent", "buy"),
        ("/buy eth 1_000", "underscores", "buy"),
        ("/buy eth ０.1", "plain digits 0-9", "buy"),
        ("/buy eth inf", "not a number", "buy"),
        ("/buy eth NaN", "not a number", "buy"),
        ("/buy eth -1", "positive", "buy"),
        ("/buy eth +1", "'+' sign", "buy"),
        ("/buy eth 0", "greater than 0", "buy"),
        ("/buy eth 1 cross isolated", "mode once", "buy"),
        ("/sell eth 1 0", "price must be greater than 0", "sell"),
        ("/close eth 101", "at most 100", "close"),
        ("/close eth 0%", "greater than 0", "close"),
        ("/position", "missing arguments", "position"),
        ("/position eth btc", "too many arguments", "position"),
        ("/leverage", "missing arguments", "leverage"),
        ("/leverage all", "give the leverage", "leverage"),
        ("/leverage eth cross", "give the leverage", "leverage"),
        ("/leverage eth 10.5", "whole number", "leverage"),
        ("/leverage eth 0", "between 1x and 100x", "leverage"),
        ("/leverage eth 500x", "between 1x and 100x", "leverage"),
        ("/mode", "missing arguments", "mode"),
        ("/mode eth cross btc", "too many arguments", "mode"),
        ("/mode eth cross isolated", "give the margin mode once", "mode"),
        ("/mode eth iso", "cross or isolated", "mode"),
        ("/cancel", "missing arguments", "cancel"),
        ("/cancel abc", "order id is a number", "cancel"),
        ("/cancel 12 13", "too many arguments", "cancel"),
        ("/cancel -5", "order id is a number", "cancel"),
        ("/margin add eth", "missing arguments", "margin"),
        ("/margin take eth 5", "add or reduce", "margin"),
        ("/margin add eth 1.0000001", "more than 6 decimals", "margin"),
        ("/alert eth", "missing arguments", "alert"),
        ("/alert eth 2 5", "critical level must be closer", "alert"),
        ("/alert eth 5 5", "critical level must be closer", "alert"),
        ("/alert eth 60", "at most 50", "alert"),
        ("/alert default off", "per symbol", "alert"),
        ("/snooze eth", "missing arguments", "snooze"),
        ("/snooze eth 5m", "between 15m and 24h", "snooze"),
        ("/snooze eth 25h", "between 15m and 24h", "snooze"),
        ("/snooze eth 15", "needs a unit", "snooze"),
        ("/limits 1 2 3", "too many arguments", "limits"),
        ("/limits -5", "positive", "limits"),
        ("/notify fills", "say on or off", "notify"),
        ("/notify alerts off", "say which notices", "notify"),
        ("/notify fills maybe", "say on or off", "notify"),
        ("/notify fills off now", "say on or off", "notify"),
        ("/notify fills off now or later", "too many arguments", "notify"),
        ("/notify quiet", "HH:MM-HH:MM", "notify"),
        ("/notify quiet 23:00", "HH:MM-HH:MM", "notify"),
        ("/notify quiet 23:00-23:00", "start and end different", "notify"),
        ("/notify quiet 24:00-07:00", "HH:MM-HH:MM", "notify"),
        ("/notify quiet 23:00-07:60", "HH:MM-HH:MM", "notify"),
        ("/notify quiet ２３:00-07:00", "HH:MM-HH:MM", "notify"),
        ("/history 0", "between 1 and 50", "history"),
        ("/history 51", "between 1 and 50", "history"),
        ("/history ten", "whole number", "history"),
        ("/positions eth", "too many arguments", "positions"),
        ("/help nosuch", "there is no command /nosuch", "help"),
    ],
)
def test_malformed_commands_get_a_reason_and_the_usage(
    text: str, reason: str, usage_key: str
) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_command(text)
    assert reason in caught.value.reason
    assert caught.value.usage == USAGE[usage_key]


@pytest.mark.parametrize("text", ["hello", "", "   ", "buy eth 1", "/", "/nosuch 1", "/bü"])
def test_not_a_command(text: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_command(text)
    assert caught.value.usage == "send /help for the list of commands"


def test_usage_has_one_example_per_command_and_covers_every_parser() -> None:
    for name, line in USAGE.items():
        assert line.startswith(f"/{name}")
        no_example = ("start", "positions", "balance", "status", "menu")
        assert "e.g. /" in line or name in no_example
    for name in USAGE:  # every documented command parses (its example, or bare)
        example = USAGE[name].split("e.g. ", 1)[1] if "e.g. " in USAGE[name] else f"/{name}"
        parse_command(example)


def test_command_name() -> None:
    assert command_name("/Buy@Bot eth") == "buy"
    assert command_name("buy") is None
    assert command_name("") is None


def test_huge_text_is_refused_quickly() -> None:
    with pytest.raises(UserInputError, match="too long"):
        parse_command("/buy " + "9" * 1_000_000)


# -- fuzz -----------------------------------------------------------------------------------
words = st.sampled_from(
    ["eth", "ETH-PERP", "all", "cross", "ISOLATED", "off", "on", "default", "add", "reduce",
     "0.1", "1e3", "5%", "15m", "1h30m", "10x", "-1", "NaN", "１", "\x00", "𝟙", "", "9" * 30]
)
commands = st.sampled_from(["/" + name for name in USAGE] + ["/x", "/buy@bot", "x"])


@settings(max_examples=400)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    try:
        parse_command(text)
    except UserInputError as error:
        assert error.reason and error.usage


@settings(max_examples=600)
@given(commands, st.lists(st.one_of(words, st.text(max_size=12)), max_size=5))
def test_arbitrary_arguments_never_raise_anything_else(command: str, args: list[str]) -> None:
    try:
        parse_command(" ".join([command, *args]))
    except UserInputError as error:
        assert error.reason and error.usage


symbols = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,7}", fullmatch=True).filter(
    lambda s: s.lower() not in ("cross", "isolated", "all", "default")
)
amounts = st.decimals(min_value=D("0.0001"), max_value=D(10**9), places=4)
modes = st.sampled_from([None, CROSS, ISO])


@given(st.sampled_from(list(Side)), symbols, amounts, st.none() | amounts, modes,
       st.booleans())
def test_generated_orders_parse_to_their_values(
    side: Side, symbol: str, qty: D, price: D | None, mode: MarginMode | None, upper: bool
) -> None:
    parts = [f"/{side.value.lower()}", symbol, f"{qty:f}"]
    parts += [f"{price:f}"] if price is not None else []
    parts += [mode.value.upper() if upper else mode.value.lower()] if mode else []
    assert parse_command("  ".join(parts)) == BuySell(side, symbol, qty, price, mode)


@given(symbols, st.integers(1, 100), modes, st.booleans())
def test_generated_leverage_sets_parse(
    symbol: str, leverage: int, mode: MarginMode | None, with_x: bool
) -> None:
    text = f"/leverage {symbol} {leverage}{'x' if with_x else ''} {mode.value if mode else ''}"
    assert parse_command(text) == LeverageSet(symbol, leverage, mode)


@given(symbols, st.integers(0, 24), st.integers(0, 59))
def test_generated_snoozes_parse(symbol: str, hours: int, minutes: int) -> None:
    seconds = hours * 3600 + minutes * 60
    text = f"/snooze {symbol} {hours}h{minutes}m"
    if 15 * 60 <= seconds <= 24 * 3600:
        assert parse_command(text) == Snooze(symbol, seconds)
    else:
        with pytest.raises(UserInputError):
            parse_command(text)
