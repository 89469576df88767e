"""Where the alert zones lie on the price axis, for a chart of the mark path. Pure.

The distance to liquidation is |mark − liq| / mark. With the liquidation price fixed, the mark
at which the distance equals d is liq / (1 − d) for a long (above liq) and liq / (1 + d) for a
short (below liq): between liq and that mark the position is inside the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ONE = Decimal(1)


def mark_at_distance(liq: Decimal, distance: Decimal, is_long: bool) -> Decimal:
    """The mark price at which the position sits `distance` (fraction) from `liq`."""
    return liq / (ONE - distance) if is_long else liq / (ONE + distance)


@dataclass(frozen=True, slots=True)
class ZoneBands:
    """Price edges of the zones: critical spans liq → critical_edge, warning → warning_edge."""

    liq: Decimal
    critical_edge: Decimal
    warning_edge: Decimal


def zone_bands(liq: Decimal, warning: Decimal, critical: Decimal, is_long: bool) -> ZoneBands:
    """warning and critical are fractions of mark (0.05, 0.025)."""
    return ZoneBands(liq, mark_at_distance(liq, critical, is_long),
                     mark_at_distance(liq, warning, is_long))
