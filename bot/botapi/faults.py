"""Fault injection (refusals, timeouts) and flood-limit accounting for the Bot API emulator."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.botapi.strict import ApiError
from bot.timing import Clock

FAULT_KINDS = (429, 400, 401, 403, 409, 500, 502, "timeout", "timeout_after")
RATE_LIMITED_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)
PER_CHAT_INTERVAL = 1.0  # Telegram: about one message per second in a chat
GLOBAL_PER_SECOND = 30  # Telegram: about 30 messages per second overall


class SimulatedTimeout(Exception):
    """The fake network gave no answer in time; the transport turns it into httpx.ReadTimeout."""


@dataclass
class Fault:
    """A refusal queued for the next calls of one method."""

    kind: int | str
    count: int
    retry_after: int = 1
    description: str | None = None

    def error(self) -> ApiError:
        """The ApiError Telegram would answer with for this fault."""
        if self.kind == 429:
            return ApiError(
                429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after
            )
        text = self.description
        if self.kind == 400:
            text = text or "simulated failure"
            return ApiError(400, text if text.startswith("Bad Request") else f"Bad Request: {text}")
        if self.kind == 401:  # what Telegram answers a revoked or mistyped token
            return ApiError(401, text or "Unauthorized")
        if self.kind == 403:
            return ApiError(403, text or "Forbidden: bot was blocked by the user")
        if self.kind == 409:
            return ApiError(409, text or "Conflict: terminated by other getUpdates request")
        return ApiError(int(self.kind), text or "Bad Gateway")


class FaultPlan:
    """Faults queued per method, consumed in order by the calls that follow."""

    def __init__(self) -> None:
        self._queued: dict[str, list[Fault]] = {}

    def add(self, method: str, fault: Fault) -> None:
        """Queue fault for the next fault.count calls of method."""
        if isinstance(fault.kind, str) and fault.kind.isdigit():
            fault.kind = int(fault.kind)
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; use one of {FAULT_KINDS}")
        self._queued.setdefault(method.lower(), []).append(fault)

    def take(self, method: str) -> Fault | None:
        """The fault that applies to this call of method, if any."""
        queue = self._queued.get(method.lower())
        if not queue:
            return None
        fault = queue[0]
        fault.count -= 1
        if fault.count <= 0:
            queue.pop(0)
        return fault


@dataclass(frozen=True)
class RateViolation:
    """A send that broke Telegram's flood limits: kind is "chat" or "global"."""

    kind: str
    chat_id: int | None
    at: float


class RateMeter:
    """Counts sends breaking ~1 msg/s per chat and ~30 msg/s overall; refuses them if enforcing."""

    def __init__(self, clock: Clock, enforce: bool = False) -> None:
        self.clock = clock
        self.enforce = enforce
        self.violations: list[RateViolation] = []
        self._last_in_chat: dict[int, float] = {}
        self._recent: deque[float] = deque()

    def check(self, method: str, chat_id: int | None) -> None:
        """Account for one call; raise a 429 ApiError when enforcing and a limit is broken."""
        if method not in RATE_LIMITED_METHODS:
            return
        now = self.clock.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        broken: list[RateViolation] = []
        last = self._last_in_chat.get(chat_id) if chat_id is not None else None
        if last is not None and now - last < PER_CHAT_INTERVAL:
            broken.append(RateViolation("chat", chat_id, now))
        if len(self._recent) >= GLOBAL_PER_SECOND:
            broken.append(RateViolation("global", chat_id, now))
        self.violations.extend(broken)
        if broken and self.enforce:
            raise ApiError(429, "Too Many Requests: retry after 1", 1)
        self._recent.append(now)
        if chat_id is not None:
            self._last_in_chat[chat_id] = now
