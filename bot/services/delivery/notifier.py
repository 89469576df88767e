"""The one outbound path to Telegram: HTML, splitting, a priority queue, pacing and retries.

    notifier = Notifier(application.bot, clock=SystemClock(), on_blocked=forget_chat)
    await notifier.start()
    delivery = await notifier.send(chat, html, priority=Priority.WARNING, coalesce_key="ETH:iso")
    ids = await delivery  # message ids; [] if a newer alert replaced it; DeliveryFailed if lost

A dispatcher starts sends in priority order (FIFO within a priority) within Telegram's
budgets, counted at the start, with up to `max_in_flight` requests under way at once (so a slow
Bot API still allows ~30/s) but never two for one chat (so a chat's messages keep their order).
A 429 from any request holds every new send for retry_after and retries the refused message in
its place in the line; timeouts and network errors back off and retry that item a bounded number
of times while other chats go on; HTML Telegram cannot parse goes again as plain text; a chat
that blocked the bot has its queue dropped and `on_blocked(chat_id)` is called.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.services.delivery import outbox
from bot.services.delivery.bot_requests import retry_after_seconds, send_part
from bot.services.delivery.outbox import (
    ChatId,
    Delivery,
    DeliveryFailed,
    DeliveryStatus,
    OutItem,
    Priority,
)
from bot.services.delivery.splitting import TELEGRAM_LIMIT, html_to_plain, split_html
from bot.timing import DEFAULT_TIMINGS, Clock

CAPTION_LIMIT = 1024  # a photo's caption; what is longer follows as messages

__all__ = ["Delivery", "DeliveryFailed", "DeliveryStatus", "Notifier", "Priority"]

log = logging.getLogger(__name__)
_T = DEFAULT_TIMINGS


class Notifier:
    """Owns every message Margin Desk sends to Telegram."""

    def __init__(
        self,
        bot: Any,
        *,
        clock: Clock,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        per_chat_interval: float = _T.notify_per_chat_interval,
        group_per_minute: int = _T.notify_group_per_minute,
        global_per_second: int = _T.notify_global_per_second,
        max_retries: int = _T.notify_max_retries,
        retry_base: float = _T.notify_retry_base,
        retry_max: float = _T.notify_retry_max,
        max_in_flight: int = _T.notify_max_in_flight,
        on_blocked: Callable[[ChatId], Any] | None = None,
        on_sent: Callable[[OutItem, float], Any] | None = None,
        limit: int = TELEGRAM_LIMIT,
    ) -> None:
        self._bot, self._clock, self._sleep = bot, clock, sleep
        self._pacer = outbox.Pacer(per_chat_interval, group_per_minute, global_per_second)
        self._outbox = outbox.Outbox()
        self._max_retries, self._retry_base, self._retry_max = max_retries, retry_base, retry_max
        self._on_blocked, self._on_sent, self._limit = on_blocked, on_sent, limit
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._max_in_flight = max_in_flight
        self._sending: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._draining = False
        self._blocked_logged: set[ChatId] = set()
        self.stats = outbox.NotifierStats()

    @property
    def pending(self) -> int:
        """Items not yet delivered or given up (those in flight included)."""
        return len(self._outbox)

    async def start(self) -> None:
        """Start the dispatcher that sends what is queued."""
        if self._task is None or self._task.done():
            self._draining = False
            self._task = asyncio.create_task(self._run(), name="notifier")

    async def stop(self, drain: bool = True) -> None:
        """Stop; with drain, first finish what is in flight and deliver (or give up) the queue."""
        task, self._task = self._task, None
        if drain:
            if task is not None:
                self._draining = True
                self._wakeup.set()
                await task
            return
        tasks = [t for t in (task, *self._sending) if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for item in self._outbox.items():
            self._give_up(item, "the notifier stopped")

    async def send(
        self, chat_id: ChatId, html: str, *, priority: Priority, keyboard: Any = None,
        coalesce_key: str | None = None, disable_notification: bool = False,
    ) -> Delivery:  # fmt: skip
        """Queue an HTML message (split if long; keyboard on the last part)."""
        return self._enqueue(OutItem(
            chat_id, self._split(html), Priority(priority), keyboard, coalesce_key,
            disable_notification, enqueued_at=self._clock.monotonic(),
        ))  # fmt: skip

    async def reply(
        self, chat_id: ChatId, html: str, *, keyboard: Any = None,
        disable_notification: bool = False,
    ) -> Delivery:  # fmt: skip
        """Queue a reply to a command (Priority.REPLY)."""
        quiet = disable_notification
        return await self.send(chat_id, html, priority=Priority.REPLY, keyboard=keyboard,
                               disable_notification=quiet)  # fmt: skip

    async def send_photo(
        self, chat_id: ChatId, png: bytes, caption_html: str, *,
        priority: Priority = Priority.REPLY, keyboard: Any = None, filename: str = "picture.png",
        disable_notification: bool = False,
    ) -> Delivery:  # fmt: skip
        """Queue a picture (sendPhoto, multipart upload) with an HTML caption, through the same
        queue, pacing, 429 and retry handling as every message; a caption over 1024 characters
        continues in text messages (the keyboard on the last part)."""
        return self._enqueue(OutItem(
            chat_id, self._split(caption_html, CAPTION_LIMIT), Priority(priority), keyboard,
            None, disable_notification, enqueued_at=self._clock.monotonic(), photo=png,
            photo_name=filename,
        ))  # fmt: skip

    async def edit(
        self, chat_id: ChatId, message_id: int, html: str, keyboard: Any = None,
        *, priority: Priority = Priority.CRITICAL,
    ) -> Delivery:  # fmt: skip
        """Queue an in-place edit; "not modified" counts as done, overflow goes as new messages."""
        return self._enqueue(OutItem(
            chat_id, self._split(html), Priority(priority), keyboard, f"edit:{message_id}",
            edit_message_id=message_id, enqueued_at=self._clock.monotonic(),
        ))  # fmt: skip

    def _split(self, html: str, limit: int | None = None) -> list[str]:
        size = self._limit if limit is None else min(limit, self._limit)
        chunks = [c for c in split_html(html, size) if html_to_plain(c).strip()]
        if not chunks:
            raise ValueError("nothing to send: the message text is empty")
        return chunks

    def _enqueue(self, item: OutItem) -> Delivery:
        item.delivery = Delivery(item)
        replaced = self._outbox.push(item)
        if replaced is not None:
            self.stats.superseded += 1
            replaced.delivery.resolve(DeliveryStatus.SUPERSEDED)
        self._wakeup.set()
        return item.delivery

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()  # before looking, so nothing during the nap is ever missed
            now = self._clock.monotonic()
            item, wake_at = None, None  # a full pipe: a finishing send wakes us
            if len(self._sending) < self._max_in_flight:
                item, wake_at = self._outbox.next_ready(self._pacer, now)
            if item is not None:
                self._start(item, now)
                await asyncio.sleep(0)  # let the request leave before choosing the next one
            elif self._draining and not len(self._outbox) and not self._sending:
                return
            else:
                await self._nap(None if wake_at is None else wake_at - now)

    def _start(self, item: OutItem, now: float) -> None:
        """Count the send against Telegram's budgets and put it in flight."""
        self._pacer.record(item.chat_id, now)
        item.in_flight = True  # at once, so its chat sends nothing else until it is answered
        task = asyncio.create_task(self._attempt(item), name=f"notify:{item.chat_id}")
        self._sending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._wakeup.set()  # a free slot, a chat free again, or a 429 pause to heed
        if not task.cancelled() and task.exception() is not None:
            log.error("a send failed unexpectedly", exc_info=task.exception())

    async def _nap(self, delay: float | None) -> None:
        """Sleep until `delay` passes or something is queued, whichever comes first."""
        if delay is None:
            await self._wakeup.wait()
            return
        woken = asyncio.ensure_future(self._wakeup.wait())
        slept = asyncio.ensure_future(self._sleep(delay))
        try:
            await asyncio.wait({woken, slept}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            slept.cancel()

    async def _attempt(self, item: OutItem) -> None:
        """Send the item's next chunk once and deal with the answer."""
        try:
            message_id = await send_part(self._bot, item, item.next_chunk)
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            self.stats.retried_429 += 1
            self._pacer.pause(self._clock.monotonic() + seconds)
            log.warning("Telegram flood control: holding sends for %.1f s (chat %s)",
                        seconds, item.chat_id)  # fmt: skip
            return
        except Forbidden as exc:
            await self._blocked(item.chat_id, exc)
            return
        except BadRequest as exc:
            answer = self._bad_request(item, exc)
            if answer is None:
                return
            message_id = answer
        except NetworkError as exc:  # TimedOut included; the message may have arrived anyway
            self._network_failure(item, exc)
            return
        except TelegramError as exc:
            self._give_up(item, f"Telegram refused it: {exc.message}")
            return
        except Exception as exc:
            log.exception("sending to chat %s failed unexpectedly", item.chat_id)
            self._give_up(item, f"unexpected error: {type(exc).__name__}")
            return
        finally:
            item.in_flight = False
        self._chunk_done(item, message_id)

    def _chunk_done(self, item: OutItem, message_id: int) -> None:
        item.message_ids.append(message_id)
        item.next_chunk += 1
        item.failures, item.plain = 0, False
        self.stats.api_calls += 1
        if item.next_chunk < len(item.chunks):
            return
        self._outbox.remove(item)
        self.stats.sent += 1
        item.delivery.resolve(DeliveryStatus.SENT)
        if self._on_sent is not None:
            try:
                self._on_sent(item, self._clock.monotonic())
            except Exception:
                log.exception("on_sent hook failed")

    def _bad_request(self, item: OutItem, exc: BadRequest) -> int | None:
        """The message id if this 400 means success, else None (retry arranged, or given up)."""
        reason = exc.message.lower()
        editing = item.next_chunk == 0 and item.edit_message_id is not None
        if editing and "not modified" in reason:
            return item.edit_message_id  # the card already shows exactly this
        if "can't parse entities" in reason and not item.plain:
            item.plain = True
            self.stats.plain_fallbacks += 1
            log.warning("chat %s: Telegram could not parse the HTML (%s); resending as plain text",
                        item.chat_id, exc.message)  # fmt: skip
            return None
        if editing and ("message to edit not found" in reason or "can't be edited" in reason):
            item.edit_message_id = None  # a new message rather than a lost one
            log.warning("chat %s: cannot edit (%s); sending it as a new message",
                        item.chat_id, exc.message)  # fmt: skip
            return None
        self._give_up(item, f"Telegram refused it: {exc.message}")
        return None

    def _network_failure(self, item: OutItem, exc: NetworkError) -> None:
        item.failures += 1
        if item.failures > self._max_retries:
            self._give_up(item, f"{item.failures} network failures, last: {exc.message}")
            return
        delay = min(self._retry_base * 2 ** (item.failures - 1), self._retry_max)
        item.not_before = self._clock.monotonic() + delay
        self.stats.retried_network += 1
        log.info("chat %s: %s; retrying in %.1f s", item.chat_id, exc.message, delay)

    async def _blocked(self, chat_id: ChatId, exc: Forbidden) -> None:
        """Drop everything queued for a chat that refuses the bot, and tell the owner."""
        self.stats.blocked += 1
        if chat_id not in self._blocked_logged:
            self._blocked_logged.add(chat_id)
            log.warning("chat %s refuses the bot (%s); dropping its messages", chat_id, exc.message)
        for item in self._outbox.drop_chat(chat_id):
            self._give_up(item, "the bot was blocked", blocked=True)
        if self._on_blocked is not None:
            try:
                result = self._on_blocked(chat_id)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("on_blocked hook failed")

    def _give_up(self, item: OutItem, reason: str, blocked: bool = False) -> None:
        self._outbox.remove(item)
        self.stats.failed += 1
        if not blocked:  # a blocked chat is logged once, not per message
            log.error("message to chat %s given up: %s", item.chat_id, reason)
        status = DeliveryStatus.BLOCKED if blocked else DeliveryStatus.FAILED
        item.delivery.resolve(status, DeliveryFailed(item.chat_id, reason))
