"""The paper exchange's symbol table: Orderly-like trading rules, risk parameters, start marks."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import MarketInfo

D = Decimal


def _market(
    symbol: str,
    quote_max: str,
    quote_tick: str,
    base_min: str,
    base_max: str,
    base_imr: str,
    base_mmr: str,
    imr_factor: str,
) -> MarketInfo:
    # quote_min 0 and base_tick == base_min mirror Orderly's /v1/public/info rows.
    return MarketInfo(
        symbol=symbol,
        quote_min=D(0),
        quote_max=D(quote_max),
        quote_tick=D(quote_tick),
        base_min=D(base_min),
        base_max=D(base_max),
        base_tick=D(base_min),
        min_notional=D(10),
        price_range=D("0.03"),
        base_imr=D(base_imr),
        base_mmr=D(base_mmr),
        imr_factor=D(imr_factor),
    )


DEFAULT_MARKETS: tuple[MarketInfo, ...] = (
    _market("PERP_BTC_USDC", "500000", "0.1", "0.00001", "20", "0.01", "0.006", "0.000000091"),
    _market("PERP_ETH_USDC", "100000", "0.01", "0.0001", "500", "0.01", "0.006", "0.0000001724"),
    _market("PERP_SOL_USDC", "10000", "0.001", "0.01", "10000", "0.01", "0.006", "0.0000002"),
    _market("PERP_ARB_USDC", "100", "0.0001", "0.1", "500000", "0.05", "0.025", "0.0000005"),
    _market("PERP_DOGE_USDC", "10", "0.00001", "1", "5000000", "0.1", "0.05", "0.000001"),
)

START_PRICES: dict[str, Decimal] = {
    "PERP_BTC_USDC": D("60000"),
    "PERP_ETH_USDC": D("2500"),
    "PERP_SOL_USDC": D("150"),
    "PERP_ARB_USDC": D("0.8"),
    "PERP_DOGE_USDC": D("0.15"),
}

# Random-walk volatility per √second (≈ 50-90 % a year): majors calmer than alts.
VOLATILITY: dict[str, Decimal] = {
    "PERP_BTC_USDC": D("0.0005"),
    "PERP_ETH_USDC": D("0.0006"),
    "PERP_SOL_USDC": D("0.0008"),
    "PERP_ARB_USDC": D("0.001"),
    "PERP_DOGE_USDC": D("0.001"),
}


def default_markets() -> list[MarketInfo]:
    """A fresh list of the default perpetuals."""
    return list(DEFAULT_MARKETS)


def start_prices() -> dict[str, Decimal]:
    """Starting mark price of every default symbol."""
    return dict(START_PRICES)


def quote_ticks(markets: list[MarketInfo] | None = None) -> dict[str, Decimal]:
    """Price tick per symbol (for rounding simulated marks)."""
    return {m.symbol: m.quote_tick for m in (markets or DEFAULT_MARKETS)}


def start_price_for(market: MarketInfo) -> Decimal:
    """The default start mark of a symbol; a mid-range price for symbols outside the table."""
    if market.symbol in START_PRICES:
        return START_PRICES[market.symbol]
    mid = (market.quote_min + market.quote_max) / 2
    return (mid / market.quote_tick).to_integral_value() * market.quote_tick
