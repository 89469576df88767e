"""The trade history (GET /v1/trades): every fill with its fee and realized PnL, a
liquidation's fill included, kept across a snapshot."""

from __future__ import annotations

from bot.domain.models import Side
from bot.paper.engine import PaperEngine
from tests.paper.engine_fixtures import ACCOUNT, BUY, ETH, ISOLATED, SELL, D, make_engine, req


def test_fills_record_price_fee_and_realized_pnl() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    opened = engine.position(ACCOUNT, ETH, ISOLATED)
    engine.set_mark(ETH, D("2400"))
    engine.create_order(ACCOUNT, req(ETH, SELL, "0.4", ISOLATED, reduce_only=True))
    newest, first = engine.trades(ACCOUNT)
    assert (first.side, first.executed_quantity, first.realized_pnl) == (BUY, 1, 0)
    assert first.executed_price == opened.average_open_price and first.fee > 0
    assert (newest.side, newest.executed_price, newest.executed_quantity) == (SELL, 2400, D("0.4"))
    assert newest.realized_pnl == D("0.4") * (2400 - first.executed_price)
    assert newest.fee == D("0.4") * 2400 * (first.fee / first.executed_price)
    assert newest.order_id is not None and newest.margin_mode is ISOLATED
    assert engine.trades(ACCOUNT, start=newest.executed_timestamp + 1) == []
    assert engine.trades(ACCOUNT, symbol="PERP_BTC_USDC") == []


def test_a_liquidation_is_a_fill_at_the_liquidation_price_realizing_the_loss() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    p = engine.position(ACCOUNT, ETH, ISOLATED)
    assert p is not None and p.est_liq_price is not None
    price = p.est_liq_price.quantize(D("0.01"))
    engine.set_mark(ETH, price)
    assert engine.position(ACCOUNT, ETH, ISOLATED) is None
    taken = engine.trades(ACCOUNT)[0]
    assert (taken.side, taken.order_id, taken.executed_price, taken.fee) == (
        Side.SELL, None, price, 0)
    assert taken.realized_pnl == price - p.cost_position  # a loss within the margin
    assert -p.margin < taken.realized_pnl < 0


def test_the_history_survives_a_snapshot() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    again = PaperEngine.restore(engine.snapshot(), engine._clock)
    assert again.trades(ACCOUNT) == engine.trades(ACCOUNT)
    again.create_order(ACCOUNT, req(ETH, SELL, "1", ISOLATED, reduce_only=True))
    ids = [t.trade_id for t in again.trades(ACCOUNT)]
    assert ids == sorted(set(ids), reverse=True)
