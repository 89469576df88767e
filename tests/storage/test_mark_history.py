"""Mark history for /chart: one point per 10 s, thinned to 1/min after 1 h, gone after 24 h."""

from __future__ import annotations

import itertools
from decimal import Decimal

from storage.budgets import BudgetStore
from storage.db import open_database
from storage.mark_history import MarkHistory

D = Decimal
T0 = 1_000_000.0  # a multiple of 60


def test_one_point_per_bucket_the_last_mark_of_it() -> None:
    h = MarkHistory(open_database(":memory:"))
    for i in range(30):  # 30 s of marks, one a second
        h.record("PERP_ETH_USDC", D(2000 + i), T0 + i)
    path = h.points("PERP_ETH_USDC", T0)
    assert path == [(T0, D(2009)), (T0 + 10, D(2019)), (T0 + 20, D(2029))]
    assert h.points("PERP_BTC_USDC", T0) == []


def test_old_points_are_thinned_then_dropped_and_the_size_stays_bounded() -> None:
    db = open_database(":memory:")
    h = MarkHistory(db)
    for i in range(0, 26 * 3600, 5):  # 26 h of marks every 5 s
        h.record("PERP_ETH_USDC", D(2000) + D(i % 100), T0 + i)
    now = T0 + 26 * 3600
    h.prune(now)
    ts = [t for t, _ in h.points("PERP_ETH_USDC", 0)]
    assert min(ts) >= now - 86_400
    old = [t for t in ts if t < now - 3600]
    recent = [t for t in ts if t >= now - 3600]
    assert all(t % 60 == 0 for t in old) and len(old) <= 23 * 60 + 1
    assert len(recent) >= 359 and all(b - a == 10 for a, b in itertools.pairwise(recent))
    assert len(ts) <= 360 + 1381


def test_the_history_survives_a_restart_once_flushed() -> None:
    db = open_database(":memory:")
    h = MarkHistory(db)
    h.record("PERP_ETH_USDC", D("2000.5"), T0 + 1)
    h.flush()
    assert MarkHistory(db).points("PERP_ETH_USDC", T0) == [(T0, D("2000.5"))]


def test_budgets_per_chat_and_symbol() -> None:
    s = BudgetStore(open_database(":memory:"))
    s.set(1, "PERP_ETH_USDC", D("150.5"), T0)
    s.set(1, "PERP_BTC_USDC", D(300), T0)
    s.set(2, "PERP_ETH_USDC", D(10), T0)
    s.set(1, "PERP_BTC_USDC", D(400), T0)
    assert s.all(1) == {"PERP_BTC_USDC": D(400), "PERP_ETH_USDC": D("150.5")}
    s.set(1, "PERP_ETH_USDC", None, T0)
    assert s.get(1, "PERP_ETH_USDC") is None and s.get(2, "PERP_ETH_USDC") == D(10)
