"""Markets, positions and a Telegram-HTML check shared by the rendering tests."""

from __future__ import annotations

import re
from decimal import Decimal as D

from bot.botapi.strict import parse_html
from bot.domain.margin import distance_to_liq
from bot.domain.models import MarginMode, MarketInfo, Position
from bot.domain.views import PositionView

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a"}
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_PRE = re.compile(r"<pre>(.*?)</pre>", re.S)


def market(symbol: str, quote_tick: str, base_tick: str, base_min: str | None = None,
           base_imr: str = "0.01", base_mmr: str = "0.006") -> MarketInfo:
    return MarketInfo(
        symbol=symbol, quote_min=D(0), quote_max=D(1_000_000), quote_tick=D(quote_tick),
        base_min=D(base_min or base_tick), base_max=D(10_000_000), base_tick=D(base_tick),
        min_notional=D(10), price_range=D("0.03"), base_imr=D(base_imr), base_mmr=D(base_mmr),
        imr_factor=D("0.0000001724"),
    )


ETH = market("PERP_ETH_USDC", "0.01", "0.0001")
BTC = market("PERP_BTC_USDC", "0.1", "0.00001")
DOGE = market("PERP_DOGE_USDC", "0.00001", "1", base_imr="0.05", base_mmr="0.025")


def eth_position(**changes: object) -> Position:
    """orderly-api.md §6 example A: isolated long 1 ETH at 2500, mark 2450, margin 251.5."""
    fields: dict[str, object] = dict(
        symbol="PERP_ETH_USDC", margin_mode=MarginMode.ISOLATED, position_qty=D(1),
        cost_position=D(2500), average_open_price=D(2500), mark_price=D(2450),
        est_liq_price=D("2262.575452716297786720321932"), unsettled_pnl=D("-50.5"),
        last_sum_unitary_funding=D(0), imr=D("0.1"), mmr=D("0.006"), leverage=10,
        margin=D("251.5"),
    )
    fields.update(changes)
    return Position(**fields)  # type: ignore[arg-type]


def view_of(position: Position, mkt: MarketInfo = ETH) -> PositionView:
    return PositionView(position, mkt, distance_to_liq(position.mark_price,
                                                       position.est_liq_price))


def rendered(text: str) -> str:
    """The text Telegram shows; fails like Telegram on HTML it would not parse."""
    tags = {t.lower() for t in _TAG.findall(text)}
    assert tags <= ALLOWED_TAGS, f"unexpected tags {tags - ALLOWED_TAGS}"
    plain, _ = parse_html(text)
    return plain


def pre_lines(text: str) -> list[str]:
    """Every line inside a <pre> block, as shown (entities decoded)."""
    lines: list[str] = []
    for block in _PRE.findall(text):
        lines += rendered(block).split("\n")
    return lines


def assert_phone_width(text: str) -> None:
    for line in pre_lines(text):
        assert len(line) <= 40, f"{line!r} is {len(line)} columns"
