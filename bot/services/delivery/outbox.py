"""The notifier's core: a priority queue that coalesces per position, Telegram pacing, outcomes.

No I/O and no clock of its own: every method takes `now` (monotonic seconds).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from bot.errors import MarginDeskError

ChatId = int | str


class Priority(IntEnum):
    """Send order: lower goes first."""

    CRITICAL = 1  # critical alerts and results of actions
    REPLY = 2  # replies to commands
    WARNING = 3
    INFO = 4
    REFUSAL = 5  # "you are not allowed" to strangers: only from budget the others leave spare


# The share of the group and global budgets REFUSAL items may use: a flood of strangers can never
# spend what an alert or an allowed user's reply needs next.
REFUSAL_SHARE = 0.5


@dataclass(eq=False)
class OutItem:
    """One outbound message (maybe several chunks), or an edit followed by overflow chunks."""

    chat_id: ChatId
    chunks: list[str]
    priority: Priority
    keyboard: Any = None
    coalesce_key: str | None = None
    disable_notification: bool = False
    edit_message_id: int | None = None
    enqueued_at: float = 0.0
    seq: int = 0
    next_chunk: int = 0  # chunks already delivered
    message_ids: list[int] = field(default_factory=list)
    failures: int = 0  # consecutive network failures of the current chunk
    not_before: float = 0.0  # back-off after a network failure
    plain: bool = False  # resend the current chunk without parse mode
    in_flight: bool = False
    delivery: Any = None  # the notifier's handle for whoever waits on this item
    photo: bytes | None = None  # a picture sent with the first chunk as its caption
    photo_name: str = "picture.png"

    @property
    def started(self) -> bool:
        """True once any part of it is being or has been sent: it can no longer be replaced."""
        return self.in_flight or self.next_chunk > 0


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SUPERSEDED = "superseded"  # a newer message with the same coalesce key replaced it
    FAILED = "failed"
    BLOCKED = "blocked"  # the user blocked the bot (or it left the group)


class DeliveryFailed(MarginDeskError):
    """A message was given up; `reason` says why."""

    def __init__(self, chat_id: ChatId, reason: str) -> None:
        super().__init__(f"message to chat {chat_id} not delivered: {reason}")
        self.chat_id = chat_id
        self.reason = reason


class Delivery:
    """The outcome of one send or edit: await it (or `wait()`) for the Telegram message ids."""

    def __init__(self, item: OutItem) -> None:
        self.item = item
        self.status = DeliveryStatus.PENDING
        self.error: DeliveryFailed | None = None
        # Carries no exception, so a fire-and-forget send never logs "exception never retrieved".
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def done(self) -> bool:
        """True once sent, superseded or given up."""
        return self._done.done()

    async def wait(self) -> list[int]:
        """Message ids sent (or edited); [] if superseded; raises DeliveryFailed if given up."""
        await asyncio.shield(self._done)
        if self.error is not None:
            raise self.error
        return list(self.item.message_ids)

    def __await__(self) -> Generator[Any, None, list[int]]:
        return self.wait().__await__()

    def resolve(self, status: DeliveryStatus, error: DeliveryFailed | None = None) -> None:
        """Settle the outcome (first call wins)."""
        if not self._done.done():
            self.status, self.error = status, error
            self._done.set_result(None)


@dataclass
class NotifierStats:
    """Counters for benchmarks and /status."""

    sent: int = 0  # items fully delivered
    api_calls: int = 0  # successful sendMessage / sendPhoto / editMessageText calls
    retried_429: int = 0
    retried_network: int = 0
    plain_fallbacks: int = 0
    superseded: int = 0
    failed: int = 0  # items given up, blocked chats included
    blocked: int = 0  # Forbidden answers


def is_group(chat_id: ChatId) -> bool:
    """Groups and channels have negative ids (or an @username)."""
    return isinstance(chat_id, str) or chat_id < 0


class Pacer:
    """Telegram's send budgets: per chat, per group per minute, global per second, 429 pauses."""

    def __init__(self, per_chat_interval: float, group_per_minute: int, global_per_second: int):
        self._interval = per_chat_interval
        self._group_max = group_per_minute
        self._global_max = global_per_second
        self._last: dict[ChatId, float] = {}
        self._groups: dict[ChatId, deque[float]] = {}
        self._global: deque[float] = deque()
        self._paused_until = float("-inf")

    def global_ready_at(self, now: float, share: float = 1.0) -> float:
        """Earliest time any message may go (global window and 429 pause); `share` < 1 leaves
        the rest of the window's budget to others."""
        ready = max(self._paused_until, now)
        return max(ready, _window_ready(self._global, now, 1.0, self._global_max, share))

    def ready_at(self, chat_id: ChatId, now: float, share: float = 1.0) -> float:
        """Earliest time a message to this chat may go (using at most `share` of the budgets)."""
        ready = max(
            self.global_ready_at(now, share),
            self._last.get(chat_id, -self._interval) + self._interval,
        )
        window = self._groups.get(chat_id)
        if window is not None:
            ready = max(ready, _window_ready(window, now, 60.0, self._group_max, share))
        return ready

    def record(self, chat_id: ChatId, now: float) -> None:
        """Count one request to this chat against every budget."""
        self._global.append(now)
        self._last[chat_id] = now
        if is_group(chat_id):
            self._groups.setdefault(chat_id, deque()).append(now)
        if len(self._last) > 4096:  # forget chats whose interval has passed
            self._last = {c: t for c, t in self._last.items() if now - t < self._interval}
            self._groups = {c: w for c, w in self._groups.items() if _trim(w, now, 60.0)}

    def pause(self, until: float) -> None:
        """Hold every send until `until` (Telegram answered 429)."""
        self._paused_until = max(self._paused_until, until)


