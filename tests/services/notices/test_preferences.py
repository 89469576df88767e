"""NoticeService: one view of switches kept in two tables, quiet hours stored and read in the
chat's zone, and the route each notice takes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.domain.alert_policy import DecisionKind
from bot.domain.notices import DROP, NoticeSwitch, QuietHours, Route
from bot.services.notices.preferences import NoticeService, switch_of
from bot.timing import FakeClock
from storage.chats import ChatStore
from storage.db import open_database
from storage.worker import Storage

TOKYO = "Asia/Tokyo"


def service(now: float, zone: str | None = None) -> tuple[NoticeService, Storage]:
    storage = Storage(open_database(":memory:"))

    def zone_of(db: Database, chat_id: int) -> str:
        return zone or "UTC"

    return NoticeService(storage, FakeClock(now), zone_of), storage


async def test_every_switch_starts_on_and_fills_stay_in_the_chats_table() -> None:
    svc, storage = service(0.0)
    first = await svc.load(7)
    assert first.prefs.off == frozenset() and first.prefs.quiet is None
    await svc.set_enabled(7, NoticeSwitch.FILLS, False)
    await svc.set_enabled(7, NoticeSwitch.REMINDERS, False)
    await svc.set_enabled(7, NoticeSwitch.DAILY, False)
    after = await svc.set_enabled(7, NoticeSwitch.DAILY, True)
    assert ChatStore(storage.db).get(7).notify_fills is False  # what the fill notices read
    assert after.prefs.off == {NoticeSwitch.FILLS, NoticeSwitch.REMINDERS}
    assert (await svc.load(7)).prefs == after.prefs
    assert (await svc.load(8)).prefs.off == frozenset()  # per chat
    storage.close()


async def test_quiet_hours_are_stored_and_read_on_the_chats_clock() -> None:
    three_am_tokyo = datetime(2026, 12, 4, 3, 0, tzinfo=ZoneInfo(TOKYO)).timestamp()  # 18:00 UTC
    svc, storage = service(three_am_tokyo, TOKYO)
    assert svc.route(await svc.load(7), None) == Route(True, False)
    chat = await svc.set_quiet(7, QuietHours(23 * 60, 7 * 60))
    assert chat.prefs.quiet == QuietHours(1380, 420) and chat.zone.key == TOKYO
    assert svc.route(chat, NoticeSwitch.FILLS) == Route(True, True)
    assert svc.route(chat, None, critical=True) == Route(True, False)
    utc, other = service(three_am_tokyo)  # the same instant is 18:00 in UTC: awake
    assert utc.route(await utc.set_quiet(7, QuietHours(23 * 60, 7 * 60)), None) == Route(True)
    cleared = await svc.set_quiet(7, None)
    assert cleared.prefs.quiet is None and svc.route(cleared, None) == Route(True, False)
    storage.close()
    other.close()


async def test_only_reminders_answer_to_a_switch() -> None:
    assert switch_of(DecisionKind.REMINDER) is NoticeSwitch.REMINDERS
    for kind in DecisionKind:
        if kind is not DecisionKind.REMINDER:
            assert switch_of(kind) is None
    svc, storage = service(0.0)
    chat = await svc.set_enabled(7, NoticeSwitch.REMINDERS, False)
    assert svc.route(chat, switch_of(DecisionKind.REMINDER), critical=True) == DROP
    assert svc.route(chat, switch_of(DecisionKind.ALERT), critical=True) == Route(True, False)
    storage.close()


async def test_an_unknown_zone_name_reads_as_utc() -> None:
    svc, storage = service(0.0, "Mars/Olympus_Mons")
    assert (await svc.load(7)).zone.key == "UTC"
    storage.close()
