"""The monitor's watches: one per (chat, isolated position), with thresholds and policy state.

Owns who is watched (chats that started the bot with alerts on, symbols not switched off), the
threshold cache, loading and saving policy state (alert_codec over AlertStateStore), running the
policy on an observation and re-indexing the watch afterwards. Decisions become AlertEvents in
`out`, which the monitor drains. No asyncio, no network, and no SQLite on the caller's thread:
`read_all` / `read_chat` run on a storage thread and hand their rows to `load` / `reload_chat`;
`persist` hands what changed to the StateSaver.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.alert_policy import Decision, Observation, PolicyState, Thresholds
from bot.domain.models import Liquidation, MarginMode
from bot.services.monitor import alert_state_codec as alert_codec
from bot.services.monitor.alert_events import AlertEvent, MonitorEvent
from bot.services.monitor.liq_book import LiqBook, PosKey
from bot.services.monitor.state_saver import Change, StateSaver
from bot.services.monitor.watch_index import WatchIndex, mark_interval
from storage.alert_state import AlertState, AlertStateStore
from storage.chats import ChatSettings, ChatStore
from storage.thresholds import NO_LEVELS, ChatLevels, ThresholdStore
from storage.worker import Storage

log = logging.getLogger(__name__)
WatchKey = tuple[int, str, str]  # (chat_id, symbol, margin_mode)
HUNDRED = Decimal(100)
ISOLATED = MarginMode.ISOLATED.value
MEMO_SIZE = 1024  # distinct threshold settings remembered by the policy memos


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the watches are built from, read in one go on a storage thread."""

    active: set[int]  # chats that started the bot and want alerts (all chats, or the one read)
    levels: dict[int, ChatLevels]
    states: dict[WatchKey, AlertState]
    settings: ChatSettings | None = None  # read_chat only


@dataclass(slots=True, eq=False)
class Watch:
    key: WatchKey
    pos: PosKey
    thresholds: Thresholds  # fractions
    state: PolicyState

    @property
    def chat_id(self) -> int:
        return self.key[0]


