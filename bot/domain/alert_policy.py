"""The liquidation alert policy (alert-policy.md) as a pure decision: state + observation -> state
+ decisions. No I/O, no clock reads: `now` (seconds) comes in with every call.

INTERFACE CONTRACT (the monitor codes against exactly this). The precise rules, and every
constant, are in alert_rules.py (data only): this module applies them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

from bot.domain import alert_rules as rules
from bot.domain.alert_rules import (
    CRITICAL_FAST,
    CRITICAL_FAST_FOR,
    CRITICAL_SLOW,
    DEEPEN_DUE_KEY,
    DEEPEN_SPACING,
    LOUD_AT_KEY,
    LOUD_D_KEY,
    NO_LIMIT,
    REARM_FACTOR,
    REARM_HOLD,
    REARM_W_KEY,
    WARNING_DEBOUNCE,
    WARNING_REMINDER,
)

GROUP_WINDOW = rules.GROUP_WINDOW  # every constant lives in alert_rules; this one the monitor needs
_ZERO = Decimal(0)


class Level(IntEnum):
    NONE = 0
    WARNING = 1
    CRITICAL = 2


class DecisionKind(StrEnum):
    ALERT = "alert"  # a new, deeper level was entered (first message of a level, audible)
    DEEPENED = "deepened"  # still critical, the distance halved since the last critical alert
    REMINDER = "reminder"  # still in the level; reminder schedule came due
    RECOVERED = "recovered"  # re-armed: back out of a level (held ≥ 60 s above re-arm)
    CLOSED = "closed"  # the position disappeared (episode ends)
    LIQUIDATED = "liquidated"  # a liquidation push arrived (episode ends)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Fractions of mark (0.05 = 5 %). critical < warning."""

    warning: Decimal = Decimal("0.05")
    critical: Decimal = Decimal("0.025")
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PolicyState:
    """Everything the policy remembers about one (chat, symbol, margin_mode) position."""

    level: Level = Level.NONE
    episode: int = 0  # increments when a new episode starts (NONE -> WARNING/CRITICAL)
    pending_warning: int = 0  # consecutive updates at or below the warning threshold (debounce)
    entered_at: float | None = None  # when the current level was entered
    last_sent_at: float | None = None  # last alert/reminder message for this episode
    next_reminder_at: float | None = None
    rearm_since: float | None = None  # mark first seen above the re-arm line of the level
    snooze_until: float | None = None
    fingerprint: str | None = None  # size/side/margin; a change clears the snooze
    seen: bool = False  # False until the first observation (for "opened inside a zone")
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Observation:
    """One look at a position: on a mark update, a position push, or a timer."""

    distance: Decimal | None  # |mark − liq| / mark; None when there is no liquidation price
    fresh: bool = True  # False when the feed is stale: never conclude "recovered" from it
    fingerprint: str | None = None  # size/side/margin now
    closed: bool = False
    liquidated: bool = False
    timer: bool = False  # a re-look with the last known mark (deadline): not a new update


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    level: Level  # the level the message is about (the new level for ALERT/RECOVERED)
    distance: Decimal | None
    episode: int
    silent: bool = False  # send without notification (a calm position's close)
    opened: bool = False  # ALERT about a position first seen inside the zone
    previous: Decimal | None = None  # DEEPENED: the distance of the last critical alert
    left: Level = Level.NONE  # RECOVERED: the level it came out of (WARNING or CRITICAL)


