"""The fill and order notices feature's wiring: the FillWatcher's batches → one message per
chat that has sent /start, as its /notify switches allow (fills audible).

    watcher = install_fill_notices(runtime.services, db, link, settings)   # in BotRuntime
"""

from __future__ import annotations

import logging

from sqlite_utils import Database

from bot.domain.fills import FillNotice, NoticeKind
from bot.domain.models import MarketInfo
from bot.handlers.context import Services
from bot.handlers.notices.render import notices_message
from bot.services.delivery.notifier import Priority
from bot.services.monitor.fill_watcher import FillWatcher, NoticeBatch, NoticeSink, OrderFeed
from bot.services.notices.preferences import notices_of
from bot.timing import Timings
from storage.chats import ChatSettings, ChatStore

log = logging.getLogger(__name__)


def wanted(chat: ChatSettings, notice: FillNotice) -> bool:
    """True when the chat's /notify switches let this notice through."""
    if notice.kind.is_fill or notice.kind is NoticeKind.TRIGGERED:  # a TP/SL firing is a fill
        return chat.notify_fills
    return chat.notify_orders


def make_fill_sink(services: Services) -> NoticeSink:
    """The watcher's sink: one message per started chat, fills audible, others quiet."""

    async def sink(batch: NoticeBatch) -> None:
        try:
            markets: dict[str, MarketInfo] = await services.markets.all()
        except Exception as exc:  # the message goes out without tick precision
            log.warning("fill notices without market rules: %s", exc)
            markets = {}
        reader = ChatStore(services.storage.reader)
        for chat in await services.storage.read(reader.known_chats):
            mine = [n for n in batch.notices if wanted(chat, n)]
            if not mine:
                continue
            silent = not any(n.kind.audible for n in mine)
            notices = notices_of(services.extras)
            if notices is not None:  # quiet hours: fills arrive without a sound
                prefs = await notices.load(chat.chat_id)
                silent = notices.route(prefs, None, silent=silent).silent
            await services.notifier.send(
                chat.chat_id, notices_message(mine, batch.positions, markets),
                priority=Priority.WARNING, disable_notification=silent,
            )

    return sink


def install_fill_notices(
    services: Services, db: Database, client: OrderFeed | None, *, timings: Timings,
    poll_seconds: float, websocket: bool,
) -> FillWatcher:  # fmt: skip
    """Build the watcher, and let the trading service tell it what cards and /cancel said."""
    watcher = FillWatcher(db, make_fill_sink(services), clock=services.clock, client=client,
                          timings=timings, poll_seconds=poll_seconds,
                          websocket=websocket)  # fmt: skip
    services.trading.hooks = watcher
    return watcher
