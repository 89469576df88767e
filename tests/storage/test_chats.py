from decimal import Decimal

from storage.chats import ChatSettings, ChatStore
from storage.db import open_database

T0 = 1_700_000_000.0


def test_unknown_chat_reads_as_defaults_with_caps_off():
    settings = ChatStore(open_database(":memory:")).get(5)
    assert settings == ChatSettings(5)
    assert not settings.known and settings.per_action_cap is None and settings.per_day_cap is None


def test_register_lists_known_chats_and_keeps_first_start_and_settings(tmp_path):
    path = tmp_path / "desk.db"
    store = ChatStore(open_database(path))
    store.set_limits(5, Decimal("100"), None)  # settings before /start are kept
    store.register(5, 42, now=T0)
    store.register(6, 43, now=T0 + 1)
    store.register(5, 42, now=T0 + 99)
    store.set_limits(99, Decimal("1"), Decimal("2"))  # never started: not a known chat
    known = ChatStore(open_database(path)).known_chats()
    assert [(c.chat_id, c.user_id, c.started_at) for c in known] == [(5, 42, T0), (6, 43, T0 + 1)]
    assert known[0].per_action_cap == Decimal("100")


def test_limits_set_and_turned_off_exactly():
    store = ChatStore(open_database(":memory:"))
    got = store.set_limits(5, Decimal("250.5"), Decimal("1000.000001"))
    assert (got.per_action_cap, got.per_day_cap) == (Decimal("250.5"), Decimal("1000.000001"))
    off = store.set_limits(5, None, Decimal("10"))
    assert (off.per_action_cap, off.per_day_cap) == (None, Decimal("10"))


def test_prefs_change_only_what_is_given():
    store = ChatStore(open_database(":memory:"))
    store.register(5, 42, now=T0)
    got = store.set_prefs(5, info_notes=False)
    assert (got.alerts_enabled, got.info_notes) == (True, False)
    got = store.set_prefs(5, alerts_enabled=False)
    assert (got.alerts_enabled, got.info_notes, got.started_at) == (False, False, T0)


def test_notify_switches_default_on_and_persist_independently(tmp_path) -> None:
    from storage.chats import ChatStore
    from storage.db import open_database

    path = tmp_path / "desk.db"
    store = ChatStore(open_database(path))
    store.register(7, 70, 1.0)
    assert (store.get(7).notify_fills, store.get(7).notify_orders) == (True, True)
    store.set_notify(7, fills=False)
    store.set_notify(7, orders=False)
    store.set_notify(7, orders=True)
    again = ChatStore(open_database(path)).get(7)  # a restart reads the same
    assert (again.notify_fills, again.notify_orders, again.started_at) == (False, True, 1.0)
