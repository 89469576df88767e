"""Which watched positions can change on a mark update, found in O(log n + k); and their timers.

Each watched position (a key) has a quiet interval of mark prices: while the mark stays strictly
inside it, a mark-only observation changes nothing (the policy's quiet_band, converted from
distances to prices by `mark_interval`). Per symbol the low and the high bounds sit in sorted
lists, so `crossed(symbol, mark)` returns exactly the keys whose interval does not contain the
mark, plus the keys that have no interval (always evaluated). Timers live in a heap. Pure.

Keys with the same interval (the chats watching one position at the same thresholds, often
thousands) share one bucket, and only distinct intervals sit in the sorted lists, so re-indexing
a key is a dict move unless its interval is new. The lists hold the bounds as floats: a float
is within 2e-16 of its Decimal, far inside the 1e-12 by which `mark_interval` pulls every
finite bound inwards, so it can only ever cost an extra evaluation, never a missed one.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from sortedcontainers import SortedList

INF = Decimal("Infinity")
ONE = Decimal(1)
# Finite bounds are pulled inwards by this relative amount, so that rounding in the
# distance <-> price conversion can only ever cause an extra evaluation, never a missed one.
_EPS = Decimal("1e-12")

Interval = tuple[Decimal, Decimal]  # (lo, hi): quiet while lo < mark < hi
Key = Any  # hashable and orderable among themselves, e.g. (chat_id, symbol, margin_mode)


@functools.lru_cache(maxsize=8192)  # many watches share a band and a position: share the result
def mark_interval(
    band: tuple[Decimal, Decimal] | None, liq: Decimal | None, is_long: bool
) -> Interval | None:
    """The mark prices whose distance lies in band [low, high); None means "always evaluate".

    Distance is signed-safe: long d = (mark − liq)/mark, short d = (liq − mark)/mark, floored
    at 0. Without a liquidation price the distance is None at every mark, so nothing a mark
    does can change it: the whole line is quiet.
    """
    if band is None:
        return None
    if liq is None or liq <= 0:
        return (-INF, INF)
    low, high = band
    if high <= low or high <= 0:
        return None  # an empty band: every observation may matter
    if is_long:  # d = 1 − liq/m grows with m and stays below 1
        if low >= ONE:
            return None
        lo = -INF if low <= 0 else liq / (ONE - low)
        hi = INF if high >= ONE else liq / (ONE - high)
    else:  # d = liq/m − 1 shrinks as m grows
        lo = -INF if high.is_infinite() else liq / (ONE + high)
        hi = INF if low <= 0 else liq / (ONE + low)
    if lo.is_finite():
        lo *= ONE + _EPS
    if hi.is_finite():
        hi *= ONE - _EPS
    return (lo, hi)


class WatchIndex:
    """Quiet intervals per symbol plus a timer heap, keyed by any hashable, orderable key."""

    def __init__(self) -> None:
        self._lows: dict[str, SortedList] = {}  # symbol -> [(lo, hi)] of distinct intervals
        self._highs: dict[str, SortedList] = {}  # symbol -> [(−hi, lo)], so hi <= m is a tail
        self._buckets: dict[str, dict[tuple[float, float], dict[Key, None]]] = {}
        self._always: dict[str, dict[Key, None]] = {}  # insertion-ordered sets
        self._where: dict[Key, tuple[str, Interval | None]] = {}
        self._heap: list[tuple[float, int, Key]] = []
        self._deadline: dict[Key, float] = {}
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._where

    def put(self, key: Key, symbol: str, interval: Interval | None) -> None:
        """Index key under symbol with its quiet interval (None: evaluate on every mark)."""
        old = self._where.get(key)
        if old == (symbol, interval):
            return
        if old is not None:
            self._unlink(key, *old)
        self._where[key] = (symbol, interval)
        if interval is None:
            self._always.setdefault(symbol, {})[key] = None
            return
        bounds = (float(interval[0]), float(interval[1]))
        buckets = self._buckets.setdefault(symbol, {})
        bucket = buckets.get(bounds)
        if bucket is None:
            bucket = buckets[bounds] = {}
            self._lows.setdefault(symbol, SortedList()).add(bounds)
            self._highs.setdefault(symbol, SortedList()).add((-bounds[1], bounds[0]))
        bucket[key] = None

    def remove(self, key: Key) -> None:
        """Forget key and its timer (no-op if unknown)."""
        old = self._where.pop(key, None)
        if old is not None:
            self._unlink(key, *old)
        self._deadline.pop(key, None)  # its heap entry is skipped lazily

    def crossed(self, symbol: str, mark: Decimal) -> list[Key]:
        """Keys of symbol whose quiet interval does not contain mark, plus the always-keys."""
        out: list[Key] = list(self._always.get(symbol, ()))
        lows, highs = self._lows.get(symbol), self._highs.get(symbol)
        if not lows or highs is None:
            return out
        m, buckets = float(mark), self._buckets[symbol]
        below = list(lows.islice(lows.bisect_left((m,))))  # lo >= mark
        above = [(lo, -neg_hi) for neg_hi, lo in highs.islice(highs.bisect_left((-m,)))]
        if below and above:  # only an interval squeezed empty by _EPS can be in both
            below += [b for b in above if b not in set(below)]
        else:
            below += above
        for bounds in below:
            out.extend(buckets[bounds])
        return out

    def interval(self, key: Key) -> Interval | None:
        """The quiet interval key is indexed with (KeyError if unknown)."""
        return self._where[key][1]

    def keys(self, symbol: str | None = None) -> list[Key]:
        """Every indexed key, or those of one symbol."""
        return [k for k, (s, _) in self._where.items() if symbol is None or s == symbol]

    # ---- timers ----------------------------------------------------------------------------

    def schedule(self, key: Key, deadline: float | None) -> None:
        """Set (or with None, clear) the one timer of key."""
        if deadline is None:
            self._deadline.pop(key, None)
            return
        if self._deadline.get(key) == deadline:
            return
        self._deadline[key] = deadline
        heapq.heappush(self._heap, (deadline, next(self._seq), key))
        if len(self._heap) > 2 * len(self._deadline) + 64:  # drop superseded entries now and then
            self._heap = [e for e in self._heap if self._deadline.get(e[2]) == e[0]]
            heapq.heapify(self._heap)

    def due(self, now: float) -> list[Key]:
        """Pop every key whose timer is at or before now, earliest first."""
        out: list[Key] = []
        while self._heap and self._heap[0][0] <= now:
            deadline, _, key = heapq.heappop(self._heap)
            if self._deadline.get(key) == deadline:  # else replaced or cleared since
                del self._deadline[key]
                out.append(key)
        return out

    def next_deadline(self) -> float | None:
        """The earliest live timer, or None."""
        while self._heap and self._deadline.get(self._heap[0][2]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def _unlink(self, key: Key, symbol: str, interval: Interval | None) -> None:
        if interval is None:
            self._always[symbol].pop(key, None)
            return
        bounds = (float(interval[0]), float(interval[1]))
        buckets = self._buckets[symbol]
        bucket = buckets[bounds]
        del bucket[key]
        if not bucket:
            del buckets[bounds]
            self._lows[symbol].remove(bounds)
            self._highs[symbol].remove((-bounds[1], bounds[0]))
