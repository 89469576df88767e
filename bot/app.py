"""`margin-desk run`: the Telegram application, its start-up and its clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
from typing import Any
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.domain.records import Approval
from bot.errors import ConfigError, MarginDeskError, StartupFailed
from bot.features.alerts import install_alerts, make_alert_sink
from bot.features.fill_notices import install_fill_notices
from bot.features.pnl import install_pnl
from bot.features.risk import install_risk
from bot.handlers.alerts.commands import SETTINGS_HOOK
from bot.handlers.context import SERVICES_KEY, Services
from bot.handlers.register import ALLOWED_UPDATES, bot_commands, register
from bot.handlers.trading import cards
from bot.runtime.checkpoints import pause_at
from bot.runtime.heartbeat import beat_forever, heartbeat_path
from bot.runtime.poll_watch import PollWatch
from bot.runtime.update_lanes import ChatLanes
from bot.services.delivery.notifier import Notifier, Priority
from bot.services.desk.refusals import RefusalGate
from bot.services.desk.status import StatusService
from bot.services.monitor.monitor import Monitor
from bot.services.notices.preferences import NOTICES_KEY, NoticeService
from bot.services.trading.algo_orders import AlgoOrderService
from bot.services.trading.approvals import ApprovalService, Checkpoint
from bot.services.trading.leverage import LeverageService
from bot.services.trading.margin import MarginService
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.modes import ModeService
from bot.services.trading.orders import TradingService
from bot.timing import DEFAULT_TIMINGS, Clock, SystemClock, Timings
from bot.webhook import Webhook, webhook_from_settings
from bot.wiring import ExchangeLink, exchange_link
from storage.audit import AuditLog
from storage.chats import ChatStore
from storage.db import open_database
from storage.lock import AlreadyRunning, InstanceLock
from storage.preflight import DatabaseFault, preflight, record_created
from storage.worker import Storage

log = logging.getLogger(__name__)
POLL_TIMEOUT = 10  # seconds a getUpdates long poll may wait
POLL_GRACE = 20  # seconds past the poll timeout without an answer before polling counts as down
# Bot API methods only the notifier calls: it retries their 429s itself, in priority order.
QUEUED_METHODS = frozenset({"sendMessage", "editMessageText"})


class _Refused(Exception):
    """A 429 carried past PTB's limiter (which would otherwise retry it in place)."""

    def __init__(self, error: RetryAfter) -> None:
        self.error = error


class QueueFirstRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, except that a 429 on a message send goes straight back to the
    notifier: retried inside PTB, a refused warning would hold its chat while a critical alert
    queued behind it waits; the notifier pauses for retry_after and then sends critical first."""

    async def process_request(  # type: ignore[override]
        self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str,
        data: dict[str, Any], rate_limit_args: int | None,
    ) -> Any:  # fmt: skip
        if endpoint not in QUEUED_METHODS:
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                  rate_limit_args)  # fmt: skip

        async def once(*a: Any, **kw: Any) -> Any:
            try:
                return await callback(*a, **kw)
            except RetryAfter as exc:
                raise _Refused(exc) from None

        try:
            return await super().process_request(once, args, kwargs, endpoint, data,
                                                  rate_limit_args)  # fmt: skip
        except _Refused as refused:
            raise refused.error from None


def build_services(
    settings: Settings, link: ExchangeLink, storage: Storage, bot: Any, clock: Clock,
    timings: Timings, checkpoint: Checkpoint | None = None,
) -> Services:
    """Wire every service once (the composition of the business layer)."""
    client = link.client
    markets = MarketDirectory(client)
    leverage = LeverageService(client, markets)
    trading = TradingService(client, markets, leverage)
    margin = MarginService(client, markets)
    algos = AlgoOrderService(client, markets)
    approvals = ApprovalService(storage, trading, margin, clock, timings, checkpoint,
                                algos=algos)
    notifier = Notifier(
        bot, clock=clock, per_chat_interval=timings.notify_per_chat_interval,
        group_per_minute=timings.notify_group_per_minute,
        global_per_second=timings.notify_global_per_second,
        max_retries=timings.notify_max_retries, retry_base=timings.notify_retry_base,
        retry_max=timings.notify_retry_max, max_in_flight=timings.notify_max_in_flight,
    )
    status = StatusService(settings, client, link.signer.account_id, clock)
    modes = ModeService(storage, markets, clock)
    extras: dict[str, Any] = {NOTICES_KEY: NoticeService(storage, clock)}
    return Services(settings, clock, timings, markets, leverage, trading, margin, approvals,
                    AuditLog(storage.db), ChatStore(storage.db), notifier, status, extras, modes,
                    storage, refusals=RefusalGate(clock), algos=algos)


class BotRuntime:
    """One running bot over one exchange link; used by `run`, the demo and end-to-end tests."""

    def __init__(
        self,
        settings: Settings,
        link: ExchangeLink,
        storage: Storage,
        *,
        token: str,
        clock: Clock | None = None,
        timings: Timings = DEFAULT_TIMINGS,
        requests: tuple[BaseRequest, BaseRequest] | None = None,
        watch: bool = True,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        builder = (
            Application.builder()
            .token(token)
            .base_url(settings.telegram_api_base_url)
            .rate_limiter(QueueFirstRateLimiter(max_retries=3))
            .concurrent_updates(ChatLanes())  # one chat's wait never holds another chat
        )
        # getUpdates goes through a PollWatch, so health knows whether polling gets answers.
        poll = requests[1] if requests else HTTPXRequest(connection_pool_size=1)
        self.poll_watch = PollWatch(poll)
        builder = builder.get_updates_request(self.poll_watch)
        if requests is not None:
            builder = builder.request(requests[0])
        self.app = builder.build()
        self.services = build_services(
            settings, link, storage, self.app.bot, clock or SystemClock(), timings, checkpoint
        )
        self.app.bot_data[SERVICES_KEY] = self.services
        register(self.app)
        self.alerts = install_alerts(self.services)
        self.alert_sink = make_alert_sink(self.services)
        self.monitor = Monitor(
            storage, self.alert_sink, clock=self.services.clock, client=link.client,
            timings=timings, poll_seconds=settings.monitor_poll_seconds,
            websocket=link.ws_public_url is not None or link.ws_private_url is not None,
        )
        # Fill notices still use SQLite from the loop: on a connection of their own, so they
        # never share the writer thread's connection (or its transactions).
        self._fills_db = open_database(storage.path) if storage.path else storage.db
        self.fills = install_fill_notices(
            self.services, self._fills_db, link.client, timings=timings,
            poll_seconds=settings.monitor_poll_seconds,
            websocket=link.ws_private_url is not None,
        )
        self.monitor.private_listeners.append(self.fills.on_stream_event)
        self.daily = install_pnl(self.services, link.client)
        self.risk = install_risk(self.services, self.monitor)
        self.services.extras[SETTINGS_HOOK] = self.monitor.reload_chat
        self.services.status.feed_age = self.monitor.feed_age
        self.services.status.watched = self.monitor.watched_count
        self._link = link
        self._watch = watch  # tests that count exchange requests run without the monitor
        self._tasks: list[asyncio.Task[None]] = []
        self.webhook: Webhook | None = None

    async def start(
        self, *, poll_timeout: int = POLL_TIMEOUT, webhook: Webhook | None = None
    ) -> None:
        """Initialise, settle interrupted actions, register the menu, then start polling (or
        serve the webhook and setWebhook)."""
        await self.app.initialize()
        await self.services.notifier.start()
        await self._settle_interrupted()
        self._tasks.append(asyncio.create_task(self._settle_periodically(), name="settle"))
        # reads the exchange only for a chat whose summary is due, so it runs without watch too
        self._tasks.append(asyncio.create_task(self.daily.run(), name="daily"))
        if self._watch:
            link = self._link
            self._tasks.append(asyncio.create_task(
                self.monitor.run(link.ws_public_url, link.ws_private_url, link.signer),
                name="monitor",
            ))  # fmt: skip
            self._tasks.append(asyncio.create_task(
                self.fills.run(streamed=link.ws_private_url is not None), name="fills",
            ))  # fmt: skip
        await self.app.bot.set_my_commands(bot_commands())
        await self.app.start()
        assert self.app.updater is not None
        if webhook is None:
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=poll_timeout, allowed_updates=list(ALLOWED_UPDATES)
            )
            return
        self.webhook = webhook
        try:
            await self.app.updater.start_webhook(
                listen=webhook.listen, port=webhook.port, url_path=webhook.path,
                webhook_url=webhook.url, secret_token=webhook.secret,
                allowed_updates=list(ALLOWED_UPDATES), bootstrap_retries=3,
            )  # fmt: skip
        except OSError as exc:  # the port is taken or the address is not this machine's
            raise ConfigError(
                f"the webhook server cannot listen on {webhook.listen}:{webhook.port} ({exc}); "
                "check TELEGRAM_WEBHOOK_LISTEN and TELEGRAM_WEBHOOK_PORT"
            ) from None

    @property
    def receiving(self) -> bool:
        """Serving the webhook, or polling Telegram and getting answers."""
        if self.app.updater is None or not self.app.updater.running:
            return False
        return self.webhook is not None or self.poll_watch.polling_within(
            POLL_TIMEOUT + POLL_GRACE
        )

    async def exchange_reachable(self) -> tuple[bool, str]:
        """(reachable, detail) as /status reports it."""
        view = await self.services.status.status()
        return view.exchange_ok, view.exchange_detail

    async def _settle_interrupted(self) -> None:
        """Before any press is accepted, learn what happened to actions a restart cut off."""
        approvals, notifier = self.services.approvals, self.services.notifier
        for approval, text in await approvals.unreported():  # recorded, then the crash: never shown
            delivery = await notifier.send(approval.chat_id, cards.unreported_notice(text),
                                           priority=Priority.CRITICAL)  # fmt: skip
            approvals.reported_when_delivered(approval.token, delivery)
        await self._tell_settled(await approvals.settle_unsettled(at_startup=True))
        for doubt in await approvals.in_doubt():  # may still land: checked, never resent
            await self.services.notifier.send(
                doubt.approval.chat_id, cards.checking_notice(doubt.what, doubt.seconds_left),
                priority=Priority.CRITICAL,
            )

    async def _tell_settled(self, settled: list[tuple[Approval, str]]) -> None:
        for approval, text in settled:
            delivery = await self.services.notifier.send(
                approval.chat_id, cards.settled_notice(text), priority=Priority.CRITICAL
            )
            self.services.approvals.reported_when_delivered(approval.token, delivery)

    async def _settle_periodically(self) -> None:
        """Keep settling transfers whose answer never came, while running."""
        while True:
            await asyncio.sleep(self.services.timings.settle_interval)
            try:
                await self._tell_settled(
                    await self.services.approvals.settle_unsettled(at_startup=False))
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("settling unknown outcomes failed")

    async def stop(self) -> None:
        """Stop polling and watching, deliver what is queued, and release Telegram cleanly."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.alert_sink.aclose()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.webhook is not None:  # Telegram keeps updates for the next start meanwhile
            self.webhook = None
            try:
                await self.app.bot.delete_webhook()
            except TelegramError as exc:
                log.warning("deleteWebhook failed at stop: %s", exc)
        if self.app.running:
            await self.app.stop()
        await self.risk.finish()  # pictures being drawn are sent before the notifier drains
        await self.services.notifier.stop(drain=True)
        self.risk.close()
        await self.app.shutdown()
        if self._fills_db is not self.services.storage.db:
            self._fills_db.close()


