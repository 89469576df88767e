import threading
from decimal import Decimal

import pytest

from storage.approvals import ApprovalStateError, ApprovalStore, ClaimFailure
from storage.db import open_database

T0 = 1_700_000_000.0
CHAT, USER = 100, 42
ACTION = {"symbol": "PERP_ETH_USDC", "amount": Decimal("261.000000001"), "side": "LONG"}


@pytest.fixture
def store():
    return ApprovalStore(open_database(":memory:"))


def make(store, now=T0, ttl=120.0, **kw):
    return store.create("topup", CHAT, USER, ACTION, now=now, ttl_seconds=ttl, **kw)


def test_create_stores_the_exact_action_behind_a_short_token(store):
    approval = make(store, amount=Decimal("261.000000001"))
    assert len(f"a:{approval.token}".encode()) <= 64
    again = store.get(approval.token)
    assert again == approval
    assert again.state == "pending" and again.expires_at == T0 + 120
    assert again.action["amount"] == "261.000000001"
    assert again.amount == Decimal("261.000000001")
    assert make(store).token != approval.token


def test_claim_wins_once(store):
    approval = make(store)
    first = store.claim(approval.token, USER, CHAT, now=T0 + 1)
    assert first.ok and first.approval.state == "executing"
    assert first.approval.claimed_at == T0 + 1
    second = store.claim(approval.token, USER, CHAT, now=T0 + 2)
    assert not second.ok and second.failure is ClaimFailure.ALREADY_USED


def test_claim_after_expiry_fails_even_when_never_swept(store):
    approval = make(store, ttl=120)
    result = store.claim(approval.token, USER, CHAT, now=T0 + 120)
    assert result.failure is ClaimFailure.EXPIRED
    assert store.get(approval.token).state == "pending"
    assert store.claim(approval.token, USER, CHAT, now=T0 + 119.999).ok


@pytest.mark.parametrize(
    ("user", "chat", "failure"),
    [(USER + 1, CHAT, ClaimFailure.WRONG_USER), (USER, CHAT + 1, ClaimFailure.WRONG_CHAT)],
)
def test_claim_by_someone_else_does_nothing(store, user, chat, failure):
    approval = make(store)
    assert store.claim(approval.token, user, chat, now=T0 + 1).failure is failure
    assert store.get(approval.token).state == "pending"
    assert store.claim(approval.token, USER, CHAT, now=T0 + 1).ok


@pytest.mark.parametrize("token", ["forged-token-xyz", "", "' OR 1=1 --"])
def test_forged_token_is_unknown(store, token):
    make(store)
    result = store.claim(token, USER, CHAT, now=T0)
    assert result.failure is ClaimFailure.UNKNOWN and result.approval is None


def test_cancel_then_claim_says_cancelled(store):
    approval = make(store)
    assert store.cancel(approval.token, USER + 1, CHAT, now=T0).failure is ClaimFailure.WRONG_USER
    assert store.cancel(approval.token, USER, CHAT, now=T0).ok
    assert store.claim(approval.token, USER, CHAT, now=T0).failure is ClaimFailure.CANCELLED


def test_expire_stale_marks_only_pending_past_expiry(store):
    old, fresh, used = make(store, ttl=60), make(store, ttl=600), make(store, ttl=60)
    store.claim(used.token, USER, CHAT, now=T0)
    assert [a.token for a in store.stale(now=T0 + 60)] == [old.token]
    assert store.expire_stale(now=T0 + 60) == 1
    assert store.stale(now=T0 + 60) == []
    assert store.get(old.token).state == "expired"
    assert store.get(fresh.token).state == "pending"
    assert store.get(used.token).state == "executing"
    assert store.claim(old.token, USER, CHAT, now=T0).failure is ClaimFailure.EXPIRED


def test_intent_and_outcome_are_recorded(store):
    approval = make(store)
    with pytest.raises(ApprovalStateError):
        store.mark_intent(approval.token, {"margin": "261"}, now=T0)  # not claimed yet
    store.claim(approval.token, USER, CHAT, now=T0)
    store.mark_intent(approval.token, {"margin": Decimal("261")}, now=T0 + 1)
    done = store.finish(approval.token, "done", {"liq": Decimal("1800.5")}, now=T0 + 2)
    assert (done.state, done.intent, done.detail) == ("done", {"margin": "261"}, {"liq": "1800.5"})
    with pytest.raises(ApprovalStateError):
        store.finish(approval.token, "failed", {}, now=T0 + 3)
    with pytest.raises(ValueError):
        store.finish(make(store).token, "maybe", {}, now=T0)


def test_unsettled_intents_survive_a_crash(tmp_path):
    path = tmp_path / "desk.db"
    before = ApprovalStore(open_database(path))
    sent, not_sent, settled, unknown = (make(before) for _ in range(4))
    for a in (sent, not_sent, settled, unknown):
        before.claim(a.token, USER, CHAT, now=T0 + 1)
    before.mark_intent(sent.token, {"margin": "261"}, now=T0 + 2)
    before.finish(settled.token, "done", {}, now=T0 + 3)
    before.finish(unknown.token, "unknown", {"why": "timeout"}, now=T0 + 3)
    del before  # the process dies here; nothing is closed cleanly

    after = ApprovalStore(open_database(path))
    unsettled = {a.token: a for a in after.list_unsettled()}
    assert set(unsettled) == {sent.token, not_sent.token, unknown.token}
    assert unsettled[sent.token].intent == {"margin": "261"}
    assert unsettled[not_sent.token].intent is None  # never reached the exchange
    assert after.finish(unknown.token, "done", {"read_back": True}, now=T0 + 9).state == "done"


def test_two_connections_claiming_the_same_token_exactly_one_wins(tmp_path):
    path = tmp_path / "desk.db"
    tokens = [make(ApprovalStore(open_database(path))).token for _ in range(25)]
    stores = [ApprovalStore(open_database(path)) for _ in range(2)]
    barrier = threading.Barrier(2)
    wins: list[list[str]] = [[], []]

    def press(i: int) -> None:
        for token in tokens:
            barrier.wait()
            if stores[i].claim(token, USER, CHAT, now=T0 + 1).ok:
                wins[i].append(token)

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(wins[0] + wins[1]) == sorted(tokens)  # every token won exactly once


def test_the_intent_row_keeps_the_signed_timestamp_and_the_request_lifetime(store):
    approval = make(store)
    store.claim(approval.token, USER, CHAT, now=T0 + 1)
    store.mark_intent(approval.token, {"margin": "261"}, now=T0 + 2,
                      sent_ts_ms=1_700_000_002_123, lands_by=T0 + 312)
    row = store.get(approval.token)
    assert (row.sent_ts_ms, row.lands_by, row.intent_at) == (1_700_000_002_123, T0 + 312, T0 + 2)


def test_a_finished_press_is_unreported_until_its_message_was_shown(store):
    pressed, untouched = make(store), make(store)
    store.claim(pressed.token, USER, CHAT, now=T0 + 1)
    assert store.list_unreported() == []  # executing: settlement's job, not a report
    store.finish(pressed.token, "done", {"applied": True}, now=T0 + 2)
    store.cancel(untouched.token, USER, CHAT, now=T0 + 2)  # never pressed: nothing to tell
    assert [a.token for a in store.list_unreported()] == [pressed.token]
    store.mark_reported(pressed.token, now=T0 + 3)
    store.mark_reported(pressed.token, now=T0 + 9)  # the first time counts
    assert store.list_unreported() == []
    assert store.get(pressed.token).reported_at == T0 + 3
