"""Mark history for /chart: one point per 10 s, thinned to 1/min after 1 h, gone after 24 h;
the recorder buckets marks in memory and writes them on the storage's writer thread."""

from __future__ import annotations

import itertools
from decimal import Decimal

from bot.services.risk.history import MarkRecorder
from storage.budgets import BudgetStore
from storage.db import open_database
from storage.mark_history import MarkHistoryStore
from storage.worker import Storage

D = Decimal
T0 = 1_000_000.0  # a multiple of 60
ETH = "PERP_ETH_USDC"


async def test_one_point_per_bucket_the_last_mark_of_it() -> None:
    storage = Storage(open_database(":memory:"))
    try:
        recorder = MarkRecorder(storage)
        for i in range(30):  # 30 s of marks, one a second
            recorder.record(ETH, D(2000 + i), T0 + i)
        path = await recorder.points(ETH, T0)
        assert path == [(T0, D(2009)), (T0 + 10, D(2019)), (T0 + 20, D(2029))]
        stored = await storage.read(MarkHistoryStore(storage.reader).points, ETH, T0)
        assert stored == path[:2]  # the open bucket is in memory until it closes
        assert await recorder.points("PERP_BTC_USDC", T0) == []
        recorder.flush()
        await storage.flush()
        assert MarkHistoryStore(storage.db).points(ETH, T0) == path  # kept across a restart
    finally:
        storage.close()


def test_old_points_are_thinned_then_dropped_and_the_size_stays_bounded() -> None:
    store = MarkHistoryStore(open_database(":memory:"))
    store.write((ETH, T0 + i, str(2000 + i % 100)) for i in range(0, 26 * 3600, 10))
    now = T0 + 26 * 3600
    store.prune(now)
    ts = [t for t, _ in store.points(ETH, 0)]
    assert min(ts) >= now - 86_400
    old = [t for t in ts if t < now - 3600]
    recent = [t for t in ts if t >= now - 3600]
    assert all(t % 60 == 0 for t in old) and len(old) <= 23 * 60 + 1
    assert len(recent) >= 359 and all(b - a == 10 for a, b in itertools.pairwise(recent))
    assert len(ts) <= 360 + 1381


def test_budgets_per_chat_and_symbol() -> None:
    s = BudgetStore(open_database(":memory:"))
    s.set(1, ETH, D("150.5"), T0)
    s.set(1, "PERP_BTC_USDC", D(300), T0)
    s.set(2, ETH, D(10), T0)
    s.set(1, "PERP_BTC_USDC", D(400), T0)
    assert s.all(1) == {"PERP_BTC_USDC": D(400), ETH: D("150.5")}
    s.set(1, ETH, None, T0)
    assert s.get(1, ETH) is None and s.get(2, ETH) == D(10)
