"""One refusal per stranger per 10 minutes, in bounded memory."""

from __future__ import annotations

import pytest

from bot.services.desk.refusals import REFUSAL_INTERVAL, RefusalGate
from bot.timing import FakeClock


def test_once_per_sender_per_interval() -> None:
    clock = FakeClock()
    gate = RefusalGate(clock)
    assert REFUSAL_INTERVAL == 600.0
    assert gate.allow("user 1") and gate.allow("user 2")
    assert not gate.allow("user 1")
    clock.advance(599.9)
    assert not gate.allow("user 1") and not gate.allow("user 2")
    clock.advance(0.1)
    assert gate.allow("user 1") and gate.allow("user 2")
    assert not gate.allow("user 1")


def test_memory_is_bounded_and_expired_senders_are_forgotten() -> None:
    clock = FakeClock()
    gate = RefusalGate(clock, capacity=3)
    for n in range(10):
        assert gate.allow(n)
        clock.advance(1)
    assert len(gate) == 3
    assert not gate.allow(9) and gate.allow(0)  # 0 was forgotten to make room: told again
    clock.advance(REFUSAL_INTERVAL)
    assert gate.allow("new") and len(gate) == 1  # the expired ones are gone


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        RefusalGate(FakeClock(), capacity=0)