def _window_ready(window: deque[float], now: float, span: float, limit: int, share: float) -> float:
    """When one more send fits in `share` of a sliding window's `limit` (now, if it fits)."""
    allowed = max(1, int(limit * share))
    sent = len(_trim(window, now, span))
    if sent < allowed:
        return now
    return window[sent - allowed] + span  # that many must leave the window first


def _trim(window: deque[float], now: float, span: float) -> deque[float]:
    while window and window[0] <= now - span:
        window.popleft()
    return window


class Outbox:
    """Pending items by priority, FIFO within one, newest-only per (chat, coalesce key)."""

    def __init__(self) -> None:
        self._buckets: dict[Priority, dict[int, OutItem]] = {p: {} for p in Priority}
        self._by_key: dict[tuple[ChatId, str], OutItem] = {}
        self._seq = itertools.count()

    def __len__(self) -> int:
        return sum(len(b) for b in self._buckets.values())

    def items(self) -> list[OutItem]:
        """Every pending item, in send order."""
        return [item for p in Priority for item in self._buckets[p].values()]

    def push(self, item: OutItem) -> OutItem | None:
        """Queue an item; return the unsent item with the same key that it replaced, if any."""
        item.seq = next(self._seq)
        old = None
        if item.coalesce_key is not None:
            key = (item.chat_id, item.coalesce_key)
            old = self._by_key.get(key)
            self._by_key[key] = item
            if old is not None and old.started:
                old = None  # already going out: the new one follows it
        if old is not None and old.priority == item.priority:
            item.seq = old.seq  # newest content, oldest place in the line
        elif old is not None:
            del self._buckets[old.priority][old.seq]
        self._buckets[item.priority][item.seq] = item
        return old

    def remove(self, item: OutItem) -> None:
        """Forget an item that was delivered or given up."""
        self._buckets[item.priority].pop(item.seq, None)
        if item.coalesce_key is not None:
            key = (item.chat_id, item.coalesce_key)
            if self._by_key.get(key) is item:
                del self._by_key[key]

    def drop_chat(self, chat_id: ChatId) -> list[OutItem]:
        """Remove and return every pending item for a chat (e.g. the user blocked the bot)."""
        dropped = [item for item in self.items() if item.chat_id == chat_id]
        for item in dropped:
            self.remove(item)
        return dropped

    def next_ready(self, pacer: Pacer, now: float) -> tuple[OutItem | None, float | None]:
        """The first item allowed to go now, else (None, when to look again; None: when woken)."""
        global_ready = pacer.global_ready_at(now)
        if global_ready > now:
            return None, global_ready if len(self) else None
        earliest: float | None = None
        queue = [i for p in Priority for i in self._buckets[p].values()]
        # One request per chat at a time keeps its messages in order, whatever their priority;
        # and a chat's later items never overtake its earlier ones.
        waiting: set[ChatId] = {item.chat_id for item in queue if item.in_flight}
        for item in queue:
            if item.chat_id in waiting:
                continue
            share = REFUSAL_SHARE if item.priority is Priority.REFUSAL else 1.0
            ready = max(pacer.ready_at(item.chat_id, now, share), item.not_before)
            if ready <= now:
                return item, None
            waiting.add(item.chat_id)
            earliest = ready if earliest is None else min(earliest, ready)
        return None, earliest
