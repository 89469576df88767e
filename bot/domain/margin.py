"""Margin maths for Orderly perpetuals (orderly-api.md §6): pure functions over Decimal.

Conventions: Q is the signed position quantity (+ long, − short), cost is the signed
cost_position, margin is the isolated margin, F is the funding adjustment
Q·(sum_unitary_funding − last_sum_unitary_funding). Rates are fractions (0.05 = 5 %).
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import MarketInfo

ZERO = Decimal(0)
ONE = Decimal(1)
# JSSDK IsoTakerFeeBuffer: the backend freezes this much extra per unit notional for fees.
FEE_BUFFER = Decimal("0.0006")
IMR_FACTOR_POWER = Decimal("0.8")


def _factor_term(imr_factor: Decimal, notional: Decimal) -> Decimal:
    if notional <= 0 or imr_factor <= 0:
        return ZERO
    return imr_factor * notional**IMR_FACTOR_POWER


def imr_rate(market: MarketInfo, leverage: int, notional: Decimal) -> Decimal:
    """IMR = max(1/leverage, base_imr, imr_factor·N^0.8)."""
    return max(ONE / Decimal(leverage), market.base_imr, _factor_term(market.imr_factor, notional))


def mmr_rate(market: MarketInfo, notional: Decimal) -> Decimal:
    """MMR = max(base_mmr, base_mmr/base_imr · imr_factor·N^0.8)."""
    scaled = market.base_mmr / market.base_imr * _factor_term(market.imr_factor, notional)
    return max(market.base_mmr, scaled)


def max_notional_at(market: MarketInfo, leverage: int) -> Decimal:
    """Highest notional allowed at this leverage: (1/(L·imr_factor))^(5/4)."""
    if market.imr_factor <= 0:
        return market.base_max * market.quote_max
    return (ONE / (Decimal(leverage) * market.imr_factor)) ** Decimal("1.25")


def funding_adjustment(qty: Decimal, sum_unitary_funding: Decimal, last_sum: Decimal) -> Decimal:
    """F = Q·(sum_unitary_funding − last_sum_unitary_funding)."""
    return qty * (sum_unitary_funding - last_sum)


def unsettled_pnl(
    qty: Decimal, mark: Decimal, cost: Decimal, funding_adj: Decimal = ZERO
) -> Decimal:
    """Q·P_mark − cost_position − F."""
    return qty * mark - cost - funding_adj


def isolated_liq_price(
    market: MarketInfo,
    qty: Decimal,
    cost: Decimal,
    margin: Decimal,
    ref_price: Decimal,
    funding_adj: Decimal = ZERO,
) -> Decimal | None:
    """Price where the isolated equity equals maintenance margin; None when there is none.

    liq = (margin − cost − F) / (|Q|·MMR' − Q), MMR' taken at the reference (mark) price.
    """
    if qty == 0:
        return None
    mmr = mmr_rate(market, abs(qty) * ref_price)
    denominator = abs(qty) * mmr - qty
    if denominator == 0:
        return None
    liq = (margin - cost - funding_adj) / denominator
    return liq if liq > 0 else None


def distance_to_liq(mark: Decimal, liq: Decimal | None) -> Decimal | None:
    """|mark − liq| / mark as a fraction; None when there is no liquidation price."""
    if liq is None or mark <= 0:
        return None
    return abs(mark - liq) / mark


def liq_price_for_distance(mark: Decimal, distance: Decimal, is_long: bool) -> Decimal:
    """The liquidation price that sits `distance` (fraction of mark) away on the losing side."""
    return mark * (ONE - distance) if is_long else mark * (ONE + distance)


def margin_for_liq_price(
    market: MarketInfo,
    qty: Decimal,
    cost: Decimal,
    target_liq: Decimal,
    ref_price: Decimal,
    funding_adj: Decimal = ZERO,
) -> Decimal:
    """Isolated margin that puts the liquidation price at target_liq: L·(|Q|·MMR' − Q) + C + F."""
    mmr = mmr_rate(market, abs(qty) * ref_price)
    return target_liq * (abs(qty) * mmr - qty) + cost + funding_adj


def margin_to_add_for_distance(
    market: MarketInfo,
    qty: Decimal,
    cost: Decimal,
    margin: Decimal,
    mark: Decimal,
    distance: Decimal,
    funding_adj: Decimal = ZERO,
) -> Decimal:
    """Margin to ADD so the liquidation price sits `distance` from mark (0 if already there)."""
    target = liq_price_for_distance(mark, distance, qty > 0)
    needed = margin_for_liq_price(market, qty, cost, target, mark, funding_adj)
    return max(ZERO, needed - margin)


def max_add(holding: Decimal, free_collateral: Decimal, cross_unsettled_pnl: Decimal) -> Decimal:
    """Most USDC that can move into an isolated position (JSSDK maxAddReduce)."""
    return max(ZERO, min(holding, free_collateral - max(cross_unsettled_pnl, ZERO)))


def max_reduce(
    margin: Decimal, notional: Decimal, imr: Decimal, position_unsettled_pnl: Decimal
) -> Decimal:
    """Most USDC that can leave an isolated position: margin − N·IMR + min(0, upnl)."""
    return max(ZERO, margin - notional * imr + min(ZERO, position_unsettled_pnl))


def order_margin(qty: Decimal, price: Decimal, leverage: int) -> Decimal:
    """Margin an isolated order locks: |q|·P·(1/L + fee buffer)."""
    return abs(qty) * price * (ONE / Decimal(leverage) + FEE_BUFFER)
