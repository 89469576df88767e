"""PolicyState <-> storage AlertState, losslessly, so a restart resumes every episode as it was.

The typed columns carry what they name (level, episode, last sent, next reminder, snooze,
fingerprint) and stay authoritative: a /snooze written straight to the table is honoured.
`first_sent_at` holds the time the current level was entered. The rest of the policy state
(debounce count, re-arm timer, seen, the policy's own extras) goes in `extra`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.domain.alert_policy import Level, PolicyState
from storage.alert_state import AlertState

_NAMES = {Level.NONE: "none", Level.WARNING: "warning", Level.CRITICAL: "critical"}
_LEVELS = {name: level for level, name in _NAMES.items()}


def to_row(
    chat_id: int, symbol: str, margin_mode: str, state: PolicyState, distance: Decimal | None
) -> AlertState:
    """The storage row for one position's policy state (distance is the latest, for display)."""
    return AlertState(
        chat_id=chat_id,
        symbol=symbol,
        margin_mode=margin_mode,
        level=_NAMES[state.level],
        episode_id=str(state.episode),
        first_sent_at=state.entered_at,
        last_sent_at=state.last_sent_at,
        next_reminder_at=state.next_reminder_at,
        snooze_until=state.snooze_until,
        armed=frozenset(name for level, name in _NAMES.items() if level > state.level),
        last_distance=distance,
        position_sig=state.fingerprint,
        extra={
            "pending_warning": state.pending_warning,
            "rearm_since": None if state.rearm_since is None else repr(state.rearm_since),
            "seen": state.seen,
            "policy": dict(state.extra),
        },
    )


def from_row(row: AlertState) -> PolicyState:
    """The policy state a stored row describes (a row from set_snooze alone reads as fresh)."""
    extra: dict[str, Any] = row.extra or {}
    rearm = extra.get("rearm_since")
    return PolicyState(
        level=_LEVELS.get(row.level, Level.NONE),
        episode=int(row.episode_id) if row.episode_id else 0,
        pending_warning=int(extra.get("pending_warning") or 0),
        entered_at=_float(row.first_sent_at),
        last_sent_at=_float(row.last_sent_at),
        next_reminder_at=_float(row.next_reminder_at),
        rearm_since=None if rearm is None else float(rearm),
        snooze_until=_float(row.snooze_until),
        fingerprint=row.position_sig,
        seen=bool(extra.get("seen", False)),
        extra={str(k): str(v) for k, v in (extra.get("policy") or {}).items()},
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
