"""What goes wrong between the bot and the exchange, provoked on the real HTTP/WebSocket stack."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest

from bot.domain.models import MarginAction, MarginMode, OrderRequest, OrderType, Side
from bot.errors import AuthFailed, ConfigError, ExchangeRejected, OutcomeUnknown, RateLimited
from bot.orderly.signing import Signer, generate_keypair
from bot.orderly.stream import BalanceEvent, ConnectionEvent, ConnectionState, PositionsEvent
from bot.paper.runner import PaperExchange
from tests.e2e_exchange import (
    ETH,
    FAST,
    JumpClock,
    client_for,
    paper,
    streaming,
    until_subscribed,
)

D = Decimal
ISOLATED = MarginMode.ISOLATED
MARGIN = ("POST", "/v1/position_margin")


class KeyOfAnotherSecret:
    """Sends the account's real key header but signs with some other secret."""

    def __init__(self, exchange: PaperExchange) -> None:
        self._real_key = exchange.orderly_key
        self._inner = Signer(exchange.account_id, "", generate_keypair()[1])
        self.account_id = exchange.account_id
        self.orderly_key = self._real_key

    def headers(self, timestamp_ms: int, method: str, path: str, body: str = "") -> dict[str, str]:
        headers = self._inner.headers(timestamp_ms, method, path, body)
        headers["orderly-key"] = self._real_key
        return headers


async def open_isolated(client, qty: str = "1") -> None:  # type: ignore[no-untyped-def]
    await client.create_order(OrderRequest(ETH, Side.BUY, OrderType.MARKET, D(qty), ISOLATED))


async def test_wrong_secret_is_refused_by_the_server_or_caught_by_the_signer() -> None:
    async with paper() as (ex, _):
        other_secret = generate_keypair()[1]
        with pytest.raises(ConfigError, match="does not belong to ORDERLY_KEY"):
            Signer(ex.account_id, ex.orderly_key, other_secret)
        async with client_for(ex, KeyOfAnotherSecret(ex)) as forged:
            with pytest.raises(AuthFailed) as bad_signature:
                await forged.get_holding()
        assert bad_signature.value.code == -1001 and bad_signature.value.http_status == 401
        unknown_key = Signer(ex.account_id, "", other_secret)  # a key never registered
        async with client_for(ex, unknown_key) as stranger:
            with pytest.raises(AuthFailed) as refused:
                await stranger.get_positions()
        assert refused.value.code == -1002


async def test_stale_clock_is_refused_until_synced() -> None:
    async with paper() as (ex, _):
        clock = JumpClock(offset=600.0)  # ten minutes fast
        async with client_for(ex, clock=clock) as client:
            with pytest.raises(AuthFailed) as stale:
                await client.get_holding()
            assert stale.value.code == -1002 and "timestamp" in stale.value.message
            skew = await client.sync_clock()
            assert -601_000 < skew < -599_000
            assert (await client.get_holding()).holding == D(10_000)


async def test_429_on_a_read_is_retried() -> None:
    async with paper() as (ex, seen), client_for(ex) as client:
        ex.faults.fail_next(1, 429)
        assert (await client.get_holding()).holding == D(10_000)
        assert seen.count("GET", "/v1/client/holding") == 2


async def test_429_on_a_write_is_not_applied_and_not_retried() -> None:
    async with paper() as (ex, seen), client_for(ex) as client:
        await open_isolated(client)
        ex.faults.fail_next(1, 429)
        with pytest.raises(RateLimited):
            await client.adjust_position_margin(ETH, D(100), MarginAction.ADD)
        assert seen.count(*MARGIN) == 1
        position = await client.get_position(ETH, ISOLATED)
        assert position is not None and position.margin == D(250)


async def test_reducing_too_much_margin_is_rejected_with_a_plain_reason() -> None:
    async with paper() as (ex, _), client_for(ex) as client:
        await open_isolated(client)
        await client.adjust_position_margin(ETH, D(100), MarginAction.ADD)
        with pytest.raises(ExchangeRejected) as rejected:
            await client.adjust_position_margin(ETH, D(101), MarginAction.REDUCE)
        assert rejected.value.code == -1101
        assert rejected.value.explanation.startswith("-1101: not enough margin")
        position = await client.get_position(ETH, ISOLATED)
        assert position is not None and position.margin == D(350)


async def test_a_write_that_times_out_is_unknown_applied_once_and_never_retried() -> None:
    timings = dataclasses.replace(FAST, http_timeout=0.3)
    async with paper() as (ex, seen), client_for(ex, timings=timings) as client:
        await open_isolated(client)
        ex.faults.delay_next(1, 0.8)
        with pytest.raises(OutcomeUnknown) as unknown:
            await client.adjust_position_margin(ETH, D(100), MarginAction.ADD)
        assert unknown.value.path == "/v1/position_margin"
        for _ in range(100):  # the server finishes the request after the client gave up
            position = await client.get_position(ETH, ISOLATED)
            assert position is not None
            if position.margin != D(250):
                break
            await asyncio.sleep(0.02)
        assert position.margin == D(350)  # applied, exactly once
        assert seen.count(*MARGIN) == 1


async def test_dropped_websockets_reconnect_reauthenticate_and_resubscribe() -> None:
    topics = ["position", "balance"]
    async with (
        paper() as (ex, _),
        client_for(ex) as client,
        streaming(ex, topics) as (stream, inbox),
        streaming(ex, ["markprices"], private=False) as (public, marks),
    ):
            await open_isolated(client)
            await inbox.wait_for(lambda e: isinstance(e, PositionsEvent))
            since = inbox.mark()
            await ex.drop_websockets()
            await inbox.wait_for(lambda e: isinstance(e, ConnectionEvent)
                                 and e.state is ConnectionState.DISCONNECTED, since)
            await inbox.wait_for(lambda e: isinstance(e, ConnectionEvent)
                                 and e.state is ConnectionState.CONNECTED, since)
            await marks.wait_for(lambda e: isinstance(e, ConnectionEvent)
                                 and e.state is ConnectionState.CONNECTED, 1)
            await until_subscribed(ex, topics)
            await until_subscribed(ex, ["markprices"])
            assert stream.is_connected and public.is_connected
            assert (inbox.connects(), marks.connects()) == (2, 2)
            since, marks_since = inbox.mark(), marks.mark()
            await client.adjust_position_margin(ETH, D(40), MarginAction.ADD)
            balance = await inbox.wait_for(lambda e: isinstance(e, BalanceEvent), since)
            assert balance.holdings[0].isolated_margin == D(290)
            ex.set_price(ETH, "2600")
            await marks.wait_for(lambda e: any(
                p.symbol == ETH and p.price == D(2600) for p in getattr(e, "prices", ())),
                marks_since)