def evaluate(
    state: PolicyState, obs: Observation, thresholds: Thresholds, now: float
) -> tuple[PolicyState, list[Decision]]:
    """Apply one observation. Deterministic; the monitor persists the returned state."""
    if obs.closed or obs.liquidated:
        return _end_episode(state, obs, thresholds, now)
    if not thresholds.enabled:
        return _silenced(_note_fingerprint(state, obs)), []
    if not _seen(state) and not obs.fresh:
        return state, []  # wait for fresh data before judging a new position
    first = not _seen(state)
    state = _note_fingerprint(state, obs)
    d = NO_LIMIT if obs.distance is None else obs.distance
    w, c, w_line, c_line = _lines(thresholds.warning, thresholds.critical)
    if first:
        state = _silenced(state)
        if d > w:
            return state, []
        return _enter(state, Level.CRITICAL if d <= c else Level.WARNING, obs, now, True, True)
    if state.level is Level.NONE:
        return _from_none(state, obs, d, w, c, now)
    if obs.fresh and state.level is Level.WARNING and d <= c:
        return _enter(state, Level.CRITICAL, obs, now, False, False)
    state = _track_holds(state, obs, d, w_line, c_line, now)
    if state.level is Level.CRITICAL:
        state, deeper = _deepen(state, obs, d, now)
        if deeper:
            return state, deeper
    return _recover_or_remind(state, obs, now)


def quiet_band(state: PolicyState, thresholds: Thresholds) -> tuple[Decimal, Decimal] | None:
    """Distances [low, high) within which a fresh mark-only observation changes nothing.

    None means "evaluate on every update" (e.g. while a warning is being debounced or a
    re-arm hold is running). The monitor converts the band to mark prices per position and
    only evaluates positions whose mark left their band — cost ∝ positions that can change.
    Holds until next_deadline(state) (reminders are time-based). high may be NO_LIMIT.
    """
    if not thresholds.enabled:
        return (_ZERO, NO_LIMIT) if _silenced(state) == state else None
    if not _seen(state) or state.pending_warning != 0:
        return None
    w, c, w_line, c_line = _lines(thresholds.warning, thresholds.critical)
    rs, rw = state.rearm_since, _rearm_w_start(state.extra)
    if state.level is Level.NONE:  # zones are inclusive, so the band starts just above W
        return (_above(w), NO_LIMIT) if _is_calm(state) else None
    if state.level is Level.WARNING:
        if rw is not None:
            return None
        return (_above(c), w_line) if rs is None else (w_line, NO_LIMIT)
    if rs is None:
        return _critical_band(state, c_line) if rw is None else None
    return (c_line, w_line) if rw is None else (w_line, NO_LIMIT)


def next_deadline(state: PolicyState, thresholds: Thresholds) -> float | None:
    """The next time a timer observation may change something (reminder, re-arm hold, snooze
    end); None when nothing is scheduled."""
    if not thresholds.enabled or state.level is Level.NONE:
        return None
    hold = _rearm_w_start(state.extra) if state.level is Level.CRITICAL else None
    if hold is None:  # a running W' hold makes the C' one wait for it
        hold = state.rearm_since
    rearm = None if hold is None else hold + REARM_HOLD
    held = _read_loud(state.extra)[2] if state.level is Level.CRITICAL else None
    due = (_reminder_due(state), rearm, held)
    return min((t for t in due if t is not None), default=None)


def snooze(state: PolicyState, until: float) -> PolicyState:
    """The state with reminders (and warning alerts) muted until `until`."""
    return _replace(state, snooze_until=until)


def unsnooze(state: PolicyState) -> PolicyState:
    """The state with its snooze cleared (a reminder held by it becomes due at once)."""
    return _replace(state, snooze_until=None)


def is_snoozed(state: PolicyState, now: float) -> bool:
    """True while the position's snooze is running."""
    return state.snooze_until is not None and now < state.snooze_until


def state_from_dict(data: Mapping[str, Any]) -> PolicyState:
    """Rebuild a state saved with dataclasses.asdict (also after a JSON round trip)."""
    known = {f.name for f in fields(PolicyState)}
    values = {k: v for k, v in data.items() if k in known}
    level = values.get("level", 0)
    named = isinstance(level, str) and not level.isdigit()
    values["level"] = Level[level.upper()] if named else Level(int(level))
    values["extra"] = {str(k): str(v) for k, v in (values.get("extra") or {}).items()}
    return PolicyState(**values)


# ---- helpers ------------------------------------------------------------------------------


_STATE_FIELDS = tuple(f.name for f in fields(PolicyState))


