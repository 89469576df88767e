"""snapshot()/restore(): the whole exchange state survives a JSON round trip."""

from __future__ import annotations

import json

from bot.domain.models import MarginAction
from bot.paper.engine import KeyRecord, PaperEngine
from bot.timing import FakeClock
from tests.paper.engine_fixtures import (
    ACCOUNT,
    BTC,
    BUY,
    CROSS,
    ETH,
    ISOLATED,
    SELL,
    D,
    make_engine,
    req,
)

KEY = KeyRecord(ACCOUNT, "ed25519:abc", frozenset({"read", "trading"}), 1_800_000_000_000)


def _busy_engine() -> PaperEngine:
    engine = make_engine("10000")
    engine.add_key(KEY)
    engine.set_leverage(ACCOUNT, 20, ETH, ISOLATED)
    engine.set_default_margin_mode(ACCOUNT, BTC, ISOLATED)
    engine.create_order(ACCOUNT, req(ETH, BUY, "1.5", ISOLATED))
    engine.adjust_margin(ACCOUNT, ETH, D("33.3"), MarginAction.ADD)
    engine.create_order(ACCOUNT, req(ETH, SELL, "0.7", CROSS))
    engine.create_order(ACCOUNT, req(BTC, BUY, "0.01", ISOLATED, price="59000.5", cid="x-1"))
    engine.create_order(ACCOUNT, req(BTC, SELL, "0.01", CROSS, price="61000"))
    engine.apply_funding(ETH, D("0.123"))
    engine.set_mark(ETH, D("2512.34"))
    engine.create_order(ACCOUNT, req(ETH, SELL, "0.5", ISOLATED, reduce_only=True))
    return engine


def _view(engine: PaperEngine) -> tuple[object, ...]:
    return (
        engine.positions(ACCOUNT), engine.holding(ACCOUNT), engine.orders(ACCOUNT),
        engine.get_leverages(ACCOUNT), engine.default_margin_modes(ACCOUNT),
        engine.keys_of(ACCOUNT), engine.tickers(), engine.funding_rates(), engine.markets(),
    )


def test_snapshot_is_json_and_restores_the_same_exchange() -> None:
    engine = _busy_engine()
    snap = engine.snapshot()
    text = json.dumps(snap)  # plain JSON types only: Decimals are strings
    assert '"holding": "' in text
    restored = PaperEngine.restore(json.loads(text), FakeClock())
    assert _view(restored) == _view(engine)
    assert restored.key(KEY.orderly_key) == KEY
    assert restored.snapshot() == snap


def test_restored_engine_keeps_trading_and_numbering() -> None:
    engine = _busy_engine()
    restored = PaperEngine.restore(engine.snapshot(), FakeClock())
    a = engine.create_order(ACCOUNT, req(ETH, BUY, "0.1"))
    b = restored.create_order(ACCOUNT, req(ETH, BUY, "0.1"))
    assert a.order_id == b.order_id
    for e in (engine, restored):
        e.set_mark(BTC, D("59000.5"))  # fills the pending isolated BTC bid
    assert _view(restored) == _view(engine)
    assert restored.position(ACCOUNT, BTC, ISOLATED).position_qty == D("0.01")
