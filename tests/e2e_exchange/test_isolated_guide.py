"""Orderly's isolated margin guide step by step: the bot's client against the paper exchange."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from bot.domain import margin
from bot.domain.models import (
    LeverageSetting,
    MarginAction,
    MarginMode,
    OrderRequest,
    OrderType,
    Side,
)
from bot.errors import ExchangeRejected
from bot.orderly.jsoncodec import loads
from bot.orderly.stream import LiquidationEvent
from bot.paper.runner import PaperExchange
from bot.paper.state import TAKER_FEE
from tests.e2e_exchange import BTC, ETH, SOL, client_for, paper, streaming

CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED
D = Decimal
GUIDE_FIELDS = ("margin", "margin_mode", "leverage", "est_liq_price", "position_qty",
                "unsettled_pnl", "imr", "mmr")


def market_order(symbol: str, side: Side, qty: str, mode: MarginMode, cid: str | None = None
                 ) -> OrderRequest:
    return OrderRequest(symbol, side, OrderType.MARKET, D(qty), mode, client_order_id=cid)


async def raw_get(ex: PaperExchange, path: str) -> dict:
    """A signed GET outside the client, to see the exact wire field names."""
    headers = ex.credentials.signer().headers(int(time.time() * 1000), "GET", path)
    async with httpx.AsyncClient(base_url=ex.base_url) as http:
        payload = loads((await http.get(path, headers=headers)).content)
    assert payload["success"] is True, payload
    return payload["data"]


async def test_guide_leverage_order_margin_and_position() -> None:
    async with paper() as (ex, seen), client_for(ex) as client:
        # Step 1: leverage per symbol per mode
        assert await client.set_leverage(5, ISOLATED, ETH) == LeverageSetting(ETH, ISOLATED, 5)
        assert (await client.get_leverage(ETH, ISOLATED)).leverage == 5
        assert (await client.get_leverage(ETH, CROSS)).leverage == 10  # cross is independent
        # Step 2: an isolated order with a client order id, found again by that id
        ack = await client.create_order(market_order(ETH, Side.BUY, "1", ISOLATED, "guide-1"))
        order = await client.get_order_by_client_id("guide-1")
        assert order is not None and order.order_id == ack.order_id
        assert (order.status, order.margin_mode, order.executed_quantity) == (
            "FILLED", ISOLATED, D(1))
        opened = await client.get_position(ETH, ISOLATED)
        assert opened is not None and opened.margin == D(500)  # 1 × 2500 / 5x
        # Step 3: add then reduce margin; the amount goes out as a JSON string
        await client.adjust_position_margin(ETH, D("100"), MarginAction.ADD)
        await client.adjust_position_margin(ETH, D("50"), MarginAction.REDUCE)
        bodies = [b for m, p, b in seen.requests if (m, p) == ("POST", "/v1/position_margin")]
        assert b'"amount":"100"' in bodies[0] and b'"type":"REDUCE"' in bodies[1]
        # Step 4: monitor the position with margin_mode=ISOLATED
        ex.set_price(ETH, "2510")
        pos = await client.get_position(ETH, ISOLATED)
        assert pos is not None
        assert (pos.margin, pos.margin_mode, pos.leverage) == (D(550), ISOLATED, 5)
        assert (pos.position_qty, pos.unsettled_pnl) == (D(1), D(10))
        assert (pos.imr, pos.mmr) == (D("0.2"), D("0.006"))
        market = next(m for m in await client.get_markets() if m.symbol == ETH)
        expected = margin.isolated_liq_price(market, D(1), D(2500), D(550), D(2510))
        assert pos.est_liq_price == expected
        assert D(1961) < expected < D(1962)  # (550 − 2500) / (0.006 − 1)
        wire = await raw_get(ex, f"/v1/position/{ETH}?margin_mode=ISOLATED")
        assert all(name in wire for name in GUIDE_FIELDS)
        assert wire["margin_mode"] == "ISOLATED" and wire["est_liq_price"] == expected
        # Account balance: isolated_margin is the margin of every isolated position
        fee = D(2500) * TAKER_FEE
        holding = await client.get_holding()
        assert holding.isolated_margin == D(550)
        assert holding.holding == D(10_000) - D(500) - fee - D(100) + D(50)
        (aggregate,) = await client.get_aggregate_holding()
        assert aggregate.isolated_margin == D(550) and aggregate.account_id == ex.account_id


async def test_pending_isolated_limit_order_freezes_margin() -> None:
    async with paper() as (ex, _), client_for(ex) as client:
        ack = await client.create_order(OrderRequest(
            ETH, Side.BUY, OrderType.LIMIT, D(1), ISOLATED, price=D(2450)))
        holding = await client.get_holding()
        assert holding.isolated_order_frozen == margin.order_margin(D(1), D(2450), 10)
        assert holding.isolated_order_frozen == D("246.47")  # 2450 × (1/10 + 0.0006)
        assert holding.isolated_margin == 0 and holding.holding == D(10_000)
        wire = (await raw_get(ex, "/v1/client/aggregate/holding"))["rows"][0]
        assert wire["isolated_order_frozen"] == D("246.47") and "isolated_margin" in wire
        await client.cancel_order(ack.order_id, ETH)
        assert (await client.get_holding()).isolated_order_frozen == 0


async def test_cross_and_isolated_position_on_one_symbol() -> None:
    async with paper() as (ex, _), client_for(ex) as client:
        await client.create_order(market_order(ETH, Side.BUY, "1", CROSS))
        await client.create_order(market_order(ETH, Side.SELL, "0.5", ISOLATED))
        snapshot = await client.get_positions()
        by_key = {p.key: p for p in snapshot.positions}
        assert set(by_key) == {(ETH, CROSS), (ETH, ISOLATED)}
        assert by_key[(ETH, CROSS)].position_qty == D(1)
        assert by_key[(ETH, ISOLATED)].position_qty == D("-0.5")
        assert by_key[(ETH, ISOLATED)].margin == D(125) and by_key[(ETH, CROSS)].margin == 0
        cross = await client.get_position(ETH, CROSS)
        isolated = await client.get_position(ETH, ISOLATED)
        assert cross is not None and cross.position_qty == D(1)
        assert isolated is not None and isolated.position_qty == D("-0.5")


async def test_batch_leverage_isolated_skips_busy_symbols_cross_all_or_nothing() -> None:
    async with paper() as (ex, _), client_for(ex) as client:
        await client.create_order(market_order(ETH, Side.BUY, "1", ISOLATED))
        await client.create_order(OrderRequest(
            SOL, Side.BUY, OrderType.LIMIT, D(1), ISOLATED, price=D(140)))
        assert await client.set_leverage(20, ISOLATED) is None  # batch: no symbol
        iso = {s.symbol: s.leverage for s in await client.get_leverages()
               if s.margin_mode is ISOLATED}
        # ETH (position) and SOL (pending order) skipped; DOGE is capped at its 10x maximum
        assert iso == {BTC: 20, ETH: 10, SOL: 10, "PERP_ARB_USDC": 20, "PERP_DOGE_USDC": 10}
        # Cross: every symbol at once ...
        await client.set_leverage(20, CROSS)
        cross = {s.symbol: s.leverage for s in await client.get_leverages()
                 if s.margin_mode is CROSS}
        assert cross == {BTC: 20, ETH: 20, SOL: 20, "PERP_ARB_USDC": 20, "PERP_DOGE_USDC": 10}
        # ... or none: 60 ETH cross cannot be carried at 1x, so no symbol changes
        await client.create_order(market_order(ETH, Side.BUY, "60", CROSS))
        with pytest.raises(ExchangeRejected) as refused:
            await client.set_leverage(1, CROSS)
        assert refused.value.code == -1101
        after = {s.symbol: s.leverage for s in await client.get_leverages()
                 if s.margin_mode is CROSS}
        assert after == cross


async def test_isolated_liquidation_takes_only_that_position() -> None:
    async with paper() as (ex, _), client_for(ex) as client:
        await client.create_order(market_order(ETH, Side.BUY, "1", ISOLATED))  # margin 250
        await client.create_order(market_order(ETH, Side.BUY, "0.5", CROSS))
        await client.create_order(market_order(BTC, Side.SELL, "0.01", ISOLATED))  # margin 60
        doomed = await client.get_position(ETH, ISOLATED)
        assert doomed is not None and doomed.est_liq_price is not None
        liq = doomed.est_liq_price  # (250 − 2500) / (0.006 − 1) ≈ 2263.58
        before = await client.get_positions()
        holding_before = await client.get_holding()
        async with streaming(ex, ["liquidationsaccount", "position"]) as (_, inbox):
            ex.set_price(ETH, (liq + D(1)).quantize(D("0.01")))  # not yet
            assert await client.get_position(ETH, ISOLATED) is not None
            since = inbox.mark()
            ex.set_price(ETH, (liq - D(1)).quantize(D("0.01")))  # through the liq price
            pushed = await inbox.wait_for(lambda e: isinstance(e, LiquidationEvent), since)
        (taken,) = pushed.liquidations
        assert (taken.symbol, taken.margin_mode, taken.position_qty) == (ETH, ISOLATED, D(1))
        assert await client.get_position(ETH, ISOLATED) is None
        holding = await client.get_holding()
        assert holding.holding == holding_before.holding  # the balance is untouched
        assert holding.isolated_margin == holding_before.isolated_margin - D(250)
        after = await client.get_positions()
        assert {p.key for p in after.positions} == {(ETH, CROSS), (BTC, ISOLATED)}
        for key in ((ETH, CROSS), (BTC, ISOLATED)):
            old, new = before.get(*key), after.get(*key)
            assert old is not None and new is not None
            assert (new.position_qty, new.cost_position, new.margin) == (
                old.position_qty, old.cost_position, old.margin)
        btc_old, btc_new = before.get(BTC, ISOLATED), after.get(BTC, ISOLATED)
        assert btc_old is not None and btc_new is not None
        assert btc_new.est_liq_price == btc_old.est_liq_price
