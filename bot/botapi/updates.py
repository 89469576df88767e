"""The update queue behind getUpdates: long polling, offset acknowledgement, 409 conflicts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from bot.botapi.strict import ApiError

CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)


class Signal:
    """Wakes every current waiter at once; waiters then re-check their own condition.

    Futures are made per wait, so one emulator may outlive an event loop (pytest fixtures).
    """

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def fire(self) -> None:
        """Wake everyone waiting now (call it from the event loop's thread)."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_until(self, ready: Callable[[], Any], seconds: float) -> Any:
        """ready()'s first truthy result, or None once `seconds` have passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not (result := ready()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, remaining)
            finally:
                self._waiters.discard(waiter)
        return result


class UpdateQueue:
    """Updates waiting for the bot, delivered with Telegram's getUpdates rules."""

    def __init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._next_id = 1
        self._allowed: set[str] | None = None
        self._generation = 0
        self._signal = Signal()

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Updates not yet acknowledged by an offset."""
        return list(self._updates)

    def push(self, update: dict[str, Any]) -> int:
        """Queue an Update (update_id given if missing), wake a waiting poll; returns its id."""
        update = dict(update)
        update.setdefault("update_id", self._next_id)
        self._next_id = max(self._next_id, update["update_id"] + 1)
        self._updates.append(update)
        self._signal.fire()
        return update["update_id"]

    def restrict(self, allowed: list[str] | None) -> None:
        """From now on deliver only these update types (None keeps the current choice; an
        empty list means every type), dropping queued ones of other types like Telegram."""
        if allowed is not None:
            self._allowed = set(allowed) or None
        if self._allowed:  # Telegram drops update types the bot did not ask for
            self._updates = [u for u in self._updates if set(u) - {"update_id"} <= self._allowed]

    async def first(self, wait: float) -> dict[str, Any] | None:
        """The oldest deliverable update (waiting up to `wait` seconds for one), not removed."""
        def ready() -> dict[str, Any] | None:
            self.restrict(None)
            return self._updates[0] if self._updates else None

        result: dict[str, Any] | None = await self._signal.wait_until(ready, wait)
        return result

    def ack(self, update_id: int) -> None:
        """The webhook accepted this update: forget it."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]

    def drop_pending(self) -> None:
        """Forget every queued update (deleteWebhook with drop_pending_updates)."""
        self._updates.clear()

    async def fetch(
        self, offset: int, limit: int, wait: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """Acknowledge updates below offset, then return up to limit, waiting up to `wait`
        seconds for one; a newer concurrent poll ends this one with a 409 ApiError."""
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self.restrict(allowed)
        self._generation += 1
        generation = self._generation
        self._signal.fire()  # an older poll still waiting sees the new generation and ends

        def ready() -> list[dict[str, Any]] | str | None:
            if self._generation != generation:
                return "conflict"
            return self._updates[: min(max(limit, 1), 100)] or None

        result = await self._signal.wait_until(ready, wait)
        if result == "conflict":
            raise ApiError(409, CONFLICT)
        return result or []
