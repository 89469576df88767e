from decimal import Decimal

from storage.audit import REDACTED, AuditLog
from storage.db import open_database

T0 = 1_700_000_000.0


def test_recent_is_newest_first_limited_and_per_chat():
    log = AuditLog(open_database(":memory:"))
    for i in range(5):
        log.record(1, 42, f"/cmd{i}", {"i": i}, "ok", "", at=T0 + i)
    log.record(2, 43, "/other", {}, "ok", "", at=T0 + 10)
    assert [e.command for e in log.recent(1, 3)] == ["/cmd4", "/cmd3", "/cmd2"]
    assert [e.command for e in log.recent(2, 10)] == ["/other"]
    assert log.recent(1, 0) == []


def test_same_instant_keeps_insertion_order_newest_first():
    log = AuditLog(open_database(":memory:"))
    log.record(1, 42, "/first", {}, "ok", "", at=T0)
    log.record(1, 42, "/second", {}, "ok", "", at=T0)
    assert [e.command for e in log.recent(1, 2)] == ["/second", "/first"]


def test_entry_round_trips_with_exact_amounts():
    log = AuditLog(open_database(":memory:"))
    written = log.record(
        1, 42, "/margin", {"amount": Decimal("261.000000001")}, "failed", "-1101: no", at=T0
    )
    (read,) = log.recent(1, 1)
    assert read == written
    assert read.params == {"amount": "261.000000001"}
    assert (read.outcome, read.detail, read.user_id) == ("failed", "-1101: no", 42)


def test_secret_looking_keys_and_key_material_are_redacted():
    log = AuditLog(open_database(":memory:"))
    key = "ed25519:8tnsKvCkSq5UFpT4UJUZ3xGRh9zQbDfPqVqcLuFaQpjX"
    params = {
        "symbol": "PERP_ETH_USDC",
        "orderly_secret": "abc",
        "nested": {"API_KEY": "k", "Signature": "s", "ok": 1},
        "list": [{"access_token": "t"}],
        "note": f"pasted {key}",
    }
    log.record(1, 42, "/check", params, "ok", f"used {key}", at=T0)
    (entry,) = log.recent(1, 1)
    assert entry.params["symbol"] == "PERP_ETH_USDC"
    assert entry.params["orderly_secret"] == REDACTED
    assert entry.params["nested"] == {"API_KEY": REDACTED, "Signature": REDACTED, "ok": 1}
    assert entry.params["list"] == [{"access_token": REDACTED}]
    assert key not in entry.params["note"] and key not in entry.detail