def _replace(state: PolicyState, **changes: Any) -> PolicyState:
    """dataclasses.replace for PolicyState without its generic checks (the policy's hot path:
    one or two per evaluation, thousands per mark update in a busy book)."""
    new = object.__new__(PolicyState)
    for name in _STATE_FIELDS:
        object.__setattr__(new, name, changes[name] if name in changes else getattr(state, name))
    return new


def _seen(state: PolicyState) -> bool:
    # A level or a fingerprint also proves an earlier look, so a lost `seen` never re-announces.
    return state.seen or state.level is not Level.NONE or state.fingerprint is not None


@functools.lru_cache(maxsize=4096)
def _above(line: Decimal) -> Decimal:
    """The smallest Decimal above line (the band starts just outside an inclusive zone)."""
    return line.next_plus()


def _is_calm(state: PolicyState) -> bool:
    """True when _calm(state) would change nothing (the common case: a fast path)."""
    return (state.level is Level.NONE and state.entered_at is None
            and state.next_reminder_at is None and state.rearm_since is None
            and _calm_extra(state.extra))  # fmt: skip


def _calm(state: PolicyState) -> PolicyState:
    """The state at level NONE with nothing running (debounce count kept)."""
    if _is_calm(state):
        return state
    calm = _replace(state, level=Level.NONE, entered_at=None, next_reminder_at=None)
    return _with_loud(_with_rearm_w(_replace(calm, rearm_since=None), None), None, None)


def _with_loud(
    state: PolicyState, distance: Decimal | None, at: float | None, due: float | None = None
) -> PolicyState:
    extra = _extra_with_loud(state.extra, distance, at, due)
    return state if extra == state.extra else _replace(state, extra=extra)


def _critical_band(state: PolicyState, c_line: Decimal) -> tuple[Decimal, Decimal] | None:
    """CRITICAL with no hold running: quiet above the deepening line, up to C'."""
    line = _deepen_line(state.extra)
    if line is None:
        return (_ZERO, c_line)
    if line >= c_line:
        return None  # thresholds changed under the episode: look at every update
    if _read_loud(state.extra)[2] is not None:  # a held deepening waits for its time
        return (_ZERO, line.next_plus())
    return (line.next_plus(), c_line)


def _with_rearm_w(state: PolicyState, start: float | None) -> PolicyState:
    if start == _rearm_w_start(state.extra):
        return state
    return _replace(state, extra=_extra_with_rearm_w(state.extra, start))


def _reminder_due(state: PolicyState) -> float | None:
    return _due_at(state.next_reminder_at, state.snooze_until)


def _first_reminder(level: Level, now: float) -> float | None:
    return _grid_after(level is Level.CRITICAL, now, now)


def _silenced(state: PolicyState) -> PolicyState:
    return _replace(_calm(state), pending_warning=0, seen=True)


def _note_fingerprint(state: PolicyState, obs: Observation) -> PolicyState:
    if obs.fingerprint is None or obs.fingerprint == state.fingerprint:
        return state
    if state.fingerprint is not None:  # size/side/margin changed: the snooze no longer applies
        return _replace(state, fingerprint=obs.fingerprint, snooze_until=None)
    return _replace(state, fingerprint=obs.fingerprint)


def _end_episode(
    state: PolicyState, obs: Observation, thresholds: Thresholds, now: float
) -> tuple[PolicyState, list[Decision]]:
    ended = _replace(_silenced(state), seen=False, fingerprint=None, snooze_until=None)
    if not _seen(state) or not thresholds.enabled:
        return ended, []
    kind = DecisionKind.LIQUIDATED if obs.liquidated else DecisionKind.CLOSED
    quiet = kind is DecisionKind.CLOSED and state.level is Level.NONE
    decision = Decision(kind, state.level, obs.distance, state.episode, silent=quiet)
    return _replace(ended, last_sent_at=now), [decision]


