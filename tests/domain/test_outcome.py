"""What a closed or liquidated position came to, from its fills, the liquidation push or the
last mark (bot/domain/outcome.py)."""

from __future__ import annotations

from decimal import Decimal as D

from bot.domain.models import Liquidation, MarginMode, Side, Trade
from bot.domain.outcome import Outcome, closing_trades, outcome_of
from tests.handlers.render_samples import eth_position

ETH = "PERP_ETH_USDC"
LONG = eth_position(timestamp=1000)  # 1 ETH at 2500, margin 251.5


def fill(side: Side = Side.SELL, price: str = "2400", qty: str = "1", realized: str = "-100",
         fee: str = "1.2", at: int = 1000, **kw: object) -> Trade:
    fields: dict[str, object] = dict(
        trade_id=1, symbol=ETH, side=side, executed_price=D(price), executed_quantity=D(qty),
        fee=D(fee), realized_pnl=D(realized), executed_timestamp=at,
        margin_mode=MarginMode.ISOLATED, order_id=5)
    fields.update(kw)
    return Trade(**fields)  # type: ignore[arg-type]


def test_a_close_is_priced_by_its_fills_and_loses_what_the_loss_ate() -> None:
    fills = [fill(price="2400", qty="0.5", realized="-50", fee="0.6"),
             fill(price="2300", qty="0.5", realized="-100", fee="0.5", trade_id=2)]
    assert outcome_of(LONG, liquidated=False, trades=fills) == Outcome(
        D(2350), D(-150), D("1.1"), D(150))


def test_a_profitable_close_loses_no_margin_and_a_huge_loss_at_most_the_margin() -> None:
    assert outcome_of(LONG, liquidated=False, trades=[fill(realized="80")]).margin_lost == 0
    assert outcome_of(LONG, liquidated=False, trades=[fill(realized="-400")]).margin_lost == D(
        "251.5")


def test_only_the_fills_that_closed_this_position_count() -> None:
    others = [fill(side=Side.BUY), fill(at=999), fill(symbol="PERP_BTC_USDC"),
              fill(margin_mode=MarginMode.CROSS)]
    assert closing_trades(LONG, [*others, fill()]) == [fill()]
    short = eth_position(position_qty=D(-1), cost_position=D(-2500), timestamp=1000)
    assert closing_trades(short, [fill(side=Side.BUY)]) == [fill(side=Side.BUY)]


def test_a_liquidation_takes_the_whole_margin_at_the_pushed_price() -> None:
    push = Liquidation(1, 2000, ETH, MarginMode.ISOLATED, D(1), D("2262.58"))
    taken = fill(price="2262.58", realized="-237.42", fee="0", order_id=None)
    assert outcome_of(LONG, liquidated=True, trades=[taken], liquidation=push) == Outcome(
        D("2262.58"), D("-237.42"), D(0), D("251.5"))
    # without the trade history, the push's price gives the PnL: Q·price − cost
    assert outcome_of(LONG, liquidated=True, liquidation=push) == Outcome(
        D("2262.58"), D("-237.42"), D(0), D("251.5"))


def test_without_fills_or_push_the_last_mark_gives_an_estimate() -> None:
    assert outcome_of(LONG, liquidated=False, mark=D(2450)) == Outcome(
        D(2450), D(-50), D(0), D(50), estimated=True)
    nothing = outcome_of(LONG, liquidated=False)
    assert (nothing.price, nothing.realized_pnl, nothing.margin_lost, nothing.estimated) == (
        None, None, None, False)
