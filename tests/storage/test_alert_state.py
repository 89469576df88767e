from dataclasses import replace
from decimal import Decimal

from storage.alert_state import DEFAULT_ARMED, AlertState, AlertStateStore
from storage.db import open_database

T0 = 1_700_000_000.0
ETH = "PERP_ETH_USDC"


def test_state_survives_a_reopen_exactly(tmp_path):
    path = tmp_path / "desk.db"
    state = AlertState(
        chat_id=1,
        symbol=ETH,
        margin_mode="ISOLATED",
        level="critical",
        episode_id="ep-7",
        first_sent_at=T0,
        last_sent_at=T0 + 300,
        next_reminder_at=T0 + 600,
        snooze_until=None,
        armed=frozenset(),
        last_distance=Decimal("0.02317"),
        position_sig="LONG:1.5:261.000000001",
        extra={"debounce": 2, "rearm_since": None, "liq": Decimal("1800.1")},
    )
    AlertStateStore(open_database(path)).save(state, now=T0 + 300)
    got = AlertStateStore(open_database(path)).get(1, ETH, "ISOLATED")
    assert got == replace(state, updated_at=T0 + 300, extra={**state.extra, "liq": "1800.1"})
    assert got.armed == frozenset()  # nothing armed is not the same as "never saved"


def test_save_replaces_and_positions_are_separate():
    store = AlertStateStore(open_database(":memory:"))
    iso = AlertState(1, ETH, "ISOLATED", level="warning", armed=frozenset({"critical"}))
    store.save(iso, now=T0)
    store.save(AlertState(1, ETH, "CROSS"), now=T0)
    store.save(AlertState(2, ETH, "ISOLATED", level="critical"), now=T0)
    store.save(replace(iso, level="critical", armed=frozenset()), now=T0 + 1)
    assert [(s.margin_mode, s.level) for s in store.for_chat(1)] == [
        ("CROSS", "none"),
        ("ISOLATED", "critical"),
    ]
    assert len(store.all()) == 3
    store.delete(1, ETH, "CROSS")
    assert store.get(1, ETH, "CROSS") is None


def test_snooze_on_a_quiet_position_creates_a_default_row_and_clears():
    store = AlertStateStore(open_database(":memory:"))
    snoozed = store.set_snooze(1, ETH, "ISOLATED", until=T0 + 3600, now=T0)
    assert (snoozed.level, snoozed.snooze_until) == ("none", T0 + 3600)
    assert snoozed.armed == DEFAULT_ARMED
    store.save(replace(snoozed, level="warning"), now=T0 + 1)
    cleared = store.set_snooze(1, ETH, "ISOLATED", until=None, now=T0 + 2)
    assert (cleared.level, cleared.snooze_until) == ("warning", None)