def _enter(
    state: PolicyState, level: Level, obs: Observation, now: float, new: bool, opened: bool
) -> tuple[PolicyState, list[Decision]]:
    """Enter `level` at `now` (a new episode if `new`) with its audible ALERT; `opened`: the
    position's first look (never muted by a snooze)."""
    entered = _replace(
        _calm(state), level=level, episode=state.episode + int(new), pending_warning=0,
        entered_at=now, next_reminder_at=_first_reminder(level, now), seen=True,
    )  # fmt: skip
    if level is Level.WARNING and not opened and is_snoozed(state, now):
        return entered, []  # muted; the held reminder catches up after the snooze
    if level is Level.CRITICAL:
        entered = _with_loud(entered, obs.distance, now)
    decision = Decision(DecisionKind.ALERT, level, obs.distance, entered.episode, opened=opened)
    return _replace(entered, last_sent_at=now), [decision]


def _deepen(
    state: PolicyState, obs: Observation, d: Decimal, now: float
) -> tuple[PolicyState, list[Decision]]:
    """DEEPENED when d has halved since the last critical alert (spaced DEEPEN_SPACING apart);
    a halving seen too soon is held until then; a stale look or one above the line drops it."""
    line = _deepen_line(state.extra)
    ref, at, _ = _read_loud(state.extra)
    if line is None or ref is None or at is None:
        return state, []
    if not obs.fresh or d > line:
        return _with_loud(state, ref, at), []
    if now < at + DEEPEN_SPACING:
        return _with_loud(state, ref, at, at + DEEPEN_SPACING), []
    later = state.next_reminder_at
    due = _reminder_due(state)
    if due is not None and now >= due:  # a reminder falling due now is said by this alert
        entered = now if state.entered_at is None else state.entered_at
        later = _grid_after(True, entered, now)
    deeper = _with_loud(_replace(state, last_sent_at=now, next_reminder_at=later), d, now)
    return deeper, [Decision(DecisionKind.DEEPENED, Level.CRITICAL, obs.distance, state.episode,
                             previous=ref)]  # fmt: skip


def _from_none(
    state: PolicyState, obs: Observation, d: Decimal, w: Decimal, c: Decimal, now: float
) -> tuple[PolicyState, list[Decision]]:
    if not obs.fresh:
        return state, []
    if d <= c:
        return _enter(state, Level.CRITICAL, obs, now, True, False)
    if d > w:
        return _replace(_calm(state), pending_warning=0), []
    pending = state.pending_warning + (0 if obs.timer else 1)
    if pending < WARNING_DEBOUNCE:
        return _replace(_calm(state), pending_warning=pending), []
    return _enter(state, Level.WARNING, obs, now, True, False)


def _track_holds(
    state: PolicyState, obs: Observation, d: Decimal, w_line: Decimal, c_line: Decimal, now: float
) -> PolicyState:
    """Start, keep or reset the re-arm holds of a level (stale data resets them)."""
    critical = state.level is Level.CRITICAL
    rs = _hold_since(state.rearm_since, obs.fresh and d >= (c_line if critical else w_line), now)
    rw = _hold_since(_rearm_w_start(state.extra), critical and obs.fresh and d >= w_line, now)
    return _with_rearm_w(_replace(state, pending_warning=0, rearm_since=rs), rw)


def _recover_or_remind(
    state: PolicyState, obs: Observation, now: float
) -> tuple[PolicyState, list[Decision]]:
    rw = _rearm_w_start(state.extra)
    if _hold_done(rw if state.level is Level.CRITICAL else state.rearm_since, now):
        back = _replace(_calm(state), last_sent_at=now)
        return back, [Decision(DecisionKind.RECOVERED, Level.NONE, obs.distance, state.episode,
                               left=state.level)]
    if state.level is Level.CRITICAL and rw is None and _hold_done(state.rearm_since, now):
        back = _replace(
            _with_loud(state, None, None), level=Level.WARNING, entered_at=now,
            rearm_since=None, last_sent_at=now,
            next_reminder_at=_first_reminder(Level.WARNING, now),
        )  # fmt: skip
        decision = Decision(DecisionKind.RECOVERED, Level.WARNING, obs.distance, state.episode,
                            left=Level.CRITICAL)
        return back, [decision]
    due = _reminder_due(state)
    if due is None or now < due:
        return state, []
    entered = now if state.entered_at is None else state.entered_at
    later = _grid_after(state.level is Level.CRITICAL, entered, now)
    reminded = _replace(state, next_reminder_at=later, last_sent_at=now)
    return reminded, [Decision(DecisionKind.REMINDER, state.level, obs.distance, state.episode)]


