"""OrderlyStream against the paper exchange's public and private WebSocket streams."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot.domain.models import MarginAction, MarginMode, OrderRequest, OrderType, Side
from bot.orderly.signing import Signer, generate_keypair
from bot.orderly.stream import (
    AccountEvent,
    BalanceEvent,
    ConnectionEvent,
    ConnectionState,
    ExecutionEvent,
    MarkPricesEvent,
    OrderlyStream,
    PositionsEvent,
)
from tests.e2e_exchange import ETH, FAST, Inbox, client_for, paper, streaming

D = Decimal
ISOLATED = MarginMode.ISOLATED
PRIVATE = ["position", "executionreport", "balance", "account", "liquidationsaccount"]


async def test_markprices_arrive_on_every_tick() -> None:
    async with paper(seed=3) as (ex, _), streaming(ex, ["markprices"], private=False) as (
        _, inbox
    ):
        for _ in range(2):
            since = inbox.mark()
            prices = ex.tick(1.0)
            event = await inbox.wait_for(lambda e: isinstance(e, MarkPricesEvent), since)
            pushed = {p.symbol: p.price for p in event.prices}
            assert pushed == ex.marks()
            assert pushed[ETH] == prices[ETH]


async def test_private_topics_follow_an_isolated_order() -> None:
    async with paper() as (ex, _), client_for(ex) as client, streaming(ex, PRIVATE) as (
        _, inbox
    ):
        await client.create_order(OrderRequest(
            ETH, Side.BUY, OrderType.MARKET, D(1), ISOLATED, client_order_id="live-1"))
        filled = await inbox.wait_for(
            lambda e: isinstance(e, ExecutionEvent) and e.order.status == "FILLED")
        assert filled.order.client_order_id == "live-1" and filled.last_fill_qty == D(1)
        assert filled.order.margin_mode is ISOLATED and filled.last_fill_price == D(2500)
        pushed = await inbox.wait_for(lambda e: isinstance(e, PositionsEvent) and any(
            p.key == (ETH, ISOLATED) for p in e.positions))
        position = next(p for p in pushed.positions if p.key == (ETH, ISOLATED))
        rest = await client.get_position(ETH, ISOLATED)
        assert rest is not None
        assert (position.position_qty, position.margin, position.leverage) == (D(1), D(250), 10)
        assert position.est_liq_price == rest.est_liq_price

        since = inbox.mark()
        await client.adjust_position_margin(ETH, D(30), MarginAction.ADD)
        balance = await inbox.wait_for(lambda e: isinstance(e, BalanceEvent), since)
        (usdc,) = balance.holdings
        assert usdc.token == "USDC" and usdc.isolated_margin == D(280)
        assert usdc.holding == (await client.get_holding()).holding

        since = inbox.mark()
        await client.set_leverage(7, MarginMode.CROSS, ETH)
        account = await inbox.wait_for(lambda e: isinstance(e, AccountEvent), since)
        assert [(s.symbol, s.margin_mode, s.leverage) for s in account.leverages] == [
            (ETH, MarginMode.CROSS, 7)]


async def test_private_stream_with_an_unknown_key_reports_auth_failed() -> None:
    async with paper() as (ex, _):
        inbox = Inbox()
        stranger = Signer(ex.account_id, "", generate_keypair()[1])
        stream = OrderlyStream(f"{ex.ws_private_url}/{ex.account_id}", signer=stranger,
                               topics=["balance"], on_message=inbox, timings=FAST)
        task = asyncio.create_task(stream.run())
        try:
            failed = await inbox.wait_for(lambda e: isinstance(e, ConnectionEvent))
        finally:
            await stream.stop()
            await asyncio.wait_for(task, 3)
        assert failed.state is ConnectionState.AUTH_FAILED and not stream.is_connected
