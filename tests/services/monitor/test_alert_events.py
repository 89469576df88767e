"""Grouping of a chat's alert events (pure)."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.alert_policy import Decision, DecisionKind, Level, Thresholds
from bot.services.monitor.alert_events import AlertEvent, DegradedEvent, Grouper
from tests.services.monitor_kit import (
    CHAT,
    OTHER,
    position,
)

D = Decimal


# ---- grouping (pure) ---------------------------------------------------------------------------


def _event(chat: int, level: Level, kind: DecisionKind = DecisionKind.ALERT) -> AlertEvent:
    return AlertEvent(chat, position(), None, Decision(kind, level, D("0.04"), 1), D(2100),
                      D(2000), D("0.04"), Thresholds())  # fmt: skip


def test_grouper_batches_a_chat_within_the_window() -> None:
    g = Grouper(5.0)
    assert g.add(_event(CHAT, Level.WARNING), 100.0) == []
    assert g.add(_event(OTHER, Level.WARNING), 101.0) == []
    assert g.add(_event(CHAT, Level.WARNING), 103.0) == []
    assert g.next_due() == 105.0 and g.due(104.9) == []
    batches = g.due(105.0)
    assert [len(b) for b in batches] == [2] and batches[0][0].chat_id == CHAT
    assert [b[0].chat_id for b in g.due(106.0)] == [OTHER] and len(g) == 0


def test_grouper_flushes_a_critical_at_once_with_what_was_pending() -> None:
    g = Grouper(5.0)
    g.add(_event(CHAT, Level.WARNING), 100.0)
    g.add(DegradedEvent(OTHER, True, 16.0), 100.0)
    batches = g.add(_event(CHAT, Level.CRITICAL), 101.0)
    assert [[e.urgent for e in b] for b in batches] == [[False, True]]
    assert g.add(_event(CHAT, Level.CRITICAL, DecisionKind.REMINDER), 102.0) != []
    assert g.add(_event(CHAT, Level.NONE, DecisionKind.LIQUIDATED), 102.0) != []
    assert g.add(_event(CHAT, Level.NONE, DecisionKind.RECOVERED), 102.0) == []
    assert [b[0].chat_id for b in g.flush_all()] == [OTHER, CHAT]
