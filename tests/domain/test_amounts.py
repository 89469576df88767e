"""Strict parsing of user numbers: every malformed number is refused with a specific reason."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.amounts import (
    format_duration,
    parse_count,
    parse_decimal,
    parse_duration,
    parse_leverage,
    parse_percent,
)
from bot.errors import UserInputError


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", D(1)), ("0.5", D("0.5")), (".5", D("0.5")), ("5.", D(5)), ("0012.340", D("12.34")),
     ("123456789012345", D(123456789012345)), ("0.000000000000000001", D("1e-18"))],
)
def test_plain_decimals_parse_exactly(text: str, value: D) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e3", "exponent"),
        ("1E-2", "exponent"),
        ("1_000", "underscores"),
        ("1,000", "thousands separators"),
        ("0,5", "'.' for decimals"),
        ("１２", "plain digits 0-9"),  # full-width
        ("١٢", "plain digits 0-9"),  # Arabic-Indic
        ("²", "plain digits 0-9"),
        ("inf", "not a number"),
        ("Infinity", "not a number"),
        ("NaN", "not a number"),
        ("-1", "must be positive"),
        ("+1", "without a '+' sign"),
        ("0", "greater than 0"),
        ("0.000", "greater than 0"),
        ("", "missing"),
        ("1.2.3", "not a number"),
        (".", "not a number"),
        ("0x10", "not a number"),
        (" 1", "not a number"),
        ("1\n", "not a number"),
        ("1234567890123456", "too large"),
        ("0.0000000000000000001", "more than 18 decimals"),
        ("9" * 41, "too long"),
    ],
)
def test_malformed_numbers_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_decimal(text, "quantity")
    assert reason in caught.value.reason
    assert "quantity" in caught.value.reason


def test_zero_allowed_on_request_and_decimals_cap() -> None:
    assert parse_decimal("0", allow_zero=True) == 0
    with pytest.raises(UserInputError, match="more than 6 decimals"):
        parse_decimal("1.0000001", "amount", max_decimals=6)


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_user_input_error(text: str) -> None:
    try:
        value = parse_decimal(text)
    except UserInputError as error:
        assert error.reason
    else:
        assert value > 0 and value.is_finite()
        assert text.isascii()


@given(st.decimals(min_value=D("0.000001"), max_value=D(10**12), places=6))
def test_round_trip_of_plain_text(value: D) -> None:
    assert parse_decimal(format(value, "f")) == value


@pytest.mark.parametrize(("text", "value"), [("5", D(5)), ("5%", D(5)), ("2.5%", D("2.5")),
                                             ("100", D(100))])
def test_percent_with_or_without_sign(text: str, value: D) -> None:
    assert parse_percent(text) == value


@pytest.mark.parametrize(("text", "reason"), [("101", "at most 100"), ("0%", "greater than 0"),
                                              ("%", "missing"), ("5%%", "not a number"),
                                              ("-5%", "positive"), ("５%", "digits 0-9")])
def test_bad_percent(text: str, reason: str) -> None:
    with pytest.raises(UserInputError, match=reason):
        parse_percent(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("1h", 3600), ("90m", 5400), ("1h30m", 5400), ("1H30M", 5400),
     ("24h", 86400), ("1d", 86400), ("1m", 60)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "reason"),
    [("25h", "between 1m and 24h"), ("0m", "between"), ("15", "needs a unit: e.g. 15m"),
     ("30m1h", "not a duration"), ("1h 30m", "not a duration"), ("", "not a duration"),
     ("１h", "not a duration"), ("-1h", "not a duration"), ("1.5h", "not a duration")],
)
def test_bad_durations(text: str, reason: str) -> None:
    with pytest.raises(UserInputError, match=reason):
        parse_duration(text)


def test_duration_bounds_are_configurable_and_formatted() -> None:
    with pytest.raises(UserInputError, match="between 15m and 24h"):
        parse_duration("5m", "snooze", minimum=900)
    assert [format_duration(s) for s in (5400, 86400, 45, 0)] == ["1h30m", "24h", "45s", "0m"]


@pytest.mark.parametrize(("text", "value"), [("10", 10), ("10x", 10), ("10X", 10), ("1", 1),
                                             ("100", 100)])
def test_leverage(text: str, value: int) -> None:
    assert parse_leverage(text) == value


@pytest.mark.parametrize(("text", "reason"), [("0", "between 1x and 100x"), ("101", "between"),
                                              ("10.5", "whole number"), ("10.0", "whole number"),
                                              ("x", "missing"), ("1e1", "exponent"),
                                              ("-5x", "positive"), ("10xx", "not a number")])
def test_bad_leverage(text: str, reason: str) -> None:
    with pytest.raises(UserInputError, match=reason):
        parse_leverage(text)


def test_count() -> None:
    assert parse_count("20", "N", maximum=50) == 20
    for bad in ("0", "51", "2.0", "２", "-1", "9999999"):
        with pytest.raises(UserInputError):
            parse_count(bad, "N", maximum=50)