async def run_bot(
    settings: Settings, *, webhook_requested: bool = False, new_database: bool = False
) -> int:
    """Run until SIGINT/SIGTERM: one instance per database, long polling Telegram or serving
    the webhook (TELEGRAM_WEBHOOK_URL, or --webhook which then requires it).

    The database file is checked first (storage.preflight): a file that is not a database, is
    corrupt, read-only or locked, or is empty or missing where one was created before (unless
    `new_database`), stops the start with one line (ConfigError: exit code 2)."""
    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; `margin-desk demo` runs without one")
    webhook = webhook_from_settings(settings, requested=webhook_requested)
    if not settings.bot_allowed_user_ids:
        log.warning("BOT_ALLOWED_USER_IDS is empty: every user will be refused")
    try:
        lock = InstanceLock(settings.bot_db_path)
        lock.acquire()
    except AlreadyRunning as exc:
        raise ConfigError(str(exc)) from None
    try:
        storage = open_storage(settings, new_database=new_database)
        try:
            timings = settings.timings()
            async with exchange_link(settings, timings=timings) as link:
                runtime = BotRuntime(
                    settings, link, storage,
                    token=settings.telegram_bot_token.get_secret_value(),
                    timings=timings, checkpoint=pause_at(settings.test_pause_at),
                )
                await _start(runtime, settings, webhook)
                beat = asyncio.create_task(beat_forever(
                    heartbeat_path(settings.bot_db_path), "webhook" if webhook else "polling",
                    lambda: runtime.receiving, runtime.exchange_reachable,
                    webhook_local_url=webhook.local_url if webhook else None,
                ), name="heartbeat")  # fmt: skip
                log.info("Margin Desk is running (%s, %s)", settings.orderly_network.value,
                         f"webhook at {webhook.url}" if webhook else "long polling")  # fmt: skip
                await _wait_for_signal()
                beat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beat
                await runtime.stop()
        finally:
            storage.close()
    finally:
        lock.release()
    return 0


REFUSED_TOKEN = "Telegram refused the bot token; check TELEGRAM_BOT_TOKEN"


async def _start(runtime: BotRuntime, settings: Settings, webhook: Webhook | None) -> None:
    """Start the runtime; a refused token or an unreachable Bot API is one clear line (the
    exception PTB raises for a refused token quotes the token itself); any other failure
    stops what had begun and goes on up."""
    try:
        await runtime.start(webhook=webhook)
        return
    except InvalidToken:
        problem: MarginDeskError = ConfigError(REFUSED_TOKEN)
    except NetworkError as exc:  # TimedOut included
        host = urlsplit(settings.telegram_api_base_url).netloc or settings.telegram_api_base_url
        problem = StartupFailed(
            f"cannot reach the Telegram Bot API at {host} ({exc.message}); "
            "check the network and TELEGRAM_API_BASE_URL"
        )
    except BaseException:
        await runtime.stop()
        raise
    with contextlib.suppress(Exception):  # release what start() had begun, briefly
        async with asyncio.timeout(5):
            await runtime.stop()
    raise problem


def open_storage(settings: Settings, *, new_database: bool = False) -> Storage:
    """Check the database file, then open it (migrated) and mark that one lives there."""
    try:
        preflight(settings.bot_db_path, new_database=new_database)
        storage = Storage.open(settings.bot_db_path)
    except DatabaseFault as exc:
        raise ConfigError(str(exc)) from None
    except sqlite3.DatabaseError as exc:  # changed between the check and the open
        raise ConfigError(f"database {settings.bot_db_path}: {exc}") from None
    record_created(settings.bot_db_path)
    return storage


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
