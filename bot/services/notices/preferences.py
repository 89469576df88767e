"""A chat's notice preferences (/notify) and the one place that decides, per notice, whether it
goes out and whether it rings (see bot/domain/notices.py for the rules).

    notices = notices_of(services.extras)
    chat = await notices.load(chat_id)                      # one read, off the event loop
    how = notices.route(chat, NoticeSwitch.REMINDERS)       # pure: prefs + clock + zone
    if how.send: await notifier.send(..., disable_notification=how.silent)

Fills and orders are switched in the `chats` table (as the fill notices feature stores them),
every other kind in `notice_prefs`; callers see one NoticePrefs. Quiet hours are read on the
chat's own clock: `zone_of(db, chat_id)` names its zone (its /tz, UTC until it sets one).
Changes run on the storage's writer thread and are read back there; loads use the read
connection, never behind a lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.domain.alert_policy import DecisionKind
from bot.domain.notices import NoticePrefs, NoticeSwitch, QuietHours, Route, route
from bot.timing import Clock
from storage.chat_clock import ChatClockStore
from storage.chats import ChatStore
from storage.notice_prefs import NoticePrefStore
from storage.worker import Storage

NOTICES_KEY = "notices"  # Services.extras key of the NoticeService
UTC_NAME = "UTC"
ZoneOf = Callable[[Database, int], str]  # (connection, chat) -> IANA zone name


def chat_zone(db: Database, chat_id: int) -> str:
    """The zone the chat set with /tz (UTC until it sets one)."""
    return ChatClockStore(db).zone_name(chat_id)


@dataclass(frozen=True, slots=True)
class ChatNotices:
    """One chat's switches and quiet hours, and the zone they are read in."""

    chat_id: int
    prefs: NoticePrefs
    zone: ZoneInfo


class NoticeService:
    """Reads and changes notice preferences; routes each notice (send? ring?)."""

    def __init__(self, storage: Storage, clock: Clock, zone_of: ZoneOf = chat_zone) -> None:
        self._storage, self._clock, self._zone_of = storage, clock, zone_of

    async def load(self, chat_id: int) -> ChatNotices:
        return await self._storage.read(self._load, self._storage.reader, chat_id)

    async def set_enabled(self, chat_id: int, kind: NoticeSwitch, enabled: bool) -> ChatNotices:
        def change(db: Database) -> ChatNotices:
            if kind is NoticeSwitch.FILLS:
                ChatStore(db).set_notify(chat_id, fills=enabled)
            elif kind is NoticeSwitch.ORDERS:
                ChatStore(db).set_notify(chat_id, orders=enabled)
            else:
                NoticePrefStore(db).set_enabled(chat_id, kind.value, enabled)
            return self._load(db, chat_id)

        return await self._storage.write(change, self._storage.db)

    async def set_quiet(self, chat_id: int, quiet: QuietHours | None) -> ChatNotices:
        def change(db: Database) -> ChatNotices:
            window = None if quiet is None else (quiet.start, quiet.end)
            NoticePrefStore(db).set_quiet(chat_id, window)
            return self._load(db, chat_id)

        return await self._storage.write(change, self._storage.db)

    def route(
        self, chat: ChatNotices, kind: NoticeSwitch | None, *, critical: bool = False,
        silent: bool = False,
    ) -> Route:  # fmt: skip
        """Whether this chat gets a notice of `kind` now, and whether it rings."""
        return route(chat.prefs, kind, critical=critical, silent=silent,
                     now=self._clock.time(), tz=chat.zone)  # fmt: skip

    def _load(self, db: Database, chat_id: int) -> ChatNotices:
        stored = NoticePrefStore(db).get(chat_id)
        settings = ChatStore(db).get(chat_id)
        known = {k.value: k for k in NoticeSwitch}
        off = {known[k] for k in stored.off if k in known}
        switched = ((NoticeSwitch.FILLS, settings.notify_fills),
                    (NoticeSwitch.ORDERS, settings.notify_orders))
        off |= {k for k, on in switched if not on}
        quiet = QuietHours(*stored.quiet) if stored.quiet else None
        return ChatNotices(chat_id, NoticePrefs(frozenset(off), quiet),
                           _zone(self._zone_of(db, chat_id)))  # fmt: skip


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # a name that no longer resolves: the chat reads as UTC
        return ZoneInfo(UTC_NAME)


def notices_of(extras: Mapping[str, Any]) -> NoticeService | None:
    """The installed NoticeService (None before install: every notice goes as it always did)."""
    found = extras.get(NOTICES_KEY)
    return found if isinstance(found, NoticeService) else None


def switch_of(decision: DecisionKind) -> NoticeSwitch | None:
    """The switch an alert decision answers to: only reminders can be muted; a first alert, an
    escalation, a deepening, a recovery or a position's end have none."""
    return NoticeSwitch.REMINDERS if decision is DecisionKind.REMINDER else None