# The state machine's own helpers: re-arm lines and holds, the reminder grid, the loud marks
# kept in PolicyState.extra.
_LOUD_KEYS = (LOUD_D_KEY, LOUD_AT_KEY, DEEPEN_DUE_KEY)


@functools.lru_cache(maxsize=4096)  # a few threshold pairs, looked up on every evaluation
def _lines(warning: Decimal, critical: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(W, C, W', C'): the zone thresholds and their re-arm lines."""
    warning = max(warning, critical)  # a misordered pair acts as critical-only
    return warning, critical, warning * REARM_FACTOR, critical * REARM_FACTOR


def _hold_since(start: float | None, holding: bool, now: float) -> float | None:
    """A hold's start after one observation: kept or started while holding, else reset."""
    return (now if start is None else start) if holding else None


def _hold_done(start: float | None, now: float) -> bool:
    """True once a hold started at `start` has lasted REARM_HOLD."""
    return start is not None and now >= start + REARM_HOLD  # the same sum as the deadline


def _rearm_w_start(extra: dict[str, str]) -> float | None:
    """The W' hold start kept in a state's extra."""
    raw = extra.get(REARM_W_KEY)
    return None if raw is None else float(raw)


def _extra_with_rearm_w(extra: dict[str, str], start: float | None) -> dict[str, str]:
    """A copy of extra holding `start` as the W' hold start (repr: exact round trip)."""
    out = {k: v for k, v in extra.items() if k != REARM_W_KEY}
    if start is not None:
        out[REARM_W_KEY] = repr(start)
    return out


def _due_at(at: float | None, snooze_until: float | None) -> float | None:
    """When the next reminder goes out: its grid time, held back to the end of a snooze."""
    return at if at is None or snooze_until is None else max(at, snooze_until)


def _grid_after(critical: bool, entered: float, now: float) -> float | None:
    """The first reminder time of a level's grid (anchored at `entered`) strictly after now."""
    if not critical:
        at = entered + WARNING_REMINDER
        return at if at > now else None
    if now - entered < CRITICAL_FAST_FOR:
        base, step = entered, CRITICAL_FAST
    else:
        base, step = entered + CRITICAL_FAST_FOR, CRITICAL_SLOW
    at = base + step * (max(now - base, 0.0) // step + 1)
    while at <= now:  # float rounding guard
        at += step
    return at


def _read_loud(extra: dict[str, str]) -> tuple[Decimal | None, float | None, float | None]:
    """(distance, time) of the last critical alert, and the held deepening's due time."""
    d, at, due = (extra.get(k) for k in _LOUD_KEYS)
    return (None if d is None else Decimal(d), None if at is None else float(at),
            None if due is None else float(due))  # fmt: skip


def _calm_extra(extra: dict[str, str]) -> bool:
    """True when extra holds no W' hold and no critical-alert memory (nothing running)."""
    if not extra:  # the common case
        return True
    return REARM_W_KEY not in extra and not any(k in extra for k in _LOUD_KEYS)


def _extra_with_loud(
    extra: dict[str, str], distance: Decimal | None, at: float | None, due: float | None = None
) -> dict[str, str]:
    """A copy of extra with the last critical alert (None: none) and the held deepening."""
    out = {k: v for k, v in extra.items() if k not in _LOUD_KEYS}
    if distance is not None and at is not None:
        out[LOUD_D_KEY], out[LOUD_AT_KEY] = str(distance), repr(at)
    if due is not None:
        out[DEEPEN_DUE_KEY] = repr(due)
    return out


def _deepen_line(extra: dict[str, str]) -> Decimal | None:
    """The distance at or below which a critical position deepens (None: no critical alert)."""
    d = _read_loud(extra)[0]
    return d / 2 if d is not None and d > 0 else None
