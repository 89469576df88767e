"""Helpers for the paper-engine tests: a fresh engine on a FakeClock and terse order requests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from bot.paper.engine import EngineError, PaperEngine
from bot.paper.symbol_table import default_markets
from bot.timing import FakeClock

D = Decimal
ETH, BTC, SOL, ARB, DOGE = (
    "PERP_ETH_USDC", "PERP_BTC_USDC", "PERP_SOL_USDC", "PERP_ARB_USDC", "PERP_DOGE_USDC",
)
CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED
BUY, SELL = Side.BUY, Side.SELL
ACCOUNT = "0xacc"


def make_engine(balance: str = "10000", account: str = ACCOUNT) -> PaperEngine:
    """An engine at the default marks (ETH 2500, BTC 60000, ...) with one funded account."""
    engine = PaperEngine(default_markets(), FakeClock())
    engine.create_account(account, D(balance))
    engine.drain_events()
    return engine


def req(
    symbol: str,
    side: Side,
    qty: str,
    mode: MarginMode = CROSS,
    price: str | None = None,
    order_type: OrderType | None = None,
    reduce_only: bool = False,
    cid: str | None = None,
) -> OrderRequest:
    """An OrderRequest: LIMIT when a price is given, MARKET otherwise."""
    kind = order_type or (OrderType.LIMIT if price is not None else OrderType.MARKET)
    return OrderRequest(
        symbol=symbol, side=side, order_type=kind, quantity=D(qty), margin_mode=mode,
        price=None if price is None else D(price), reduce_only=reduce_only, client_order_id=cid,
    )


def rejected(code: int, call: Callable[..., Any], *args: Any) -> EngineError:
    """Assert that call(*args) raises EngineError with `code`; returns it."""
    with pytest.raises(EngineError) as info:
        call(*args)
    assert info.value.code == code, info.value.message
    return info.value
