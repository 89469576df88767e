from decimal import Decimal

import pytest

from storage.chats import ChatStore
from storage.db import dump_json, load_json, open_database
from storage.migrations import MIGRATIONS

TABLES = {"approvals", "audit_log", "chats", "thresholds", "alert_state"}


def test_open_creates_parent_folder_and_every_table(tmp_path):
    path = tmp_path / "nested" / "dir" / "desk.db"
    db = open_database(path)
    assert path.exists()
    assert set(db.table_names()) >= TABLES


def test_migrations_are_idempotent_across_opens(tmp_path):
    path = tmp_path / "desk.db"
    open_database(path).close()
    db = open_database(path)
    applied = [m.name for m in MIGRATIONS.applied(db)]
    assert applied[0] == "0001_initial" and len(set(applied)) == len(applied)
    assert "0003_settle_request_lifetime" in applied and applied == sorted(applied)  # in order
    assert MIGRATIONS.pending(db) == []
    assert db["_sqlite_migrations"].count == len(applied)  # each applied once, not per open


def test_wal_busy_timeout_and_foreign_keys_are_on(tmp_path):
    db = open_database(tmp_path / "desk.db")
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_memory_database_is_supported():
    db = open_database(":memory:")
    assert set(db.table_names()) >= TABLES


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0.1", "0.1"),
        ("261.000000001", "261.000000001"),
        ("-3.50", "-3.50"),
        ("0.00000001", "0.00000001"),
        ("1E+2", "100"),
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"),
    ],
)
def test_money_round_trips_exactly_as_text(tmp_path, amount, text):
    path = tmp_path / "desk.db"
    ChatStore(open_database(path)).set_limits(7, Decimal(amount), None)
    db = open_database(path)
    got = ChatStore(db).get(7).per_action_cap
    assert got == Decimal(amount) and got.as_tuple() == Decimal(text).as_tuple()
    kind, raw = db.execute("SELECT typeof(per_action_cap), per_action_cap FROM chats").fetchone()
    assert (kind, raw) == ("text", text)


def test_a_float_is_refused_where_money_belongs():
    store = ChatStore(open_database(":memory:"))
    with pytest.raises(TypeError):
        store.set_limits(7, 0.1, None)  # type: ignore[arg-type]


def test_json_writes_decimals_as_strings_and_never_reads_floats():
    text = dump_json({"amount": Decimal("261.000000001"), "n": 2})
    assert text == '{"amount":"261.000000001","n":2}'
    assert load_json('{"x": 0.1}') == {"x": Decimal("0.1")}
