"""The watch index: quiet intervals in mark space, crossed() against brute force, timers."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.alert_policy import (
    Level,
    Observation,
    PolicyState,
    Thresholds,
    evaluate,
    quiet_band,
)
from bot.services.monitor.liq_book import distance
from bot.services.monitor.watch_index import INF, WatchIndex, mark_interval

D = Decimal


def inside(interval: tuple[Decimal, Decimal] | None, mark: Decimal) -> bool:
    return interval is not None and interval[0] < mark < interval[1]


def test_long_band_becomes_a_price_interval_above_liq() -> None:
    lo, hi = mark_interval((D("0.05"), D("0.0625")), D(2000), is_long=True)  # type: ignore[misc]
    assert abs(lo - D(2000) / D("0.95")) < D("1e-6")  # 2105.26: d = 5 %
    assert abs(hi - D(2000) / D("0.9375")) < D("1e-6")  # 2133.33: d = 6.25 %


def test_short_band_is_mirrored_below_liq() -> None:
    lo, hi = mark_interval((D("0.05"), D("0.0625")), D(2000), is_long=False)  # type: ignore[misc]
    assert abs(lo - D(2000) / D("1.0625")) < D("1e-6")  # high distance = low price
    assert abs(hi - D(2000) / D("1.05")) < D("1e-6")


def test_open_ended_bands_and_no_liq() -> None:
    assert mark_interval((D("0.05"), INF), D(100), True)[1] == INF  # type: ignore[index]
    assert mark_interval((D(0), D("0.03")), D(100), True)[0] == -INF  # type: ignore[index]
    assert mark_interval((D(0), D("0.03")), D(100), False)[1] == INF  # type: ignore[index]
    assert mark_interval((D("0.05"), INF), None, True) == (-INF, INF)  # no liq: never changes
    assert mark_interval(None, D(100), True) is None  # always evaluate
    assert mark_interval((D("0.05"), D("0.05")), D(100), True) is None  # empty band


@settings(max_examples=300, deadline=None)
@given(
    liq=st.decimals(min_value=D("0.01"), max_value=D(100000), places=2),
    low=st.decimals(min_value=D(0), max_value=D("0.5"), places=4),
    width=st.decimals(min_value=D("0.001"), max_value=D("0.6"), places=4),
    is_long=st.booleans(),
    factor=st.decimals(min_value=D("0.3"), max_value=D(3), places=6),
)
def test_interval_contains_exactly_the_marks_whose_distance_is_in_band(
    liq: Decimal, low: Decimal, width: Decimal, is_long: bool, factor: Decimal
) -> None:
    band = (low, low + width)
    interval = mark_interval(band, liq, is_long)
    mark = liq * factor
    d = distance(mark, liq, is_long)
    assert d is not None
    if interval is None:
        return
    if inside(interval, mark):  # quiet means: really in the band
        assert band[0] <= d < band[1]
    elif band[0] * D("1.000001") < d < band[1] * D("0.999999"):
        raise AssertionError(f"mark {mark} (d={d}) is well inside {band} but outside {interval}")


def random_interval(rng: random.Random) -> tuple[Decimal, Decimal] | None:
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.15:
        return (-INF, INF)
    lo = D(rng.randint(900, 1100))
    hi = lo + D(rng.randint(1, 150))
    if roll < 0.25:
        hi = INF
    elif roll < 0.3:
        lo = -INF
    return (lo, hi)


def test_crossed_matches_brute_force_on_random_data() -> None:
    rng = random.Random(7)
    index = WatchIndex()
    truth: dict[tuple[int, str], tuple[str, tuple[Decimal, Decimal] | None]] = {}
    symbols = [f"PERP_S{i}_USDC" for i in range(4)]
    for step in range(3000):
        key = (rng.randrange(400), "ISOLATED")
        if rng.random() < 0.15 and key in truth:
            index.remove(key)
            del truth[key]
        else:
            symbol, interval = rng.choice(symbols), random_interval(rng)
            index.put(key, symbol, interval)
            truth[key] = (symbol, interval)
        if step % 10 == 0:
            symbol = rng.choice(symbols)
            mark = D(rng.randint(880, 1300)) + D(rng.choice([0, 0, 5])) / 10
            expected = {k for k, (s, iv) in truth.items() if s == symbol and not inside(iv, mark)}
            got = index.crossed(symbol, mark)
            assert len(got) == len(set(got)), "a key was returned twice"
            assert set(got) == expected
    assert len(index) == len(truth)


def test_marks_on_the_boundary_count_as_crossed() -> None:
    index = WatchIndex()
    index.put("a", "S", (D(100), D(110)))
    assert index.crossed("S", D(100)) == ["a"]
    assert index.crossed("S", D(110)) == ["a"]
    assert index.crossed("S", D(105)) == []
    assert index.crossed("OTHER", D(105)) == []


def test_reput_moves_a_key_and_remove_forgets_it() -> None:
    index = WatchIndex()
    index.put("a", "S", (D(100), D(110)))
    index.put("a", "S", (D(200), D(210)))
    assert index.crossed("S", D(105)) == ["a"]
    assert index.crossed("S", D(205)) == []
    index.put("a", "S", None)
    assert index.crossed("S", D(205)) == ["a"]
    index.remove("a")
    assert index.crossed("S", D(205)) == [] and "a" not in index


def test_timers_pop_when_due_in_order_and_can_be_moved_or_cleared() -> None:
    index = WatchIndex()
    index.schedule("a", 30.0)
    index.schedule("b", 10.0)
    index.schedule("c", 20.0)
    index.schedule("c", 40.0)  # moved later
    index.schedule("b", None)  # cleared
    assert index.next_deadline() == 30.0
    assert index.due(25.0) == []
    assert index.due(45.0) == ["a", "c"]
    assert index.due(100.0) == [] and index.next_deadline() is None


def test_heap_stays_small_under_many_reschedules() -> None:
    index = WatchIndex()
    for i in range(10_000):
        index.schedule("a", float(i))
    assert len(index._heap) < 200
    assert index.due(10_000.0) == ["a"]


# ---- the whole contract: quiet_band -> mark_interval -> evaluate changes nothing inside --------

STATES = [
    PolicyState(seen=True, fingerprint="f"),
    PolicyState(level=Level.WARNING, episode=1, entered_at=0.0, next_reminder_at=1800.0,
                seen=True, fingerprint="f"),
    PolicyState(level=Level.WARNING, episode=1, entered_at=0.0, rearm_since=5.0, seen=True,
                fingerprint="f"),
    PolicyState(level=Level.CRITICAL, episode=1, entered_at=0.0, next_reminder_at=300.0,
                seen=True, fingerprint="f"),
    PolicyState(level=Level.CRITICAL, episode=1, entered_at=0.0, rearm_since=5.0, seen=True,
                fingerprint="f"),
]  # fmt: skip


def test_no_mark_inside_the_quiet_interval_changes_the_real_policy_state() -> None:
    rng = random.Random(11)
    limits = Thresholds(D("0.05"), D("0.025"))
    checked = 0
    for _ in range(2000):
        state = rng.choice(STATES)
        liq, is_long = D(rng.randint(500, 5000)), rng.random() < 0.5
        interval = mark_interval(quiet_band(state, limits), liq, is_long)
        if interval is None:
            continue
        mark = liq * (D(1) + D(rng.randint(-300, 300)) / 1000 * (1 if is_long else -1))
        if mark <= 0 or not inside(interval, mark):
            continue
        obs = Observation(distance(mark, liq, is_long), fingerprint="f")
        after, decisions = evaluate(state, obs, limits, 10.0)  # before any deadline
        assert (after, decisions) == (state, []), (state, mark, liq, is_long)
        checked += 1
    assert checked > 300
