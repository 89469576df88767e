"""Notice rules: quiet hours across midnight and in a chat's zone, switches, critical rings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.notices import (
    DROP,
    NoticePrefs,
    NoticeSwitch,
    QuietHours,
    Route,
    parse_clock,
    parse_quiet_hours,
    route,
)

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(23 * 60, 7 * 60)  # 23:00-07:00, across midnight
LUNCH = QuietHours(12 * 60, 13 * 60 + 30)  # 12:00-13:30, same day


def at(hhmm: str, tz: ZoneInfo = UTC, day: str = "2026-12-04") -> float:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=tz).timestamp()


@pytest.mark.parametrize(("minute", "inside"), [
    (23 * 60 - 1, False), (23 * 60, True), (23 * 60 + 59, True), (0, True), (3 * 60, True),
    (7 * 60 - 1, True), (7 * 60, False), (12 * 60, False),
])  # fmt: skip
def test_a_window_across_midnight(minute: int, inside: bool) -> None:
    assert NIGHT.contains(minute) is inside


@pytest.mark.parametrize(("minute", "inside"), [
    (12 * 60 - 1, False), (12 * 60, True), (13 * 60 + 29, True), (13 * 60 + 30, False), (0, False),
])  # fmt: skip
def test_a_window_within_one_day(minute: int, inside: bool) -> None:
    assert LUNCH.contains(minute) is inside


@given(st.integers(0, 1439), st.integers(0, 1439), st.integers(0, 1439))
def test_a_window_and_its_complement_cover_the_day_exactly_once(a: int, b: int, m: int) -> None:
    if a == b:
        return
    assert QuietHours(a, b).contains(m) != QuietHours(b, a).contains(m)


def test_the_window_is_read_on_the_chats_wall_clock() -> None:
    # 22:30 UTC in December is 23:30 in Berlin: inside Berlin's night, not UTC's
    instant = at("22:30")
    assert NIGHT.active_at(instant, BERLIN) and not NIGHT.active_at(instant, UTC)
    # 06:30 UTC is 07:30 in Berlin: UTC still quiet, Berlin awake
    morning = at("06:30")
    assert NIGHT.active_at(morning, UTC) and not NIGHT.active_at(morning, BERLIN)
    # summer time: 05:30 UTC in July is 07:30 in Berlin
    assert not NIGHT.active_at(at("05:30", day="2026-07-01"), BERLIN)


@pytest.mark.parametrize(("text", "window"), [
    ("23:00-07:00", QuietHours(1380, 420)), ("7:05-9:00", QuietHours(425, 540)),
    ("00:00-23:59", QuietHours(0, 1439)),
    ("23:00-23:00", None), ("24:00-07:00", None), ("23:60-07:00", None), ("23-07", None),
    ("23:00", None), ("23:00-07:00-08:00", None), ("２３:00-07:00", None), ("", None),
    ("-1:00-07:00", None), (" 23:00-07:00", None),
])  # fmt: skip
def test_parse_quiet_hours(text: str, window: QuietHours | None) -> None:
    assert parse_quiet_hours(text) == window
    if window is not None:
        assert parse_quiet_hours(window.text) == window


def test_parse_clock_and_the_text_form() -> None:
    assert parse_clock("07:05") == parse_clock("7:05") == 425
    assert parse_clock("7:5") is None
    assert NIGHT.text == "23:00-07:00"
    with pytest.raises(ValueError):
        QuietHours(60, 60)
    with pytest.raises(ValueError):
        QuietHours(0, 1440)


def test_route_switches_quiet_hours_and_critical() -> None:
    quiet_now = at("02:00")
    awake = at("12:00")
    prefs = NoticePrefs(frozenset({NoticeSwitch.REMINDERS}), NIGHT)

    def go(kind: NoticeSwitch | None, now: float, **kw: bool) -> Route:
        return route(prefs, kind, now=now, tz=UTC, critical=kw.get("critical", False),
                     silent=kw.get("silent", False))

    # a switched-off kind is dropped whatever its level (a critical reminder too)
    assert go(NoticeSwitch.REMINDERS, awake) == DROP
    assert go(NoticeSwitch.REMINDERS, awake, critical=True) == DROP
    # an unswitchable notice (first alert, escalation) always goes
    assert go(None, awake) == Route(True, False)
    # quiet hours: non-critical arrives silently, critical rings
    assert go(None, quiet_now) == Route(True, True)
    assert go(NoticeSwitch.FILLS, quiet_now) == Route(True, True)
    assert go(None, quiet_now, critical=True) == Route(True, False)
    # what is silent anyway stays silent
    assert go(NoticeSwitch.ORDERS, awake, silent=True) == Route(True, True)
    assert route(NoticePrefs(), NoticeSwitch.DAILY, critical=False, silent=False, now=quiet_now,
                 tz=UTC) == Route(True, False)
