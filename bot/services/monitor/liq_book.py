"""The monitor's view of the account: isolated positions, latest marks and funding, liq prices.

The liquidation price of a position is the exchange's `est_liq_price` from the latest position
update (push or REST): the exchange value wins whenever one arrives. Between updates, when
`sum_unitary_funding` moves, the price is shifted by what the local formula
(margin.isolated_liq_price) says that funding change is worth, so the two never drift apart.
Without an exchange value (0/none) the local formula gives it. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from bot.domain.margin import funding_adjustment, isolated_liq_price, unsettled_pnl
from bot.domain.models import MarginMode, MarketInfo, Position

PosKey = tuple[str, MarginMode]
ZERO = Decimal(0)


def fingerprint(p: Position) -> str:
    """Side, size and margin of a position: a change clears the snooze (alert-policy.md)."""
    side = "long" if p.position_qty > 0 else "short"
    return f"{side}:{_plain(abs(p.position_qty))}:{_plain(p.margin)}"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")  # "1.50" and "1.5" are the same position


def distance(mark: Decimal | None, liq: Decimal | None, is_long: bool) -> Decimal | None:
    """Long (mark − liq)/mark, short (liq − mark)/mark, floored at 0; None without a liq price."""
    if liq is None or mark is None or mark <= 0:
        return None
    d = (mark - liq) / mark if is_long else (liq - mark) / mark
    return d if d > 0 else ZERO


@dataclass(slots=True)
class Held:
    """One open isolated position and the liquidation price the monitor uses for it."""

    position: Position
    liq: Decimal | None
    base_liq: Decimal | None  # the exchange's value from the latest position update
    base_funding: Decimal | None  # sum_unitary_funding known when base_liq arrived
    fingerprint: str

    @property
    def is_long(self) -> bool:
        return self.position.position_qty > 0


class LiqBook:
    """Positions by (symbol, margin_mode), marks and funding by symbol, liq price per position."""

    def __init__(self, markets: dict[str, MarketInfo] | None = None) -> None:
        self.markets: dict[str, MarketInfo] = dict(markets or {})
        self.held: dict[PosKey, Held] = {}
        self.marks: dict[str, Decimal] = {}
        self.mark_at: dict[str, float] = {}  # monotonic time of each symbol's latest mark
        self.funding: dict[str, Decimal] = {}

    def set_mark(self, symbol: str, price: Decimal, at: float) -> None:
        self.marks[symbol] = price
        self.mark_at[symbol] = at

    def mark(self, key: PosKey) -> Decimal | None:
        """The latest mark of the position's symbol, else the one its row carried."""
        held = self.held.get(key)
        mark = self.marks.get(key[0])
        if mark is None and held is not None and held.position.mark_price > 0:
            return held.position.mark_price
        return mark

    def distance(self, key: PosKey) -> Decimal | None:
        """Distance to liquidation at the latest mark (None without a liq price or a mark)."""
        held = self.held.get(key)
        return None if held is None else distance(self.mark(key), held.liq, held.is_long)

    def upsert(self, p: Position) -> bool:
        """Take a fresh position row; True when it is new or its liq price or fingerprint moved."""
        old = self.held.get(p.key)
        funding = self.funding.get(p.symbol)
        liq = p.est_liq_price if p.est_liq_price is not None else self._local(p, funding)
        fp = fingerprint(p)
        self.held[p.key] = Held(p, liq, p.est_liq_price, funding, fp)
        return old is None or old.liq != liq or old.fingerprint != fp

    def remove(self, key: PosKey) -> Held | None:
        return self.held.pop(key, None)

    def set_funding(self, symbol: str, value: Decimal) -> list[PosKey]:
        """Take a symbol's sum_unitary_funding; returns the positions whose liq price moved."""
        if self.funding.get(symbol) == value:
            return []
        self.funding[symbol] = value
        moved = []
        for key, held in self.held.items():
            if key[0] != symbol:
                continue
            if held.base_funding is None and held.base_liq is not None:
                held.base_funding = value  # the exchange's value already counted this funding
                continue
            liq = self._shifted(held, value)
            if liq != held.liq:
                held.liq = liq
                moved.append(key)
        return moved

    def view(self, key: PosKey) -> Position:
        """The position row with the monitor's current mark, liq price and unsettled PnL."""
        held = self.held[key]
        p, mark = held.position, self.mark(key)
        if mark is None:
            return replace(p, mark_price=ZERO, est_liq_price=held.liq)
        # The row's PnL is at the row's mark; only the mark moved since (Q·ΔP), so shift it.
        pnl = (p.unsettled_pnl + p.position_qty * (mark - p.mark_price) if p.mark_price > 0
               else unsettled_pnl(p.position_qty, mark, p.cost_position))  # fmt: skip
        return replace(p, mark_price=mark, est_liq_price=held.liq, unsettled_pnl=pnl)

    def _shifted(self, held: Held, funding: Decimal) -> Decimal | None:
        p = held.position
        now = self._local(p, funding)
        if held.base_liq is None:
            return now
        before = self._local(p, held.base_funding)
        if now is None or before is None:
            return held.base_liq  # no rules for the symbol: keep the exchange's figure
        shifted = held.base_liq + (now - before)
        return shifted if shifted > 0 else None

    def _local(self, p: Position, funding: Decimal | None) -> Decimal | None:
        market = self.markets.get(p.symbol)
        if market is None:
            return None
        ref = self.marks.get(p.symbol) or p.mark_price or p.average_open_price
        last = p.last_sum_unitary_funding
        adj = funding_adjustment(p.position_qty, last if funding is None else funding, last)
        return isolated_liq_price(market, p.position_qty, p.cost_position, p.margin, ref, adj)