class WatchSet:
    """Every watch, by key, by position and by chat."""

    def __init__(self, storage: Storage, book: LiqBook, index: WatchIndex, policy: Any) -> None:
        self._book, self._index, self._policy = book, index, policy
        self.saver = StateSaver(storage)
        self._levels: dict[int, ChatLevels] = {}
        self._watches: dict[WatchKey, Watch] = {}
        self._by_pos: dict[PosKey, dict[int, Watch]] = {}
        self._active: set[int] = set()  # chats that started the bot and want alerts
        self._limits_cache: dict[tuple[int, str], Thresholds] = {}
        self._shared: dict[Thresholds, Thresholds] = {}
        self._stored: dict[WatchKey, AlertState] = {}  # loaded rows not bound to a position yet
        self._dirty: dict[WatchKey, Watch] = {}
        self._gone: set[WatchKey] = set()
        self.evaluations = 0  # watches evaluated so far (the monitor yields between them)
        # the last policy answer and filing per thresholds object (see _run_policy)
        self._decided: dict[int, tuple[Any, ...]] = {}
        self._filed: dict[int, tuple[Any, ...]] = {}
        self._orphans_settled = False
        self.out: list[MonitorEvent] = []

    def __len__(self) -> int:
        return len(self._watches)

    @staticmethod
    def read_all(db: Any) -> Loaded:
        """On a storage thread: the chats to alert, their thresholds, every stored state."""
        active = {c.chat_id for c in ChatStore(db).known_chats() if c.alerts_enabled}
        states = {(r.chat_id, r.symbol, r.margin_mode): r for r in AlertStateStore(db).all()}
        return Loaded(active, ThresholdStore(db).levels(), states)

    @staticmethod
    def read_chat(db: Any, chat_id: int) -> Loaded:
        """On a storage thread: one chat's settings, thresholds and stored states."""
        settings = ChatStore(db).get(chat_id)
        active = {chat_id} if settings.known and settings.alerts_enabled else set()
        states = {(r.chat_id, r.symbol, r.margin_mode): r for r in AlertStateStore(db).for_chat(
            chat_id)}  # fmt: skip
        return Loaded(active, ThresholdStore(db).levels(chat_id), states, settings)

    def load(self, loaded: Loaded) -> None:
        """Take the chats to alert, their thresholds and every stored state (once, at start)."""
        self._active, self._levels, self._stored = loaded.active, loaded.levels, loaded.states

    def get(self, key: WatchKey) -> Watch | None:
        return self._watches.get(key)

    def of_position(self, pos: PosKey) -> list[Watch]:
        return list(self._by_pos.get(pos, {}).values())

    def of_chat(self, chat_id: int) -> list[Watch]:
        """The chat's watches, by symbol."""
        return sorted((w for w in self._watches.values() if w.chat_id == chat_id),
                      key=lambda w: w.key)  # fmt: skip

    def chats(self) -> list[int]:
        """Chats with at least one watch."""
        return sorted({w.chat_id for w in self._watches.values()})

    def thresholds(self, chat_id: int, symbol: str) -> Thresholds:
        """The chat's thresholds for symbol as fractions (cached until reload_chat)."""
        cached = self._limits_cache.get((chat_id, symbol))
        if cached is None:
            t = self._levels.get(chat_id, NO_LEVELS).effective(symbol)
            made = Thresholds(t.warn_pct / HUNDRED, t.critical_pct / HUNDRED, t.enabled)
            cached = self._shared.setdefault(made, made)  # most chats share a few settings
            self._limits_cache[(chat_id, symbol)] = cached
        return cached

    def observe(self, pos: PosKey, *, fresh: bool = True, timer: bool = False) -> Observation:
        """A look at the position at its latest mark (timer: a re-look, not a new update)."""
        held = self._book.held[pos]
        if self._book.mark(pos) is None and held.liq is not None:
            fresh = False  # no mark yet: not a look at all (the policy waits for a fresh one)
        return Observation(self._book.distance(pos), fresh=fresh, fingerprint=held.fingerprint,
                           timer=timer)  # fmt: skip

    def active_chats(self) -> list[int]:
        """The chats that want alerts, in order (bind a new position for each)."""
        return sorted(self._active)

    def bind(self, pos: PosKey, chats: list[int] | None = None) -> list[Watch]:
        """Create the watches of a newly seen position, one per chat that wants it (or of
        `chats`, a slice of active_chats, so a caller can bind a big book in parts)."""
        made = [self._bind_one(chat, pos) for chat in (self.active_chats() if chats is None
                                                        else chats)]  # fmt: skip
        return [w for w in made if w is not None]

    def evaluate(self, watch: Watch, obs: Observation, now: float) -> None:
        """Run the policy on one observation, keep the new state, re-index, queue decisions."""
        if self._decide(watch, obs, now):
            self.reindex(watch)

    def reindex(self, watch: Watch) -> None:
        """File the watch under its current quiet interval and timer."""
        held = self._book.held[watch.pos]
        memo = self._filed.get(id(watch.thresholds))
        if (memo is not None and memo[0] is watch.state and memo[1] is watch.thresholds
                and memo[2] == (held.liq, held.is_long)):  # fmt: skip
            interval, deadline = memo[3], memo[4]
        else:
            band = self._policy.quiet_band(watch.state, watch.thresholds)
            interval = mark_interval(band, held.liq, held.is_long)
            deadline = self._policy.next_deadline(watch.state, watch.thresholds)
            if len(self._filed) > MEMO_SIZE:
                self._filed.clear()
            self._filed[id(watch.thresholds)] = (watch.state, watch.thresholds,
                                                 (held.liq, held.is_long), interval, deadline)
        self._index.put(watch.key, watch.pos[0], interval)
        self._index.schedule(watch.key, deadline)

    def end(
        self, pos: PosKey, obs: Observation, now: float, liquidation: Liquidation | None = None
    ) -> None:
        """The position is gone: a last decision per watch, then the watches and rows go."""
        for watch in self.of_position(pos):
            self._decide(watch, obs, now, liquidation)
            self._drop(watch)
            self._dirty.pop(watch.key, None)
            self._gone.add(watch.key)
        self._by_pos.pop(pos, None)

    def settle_orphans(self) -> None:
        """After the first positions read: forget stored states of positions closed meanwhile."""
        if self._orphans_settled:
            return
        self._orphans_settled = True
        for key, row in list(self._stored.items()):
            pos = (row.symbol, row.margin_mode)
            if row.margin_mode == ISOLATED and pos not in self._book.held:
                del self._stored[key]
                self._gone.add(key)

    def persist(self, now: float, limit: int | None = None) -> bool:
        """Hand every changed state and every ended position to the saver, as one batch (or
        at most `limit` changed states, so a huge backlog goes in parts); True if more wait."""
        if not self._dirty and not self._gone:
            return False
        changes: dict[WatchKey, Change] = dict.fromkeys(self._gone)  # first: a reopened
        distances: dict[PosKey, Decimal | None] = {}  # position saves afresh
        part = self._dirty if limit is None else dict(itertools.islice(self._dirty.items(), limit))
        for key, w in part.items():
            if w.pos not in distances:
                distances[w.pos] = self._book.distance(w.pos)
            changes[key] = (w.state, distances[w.pos])
        if part is self._dirty:
            self._dirty = {}
        else:
            for key in part:
                del self._dirty[key]
        self._gone = set()
        self.saver.add(changes, now)
        return bool(self._dirty)

    def reload_chat(self, chat_id: int, loaded: Loaded, now: float) -> None:
        """Re-watch one chat from its settings, thresholds and stored states (read_chat)."""
        active = chat_id in loaded.active
        (self._active.add if active else self._active.discard)(chat_id)
        self._levels.pop(chat_id, None)
        self._levels.update(loaded.levels)
        for cached in [k for k in self._limits_cache if k[0] == chat_id]:
            del self._limits_cache[cached]
        for pos in list(self._book.held):
            key = (chat_id, pos[0], pos[1].value)
            watch = self._watches.get(key)
            limits = self.thresholds(chat_id, pos[0]) if active else None
            if limits is None or not limits.enabled:
                if watch is not None:
                    self._drop(watch)  # its row stays: switching back on resumes the episode
                continue
            row = loaded.states.get(key)
            if watch is None:
                self._stored.pop(key, None)
                watch = self._add(key, pos, limits, alert_codec.from_row(row) if row else None)
                self.evaluate(watch, self.observe(pos), now)
                continue
            changed = watch.thresholds != limits
            watch.thresholds = limits
            if row is not None:
                watch.state = alert_codec.from_row(row)  # e.g. a snooze set by /snooze
            if changed:
                self.evaluate(watch, self.observe(pos), now)
            else:
                self.reindex(watch)

    # ---- internals ----------------------------------------------------------------------------

    def _bind_one(self, chat_id: int, pos: PosKey) -> Watch | None:
        limits = self.thresholds(chat_id, pos[0])
        if not limits.enabled:
            return None
        key = (chat_id, pos[0], pos[1].value)
        row = self._stored.pop(key, None)
        return self._add(key, pos, limits, alert_codec.from_row(row) if row else None)

    def _add(
        self, key: WatchKey, pos: PosKey, limits: Thresholds, state: PolicyState | None
    ) -> Watch:
        watch = Watch(key, pos, limits, state if state is not None else PolicyState())
        self._watches[key] = watch
        self._by_pos.setdefault(pos, {})[key[0]] = watch
        return watch

    def _drop(self, watch: Watch) -> None:
        self._watches.pop(watch.key, None)
        self._by_pos.get(watch.pos, {}).pop(watch.chat_id, None)
        self._index.remove(watch.key)

    def _decide(
        self, watch: Watch, obs: Observation, now: float, liquidation: Liquidation | None = None
    ) -> bool:
        """Apply the policy; False if it failed (logged) and nothing changed."""
        self.evaluations += 1
        try:
            state, decisions = self._run_policy(watch.state, obs, watch.thresholds, now)
        except Exception:  # a policy bug must not stop every other watch
            log.exception("alert policy failed for %s", watch.key)
            return False
        if state is not watch.state and state != watch.state:  # `is`: the common no-change
            watch.state = state
            self._dirty[watch.key] = watch
        if decisions:
            self._emit(watch, decisions, obs.distance, liquidation)
        return True

    def _run_policy(
        self, state: PolicyState, obs: Observation, limits: Thresholds, now: float
    ) -> tuple[PolicyState, list[Decision]]:
        """The policy's answer; the last one again when the inputs are the same. The policy is
        pure, and the chats watching one position at the same levels are usually in the same
        state: a crossing update of thousands of them then costs one policy run, and their
        states become one shared (immutable) object, which the next update compares by `is`."""
        memo = self._decided.get(id(limits))
        if (memo is not None and memo[1] is obs and memo[2] is limits and memo[3] == now
                and (memo[0] is state or memo[0] == state)):  # fmt: skip
            return memo[4], memo[5]
        new, decisions = self._policy.evaluate(state, obs, limits, now)
        if len(self._decided) > MEMO_SIZE:
            self._decided.clear()
        self._decided[id(limits)] = (state, obs, limits, now, new, decisions)
        return new, decisions

    def _emit(
        self, watch: Watch, decisions: list[Decision], distance: Decimal | None,
        liquidation: Liquidation | None,
    ) -> None:
        held = self._book.held[watch.pos]
        view = self._book.view(watch.pos)
        market = self._book.markets.get(watch.pos[0])
        for d in decisions:
            self.out.append(AlertEvent(watch.chat_id, view, market, d, view.mark_price or None,
                                       held.liq, distance, watch.thresholds,
                                       liquidation))  # fmt: skip
