"""The monitor's watches: one per (chat, isolated position), with thresholds and policy state.

Owns who is watched (chats that started the bot with alerts on, symbols not switched off), the
threshold cache, loading and saving policy state (alert_codec over AlertStateStore), running the
policy on an observation and re-indexing the watch afterwards. Decisions become AlertEvents in
`out`, which the monitor drains. No asyncio, no network: SQLite only, via the stores.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.domain.alert_policy import Decision, Observation, PolicyState, Thresholds
from bot.domain.models import Liquidation, MarginMode
from bot.services import alert_codec
from bot.services.alert_events import AlertEvent, MonitorEvent
from bot.services.liq_book import LiqBook, PosKey
from bot.services.watch_index import WatchIndex, mark_interval
from storage.alert_state import AlertState, AlertStateStore
from storage.chats import ChatStore
from storage.thresholds import ThresholdStore

log = logging.getLogger(__name__)
WatchKey = tuple[int, str, str]  # (chat_id, symbol, margin_mode)
HUNDRED = Decimal(100)
ISOLATED = MarginMode.ISOLATED.value


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

    def __init__(self, db: Database, book: LiqBook, index: WatchIndex, policy: Any) -> None:
        self._db, self._book, self._index, self._policy = db, book, index, policy
        self._chat_store, self._limits = ChatStore(db), ThresholdStore(db)
        self._store = AlertStateStore(db)
        self._watches: dict[WatchKey, Watch] = {}
        self._by_pos: dict[PosKey, dict[int, Watch]] = {}
        self._active: set[int] = set()  # chats that started the bot and want alerts
        self._limits_cache: dict[tuple[int, str], Thresholds] = {}
        self._shared: dict[Thresholds, Thresholds] = {}
        self._stored: dict[WatchKey, AlertState] = {}  # loaded rows not bound to a position yet
        self._dirty: dict[WatchKey, Watch] = {}
        self._gone: set[WatchKey] = set()
        self._orphans_settled = False
        self.out: list[MonitorEvent] = []

    def __len__(self) -> int:
        return len(self._watches)

    def load(self) -> None:
        """Read the chats to alert and every stored alert state (once, at start)."""
        self._active = {c.chat_id for c in self._chat_store.known_chats() if c.alerts_enabled}
        self._stored = {(r.chat_id, r.symbol, r.margin_mode): r for r in self._store.all()}

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
            t = self._limits.effective(chat_id, symbol)
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

    def bind(self, pos: PosKey) -> list[Watch]:
        """Create the watches of a newly seen position, one per chat that wants it."""
        made = [self._bind_one(chat, pos) for chat in sorted(self._active)]
        return [w for w in made if w is not None]

    def evaluate(self, watch: Watch, obs: Observation, now: float) -> None:
        """Run the policy on one observation, keep the new state, re-index, queue decisions."""
        if self._decide(watch, obs, now):
            self.reindex(watch)

    def evaluate_position(self, pos: PosKey, now: float) -> None:
        """Look at one position afresh for every chat watching it (its row or liq changed)."""
        for watch in self.of_position(pos):
            self.evaluate(watch, self.observe(pos), now)

    def reindex(self, watch: Watch) -> None:
        """File the watch under its current quiet interval and timer."""
        held = self._book.held[watch.pos]
        band = self._policy.quiet_band(watch.state, watch.thresholds)
        self._index.put(watch.key, watch.pos[0], mark_interval(band, held.liq, held.is_long))
        self._index.schedule(watch.key, self._policy.next_deadline(watch.state, watch.thresholds))

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

    def persist(self, now: float) -> None:
        """Save every state that changed and delete the rows of ended positions, in one go."""
        if not self._dirty and not self._gone:
            return
        dirty, gone = self._dirty, self._gone
        self._dirty, self._gone = {}, set()
        try:
            with self._db.atomic():
                for chat_id, symbol, mode in gone:  # first: a reopened position saves afresh
                    self._store.delete(chat_id, symbol, mode)
                for w in dirty.values():
                    row = alert_codec.to_row(w.chat_id, w.key[1], w.key[2], w.state,
                                             self._book.distance(w.pos))  # fmt: skip
                    self._store.save(row, now)
        except Exception:  # keep watching; the next change saves again
            log.exception("monitor: saving alert state failed")

    def reload_chat(self, chat_id: int, now: float) -> None:
        """Re-read one chat's settings, thresholds and stored states, and re-watch accordingly."""
        settings = self._chat_store.get(chat_id)
        active = settings.known and settings.alerts_enabled
        (self._active.add if active else self._active.discard)(chat_id)
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
            row = self._store.get(*key)
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
        try:
            state, decisions = self._policy.evaluate(watch.state, obs, watch.thresholds, now)
        except Exception:  # a policy bug must not stop every other watch
            log.exception("alert policy failed for %s", watch.key)
            return False
        if state != watch.state:
            watch.state = state
            self._dirty[watch.key] = watch
        if decisions:
            self._emit(watch, decisions, obs.distance, liquidation)
        return True

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
