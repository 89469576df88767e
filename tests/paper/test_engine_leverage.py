"""Leverage per symbol and mode: defaults, single-symbol rules, batch CROSS and ISOLATED rules."""

from __future__ import annotations

import pytest

from bot.domain.models import LeverageSetting, MarginMode
from bot.paper.engine import LeverageEvent
from tests.paper.engine_fixtures import (
    ACCOUNT,
    ARB,
    BTC,
    BUY,
    CROSS,
    DOGE,
    ETH,
    ISOLATED,
    SELL,
    SOL,
    D,
    make_engine,
    rejected,
    req,
)


def _levs(engine: object, mode: MarginMode) -> dict[str, int]:
    return {s.symbol: s.leverage for s in engine.get_leverages(ACCOUNT) if s.margin_mode is mode}


def test_defaults_ten_x_both_modes_and_cross_default_margin_mode() -> None:
    engine = make_engine()
    rows = engine.get_leverages(ACCOUNT)
    assert len(rows) == 10 and {r.leverage for r in rows} == {10}
    assert set(engine.default_margin_modes(ACCOUNT).values()) == {CROSS}
    engine.set_default_margin_mode(ACCOUNT, ETH, ISOLATED)
    assert engine.default_margin_modes(ACCOUNT)[ETH] is ISOLATED
    rejected(-1005, engine.set_default_margin_mode, ACCOUNT, "PERP_X_USDC", ISOLATED)
    info = engine.client_info(ACCOUNT)
    assert info.max_leverage == 100 and info.imr_factor[BTC] == D("0.000000091")


@pytest.mark.parametrize(
    ("symbol", "leverage", "max_leverage"),
    [(ETH, 0, 100), (ETH, 101, 100), (ARB, 21, 20), (DOGE, 11, 10), (None, 101, 100)],
)
def test_out_of_range_is_refused(symbol: str | None, leverage: int, max_leverage: int) -> None:
    engine = make_engine()
    err = rejected(-1005, engine.set_leverage, ACCOUNT, leverage, symbol, CROSS)
    assert err.message == f"leverage must be between 1 and {max_leverage}"


def test_single_cross_change_checks_margin() -> None:
    engine = make_engine("300")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1"))  # IM 250 at 10x; TCV 298.5
    engine.drain_events()
    rejected(-1101, engine.set_leverage, ACCOUNT, 5, ETH, CROSS)  # IM would be 500
    assert engine.get_leverage(ACCOUNT, ETH, CROSS).leverage == 10
    assert engine.set_leverage(ACCOUNT, 20, ETH, CROSS) == [LeverageSetting(ETH, CROSS, 20)]
    assert engine.position(ACCOUNT, ETH, CROSS).leverage == 20
    assert [e.setting for e in engine.drain_events() if isinstance(e, LeverageEvent)] == [
        LeverageSetting(ETH, CROSS, 20)
    ]
    # unchanged value: the setting comes back (for the response), no event
    assert engine.set_leverage(ACCOUNT, 20, ETH, CROSS) == [LeverageSetting(ETH, CROSS, 20)]
    assert not any(isinstance(e, LeverageEvent) for e in engine.drain_events())


def test_single_isolated_change_refused_while_position_or_order_is_open() -> None:
    engine = make_engine()
    order = engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED, price="2400"))
    err = rejected(-1101, engine.set_leverage, ACCOUNT, 5, ETH, ISOLATED)
    assert "open isolated position or order" in err.message
    engine.cancel_order(ACCOUNT, ETH, order.order_id)
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    rejected(-1101, engine.set_leverage, ACCOUNT, 5, ETH, ISOLATED)
    engine.set_leverage(ACCOUNT, 5, ETH, CROSS)  # the cross setting is independent
    engine.create_order(ACCOUNT, req(ETH, SELL, "1", ISOLATED, reduce_only=True))
    assert engine.set_leverage(ACCOUNT, 5, ETH, ISOLATED)[0].leverage == 5


def test_batch_cross_sets_every_symbol_capped_at_its_max() -> None:
    engine = make_engine()
    changed = engine.set_leverage(ACCOUNT, 20, None, CROSS)
    assert changed == [LeverageSetting(s, CROSS, 20) for s in sorted([ARB, BTC, ETH, SOL])]
    assert _levs(engine, CROSS) == {BTC: 20, ETH: 20, SOL: 20, ARB: 20, DOGE: 10}
    assert set(_levs(engine, ISOLATED).values()) == {10}
    events = [e for e in engine.drain_events() if isinstance(e, LeverageEvent)]
    assert len(events) == 4


def test_batch_cross_is_all_or_nothing() -> None:
    engine = make_engine("400")
    engine.create_order(ACCOUNT, req(ETH, BUY, "1"))  # IM 250 at 10x, 1250 at 2x
    engine.set_leverage(ACCOUNT, 50, SOL, CROSS)
    rejected(-1101, engine.set_leverage, ACCOUNT, 2, None, CROSS)
    assert _levs(engine, CROSS) == {BTC: 10, ETH: 10, SOL: 50, ARB: 10, DOGE: 10}


def test_batch_isolated_skips_symbols_with_position_or_pending_order() -> None:
    engine = make_engine()
    engine.create_order(ACCOUNT, req(ETH, BUY, "1", ISOLATED))
    engine.create_order(ACCOUNT, req(BTC, BUY, "0.01", ISOLATED, price="59000"))
    engine.create_order(ACCOUNT, req(SOL, BUY, "1", CROSS))  # cross does not block isolated
    changed = engine.set_leverage(ACCOUNT, 5, None, ISOLATED)
    assert {s.symbol for s in changed} == {SOL, ARB, DOGE}
    assert _levs(engine, ISOLATED) == {BTC: 10, ETH: 10, SOL: 5, ARB: 5, DOGE: 5}
    assert set(_levs(engine, CROSS).values()) == {10}
