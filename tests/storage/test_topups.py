from decimal import Decimal

import pytest

from storage.approvals import ApprovalStore
from storage.db import open_database
from storage.topups import TopupLedger

T0 = 1_700_000_000.0
CHAT, USER = 100, 42


@pytest.fixture
def db():
    return open_database(":memory:")


def topup(approvals, amount, claimed_at, outcome=None, kind="topup", chat=CHAT):
    a = approvals.create(
        kind, chat, USER, {}, now=claimed_at, ttl_seconds=120, amount=Decimal(amount)
    )
    approvals.claim(a.token, USER, chat, now=claimed_at)
    if outcome:
        approvals.finish(a.token, outcome, {}, now=claimed_at + 1)
    return a.token


def test_spent_counts_claimed_topups_not_known_failures(db):
    approvals, ledger = ApprovalStore(db), TopupLedger(db)
    topup(approvals, "100.1", T0, "done")
    topup(approvals, "50", T0 + 10)  # executing: may have moved money
    topup(approvals, "25.000000001", T0 + 20, "unknown")
    topup(approvals, "999", T0 + 30, "failed")
    topup(approvals, "999", T0 + 40, "done", kind="order")
    topup(approvals, "999", T0 + 50, "done", chat=CHAT + 1)
    approvals.create("topup", CHAT, USER, {}, now=T0, ttl_seconds=120, amount=Decimal("7"))
    assert ledger.spent(CHAT, now=T0 + 60) == Decimal("175.100000001")


def test_spent_is_a_rolling_24h_window_and_can_exclude_the_current_press(db):
    approvals, ledger = ApprovalStore(db), TopupLedger(db)
    topup(approvals, "100", T0, "done")
    current = topup(approvals, "40", T0 + 3600)
    assert ledger.spent(CHAT, now=T0 + 3600, exclude_token=current) == Decimal("100")
    assert ledger.spent(CHAT, now=T0 + 86_399) == Decimal("140")
    assert ledger.spent(CHAT, now=T0 + 86_400) == Decimal("40")


def test_headroom_is_none_when_cap_off_and_never_negative(db):
    approvals, ledger = ApprovalStore(db), TopupLedger(db)
    topup(approvals, "300", T0, "done")
    assert ledger.headroom(CHAT, None, now=T0) is None
    assert ledger.headroom(CHAT, Decimal("500.5"), now=T0) == Decimal("200.5")
    assert ledger.headroom(CHAT, Decimal("200"), now=T0) == Decimal("0")
