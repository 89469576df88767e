"""OrderlyStream against a real websockets server on 127.0.0.1, scripted per test."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from bot.domain.models import MarginMode
from bot.orderly import signing
from bot.orderly.stream import (
    BalanceEvent,
    ConnectionEvent,
    ConnectionState,
    LiquidationEvent,
    MarkPricesEvent,
    OrderlyStream,
    PositionsEvent,
    StreamEvent,
)
from bot.timing import DEFAULT_TIMINGS, FakeClock

SECRET = "ed25519:DAbXSmm9AVLDFg7aeuCFbRUcb8m5WutRNt9GYHw5D9Qv"  # orderly-api.md §2.5
VECTOR4_SIGN = (
    "uVcFhz0pYueMeGO1uMrntrGyT96sRgldmI2MNnKilj8wT827AKwDsnMlWYuMihKBed8O89sGpf5rL69LsbD7BA=="
)
ACCOUNT = "0xe5f543091345a99506cd77a113baff8e8e4f5e88851ef3ee5a819d33d86a6064"
FAST = dataclasses.replace(
    DEFAULT_TIMINGS, ws_silence_timeout=2.0, ws_reconnect_base=0.05, ws_reconnect_max=0.2,
    ws_close_timeout=0.2,
)
WAIT = 3.0  # upper bound for anything a test waits on

ISO_POSITION = {
    "symbol": "PERP_ETH_USDC", "positionQty": 1.5, "costPosition": 3750.1,
    "lastSumUnitaryFunding": 12.34, "pendingLongQty": 0, "pendingShortQty": 0,
    "settlePrice": 2500.066667, "averageOpenPrice": 2500.07, "unsettledPnl": -12.5,
    "markPrice": 2491.7, "estLiqPrice": 2262.58, "imr": 0.1, "mmr": 0.006,
    "leverage": 10, "marginMode": "ISOLATED", "margin": 377.35, "timestamp": 1700000000123,
}


class Server:
    """Records every connection and message; `script(ws, server)` plays the server's part."""

    def __init__(self, script: Callable[[ServerConnection, Server], Awaitable[None]]) -> None:
        self.script = script
        self.paths: list[str] = []
        self.received: list[dict[str, Any]] = []
        self.connected_at: list[float] = []

    async def handler(self, ws: ServerConnection) -> None:
        self.paths.append(ws.request.path if ws.request else "")
        self.connected_at.append(asyncio.get_running_loop().time())
        with contextlib.suppress(Exception):
            await self.script(ws, self)

    async def recv(self, ws: ServerConnection) -> dict[str, Any]:
        msg = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        self.received.append(msg)
        return msg

    def events(self, name: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("event") == name]


@contextlib.asynccontextmanager
async def running(server: Server, path: str, **kwargs: Any) -> AsyncIterator[tuple[
    OrderlyStream, asyncio.Queue[StreamEvent]
]]:
    """Serve on an ephemeral loopback port and run a stream against it; always cleans up."""
    queue: asyncio.Queue[StreamEvent] = asyncio.Queue()

    async def on_message(event: StreamEvent) -> None:
        queue.put_nowait(event)

    async with serve(server.handler, "127.0.0.1", 0, ping_interval=None) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        kwargs.setdefault("timings", FAST)
        kwargs.setdefault("rng", random.Random(7))
        stream = OrderlyStream(f"ws://127.0.0.1:{port}{path}", on_message=on_message, **kwargs)
        task = asyncio.create_task(stream.run())
        try:
            yield stream, queue
        finally:
            await stream.stop()
            await asyncio.wait_for(task, WAIT)


async def next_event(queue: asyncio.Queue[StreamEvent], kind: type) -> Any:
    """The next event of `kind`, skipping others; fails instead of hanging."""
    async def find() -> Any:
        while True:
            event = await queue.get()
            if isinstance(event, kind):
                return event
    return await asyncio.wait_for(find(), WAIT)


async def answer_auth(ws: ServerConnection, server: Server) -> dict[str, Any]:
    """Check the auth event the way Orderly does and accept it."""
    auth = await server.recv(ws)
    params = auth["params"]
    ok = signing.verify(params["orderly_key"], str(params["timestamp"]).encode(), params["sign"])
    await ws.send(json.dumps({"id": auth["id"], "event": "auth", "success": ok, "ts": 1}))
    return auth


async def read_subscribes(ws: ServerConnection, server: Server, n: int) -> None:
    for _ in range(n):
        msg = await server.recv(ws)
        await ws.send(json.dumps({"id": msg["id"], "event": "subscribe", "success": True}))


def signer() -> signing.Signer:
    return signing.Signer(ACCOUNT, "", SECRET)


async def test_private_auth_is_the_signed_timestamp_then_subscribes() -> None:
    done = asyncio.Event()

    async def script(ws: ServerConnection, server: Server) -> None:
        await answer_auth(ws, server)
        await read_subscribes(ws, server, 2)
        done.set()
        await ws.wait_closed()

    server = Server(script)
    clock = FakeClock(start=1_700_000_000.0)
    async with running(server, f"/v2/ws/private/stream/{ACCOUNT}", signer=signer(),
                       topics=["position", "balance"], clock=clock) as (stream, queue):
        await asyncio.wait_for(done.wait(), WAIT)
        event = await next_event(queue, ConnectionEvent)
        assert event.state is ConnectionState.CONNECTED and stream.is_connected
    assert server.paths == [f"/v2/ws/private/stream/{ACCOUNT}"]
    auth, *subs = server.received
    assert auth == {"id": "auth", "event": "auth", "params": {
        "orderly_key": "ed25519:FsSarm1hyETr23BSuGJw5CPoVFtVfwQjRzJnVHxFgLHK",
        "sign": VECTOR4_SIGN, "timestamp": 1700000000000}}
    assert [(m["event"], m["topic"]) for m in subs] == [
        ("subscribe", "position"), ("subscribe", "balance")]
    assert not stream.is_connected


async def test_public_mark_prices_become_decimal_marks_and_garbage_is_skipped() -> None:
    async def script(ws: ServerConnection, server: Server) -> None:
        await read_subscribes(ws, server, 2)
        for frame in ("not json", "[1, 2]", '{"topic":"markprices","data":[{"price":1}]}'):
            await ws.send(frame)
        await ws.send('{"topic":"markprices","ts":1700000000001,"data":['
                      '{"symbol":"PERP_ETH_USDC","price":2491.70},'
                      '{"symbol":"PERP_BTC_USDC","price":0.1}]}')
        await ws.send('{"topic":"PERP_SOL_USDC@markprice","ts":1700000000002,'
                      '"data":{"symbol":"PERP_SOL_USDC","price":150.123456789}}')
        await ws.wait_closed()

    server = Server(script)
    async with running(server, "/ws/stream/x", topics=["markprices", "PERP_SOL_USDC@markprice"]
                       ) as (stream, queue):
        every = await next_event(queue, MarkPricesEvent)
        one = await next_event(queue, MarkPricesEvent)
        assert stream.last_message_at is not None
    assert server.events("auth") == []  # public stream: no auth
    assert [(m.symbol, m.price, m.ts) for m in every.prices] == [
        ("PERP_ETH_USDC", Decimal("2491.70"), 1700000000001),
        ("PERP_BTC_USDC", Decimal("0.1"), 1700000000001)]
    assert one.prices[0].price == Decimal("150.123456789")
    assert all(type(m.price) is Decimal for m in every.prices + one.prices)


async def test_private_pushes_become_domain_objects() -> None:
    async def script(ws: ServerConnection, server: Server) -> None:
        await answer_auth(ws, server)
        await read_subscribes(ws, server, 3)
        await ws.send(json.dumps({"topic": "position", "ts": 5, "data": {"positions": [
            {"symbol": "PERP_ETH_USDC", "positionQty": 2}]}}))  # sparse row is tolerated
        await ws.send('{"topic":"position","ts":6,"data":{"positions":[' + json.dumps(
            ISO_POSITION) + ',{"symbol":"PERP_BTC_USDC","positionQty":-0.01,"estLiqPrice":0,'
            '"marginMode":"CROSS","leverage":20}]}}')
        await ws.send('{"topic":"balance","ts":7,"data":{"balances":{"USDC":{"holding":1000.5,'
                      '"frozen":0,"isolatedMargin":377.35,"isolatedOrderFrozen":12.01}}}}')
        await ws.send('{"topic":"liquidationsaccount","ts":8,"data":[{"liquidationId":42,'
                      '"timestamp":1700000000999,"transferAmountToInsuranceFund":0,'
                      '"positionsByPerp":[{"symbol":"PERP_ETH_USDC","positionQty":1.5,'
                      '"transferPrice":2262.58,"marginMode":"ISOLATED"}]}]}')
        await ws.wait_closed()

    server = Server(script)
    async with running(server, f"/v2/ws/private/stream/{ACCOUNT}", signer=signer(),
                       topics=["position", "balance", "liquidationsaccount"]) as (_, queue):
        sparse = await next_event(queue, PositionsEvent)
        full = await next_event(queue, PositionsEvent)
        balance = await next_event(queue, BalanceEvent)
        liq = await next_event(queue, LiquidationEvent)
    assert sparse.positions[0].position_qty == 2 and sparse.positions[0].est_liq_price is None
    eth, btc = full.positions
    assert eth.key == ("PERP_ETH_USDC", MarginMode.ISOLATED)
    assert (eth.position_qty, eth.cost_position, eth.margin, eth.est_liq_price, eth.leverage) == (
        Decimal("1.5"), Decimal("3750.1"), Decimal("377.35"), Decimal("2262.58"), 10)
    assert eth.last_sum_unitary_funding == Decimal("12.34") and eth.mmr == Decimal("0.006")
    assert type(eth.mark_price) is Decimal and eth.timestamp == 1700000000123
    assert btc.margin_mode is MarginMode.CROSS and btc.est_liq_price is None
    (usdc,) = balance.holdings
    assert (usdc.token, usdc.holding, usdc.isolated_margin, usdc.isolated_order_frozen) == (
        "USDC", Decimal("1000.5"), Decimal("377.35"), Decimal("12.01"))
    (gone,) = liq.liquidations
    assert (gone.liquidation_id, gone.symbol, gone.margin_mode, gone.transfer_price) == (
        42, "PERP_ETH_USDC", MarginMode.ISOLATED, Decimal("2262.58"))


async def test_server_ping_is_answered_and_client_pings_on_schedule() -> None:
    got: dict[str, dict[str, Any]] = {}
    both = asyncio.Event()

    async def script(ws: ServerConnection, server: Server) -> None:
        await read_subscribes(ws, server, 1)
        await ws.send('{"event":"ping"}')
        while len(got) < 2:  # the pong to our ping, and the client's own ping
            msg = await server.recv(ws)
            got[msg["event"]] = msg
            if msg["event"] == "ping":
                await ws.send('{"event":"pong","ts":1}')
        both.set()
        await ws.wait_closed()

    server = Server(script)
    timings = dataclasses.replace(FAST, ws_ping_interval=0.1)
    async with running(server, "/ws/stream/x", topics=["markprices"], timings=timings):
        await asyncio.wait_for(both.wait(), WAIT)
    assert set(got) == {"pong", "ping"}
    assert isinstance(got["pong"]["ts"], int) and isinstance(got["ping"]["ts"], int)


async def test_dropped_connection_reconnects_and_resubscribes_everything() -> None:
    async def script(ws: ServerConnection, server: Server) -> None:
        await answer_auth(ws, server)
        await read_subscribes(ws, server, 2)
        if len(server.paths) == 1:
            await ws.close()  # the first session is cut right after subscribing
        else:
            await ws.wait_closed()

    server = Server(script)
    async with running(server, f"/v2/ws/private/stream/{ACCOUNT}", signer=signer(),
                       topics=["position", "executionreport"]) as (stream, queue):
        states = [(await next_event(queue, ConnectionEvent)).state for _ in range(3)]
        assert stream.is_connected
    assert states == [ConnectionState.CONNECTED, ConnectionState.DISCONNECTED,
                      ConnectionState.CONNECTED]
    assert [m["event"] for m in server.received] == ["auth", "subscribe", "subscribe"] * 2
    assert [m.get("topic") for m in server.events("subscribe")] == [
        "position", "executionreport"] * 2


async def test_silent_server_is_detected_and_redialled() -> None:
    async def script(ws: ServerConnection, server: Server) -> None:
        await read_subscribes(ws, server, 1)
        await ws.wait_closed()  # and then say nothing at all

    server = Server(script)
    timings = dataclasses.replace(FAST, ws_silence_timeout=0.3, ws_ping_interval=10.0)
    async with running(server, "/ws/stream/x", topics=["markprices"], timings=timings
                       ) as (stream, queue):
        assert (await next_event(queue, ConnectionEvent)).state is ConnectionState.CONNECTED
        lost = await next_event(queue, ConnectionEvent)
        assert lost.state is ConnectionState.DISCONNECTED and "nothing received" in lost.detail
        assert not stream.is_connected and stream.last_message_at is not None
        assert (await next_event(queue, ConnectionEvent)).state is ConnectionState.CONNECTED
    assert len(server.paths) >= 2
    assert server.connected_at[1] - server.connected_at[0] >= 0.3  # waited the whole silence


async def test_auth_failure_is_reported_and_backs_off() -> None:
    async def script(ws: ServerConnection, server: Server) -> None:
        auth = await server.recv(ws)
        await ws.send(json.dumps({"id": auth["id"], "event": "auth", "success": False,
                                  "ts": 1, "errorMsg": "auth failed"}))
        await ws.close()

    server = Server(script)
    async with running(server, f"/v2/ws/private/stream/{ACCOUNT}", signer=signer(),
                       topics=["position"]) as (stream, queue):
        for _ in range(4):
            failed = await next_event(queue, ConnectionEvent)
            assert failed.state is ConnectionState.AUTH_FAILED and failed.detail == "auth failed"
        assert not stream.is_connected
    assert server.events("subscribe") == []  # never subscribes without auth
    gaps = [b - a for a, b in zip(server.connected_at, server.connected_at[1:], strict=False)]
    # equal jitter: attempt n waits at least half of min(max, base·2^n)
    floors = [0.5 * min(0.2, 0.05 * 2**n) for n in range(len(gaps))]
    assert len(gaps) >= 3 and all(g >= f * 0.9 for g, f in zip(gaps, floors, strict=True))


async def test_handler_errors_do_not_kill_the_stream_and_stop_ends_run() -> None:
    async def script(ws: ServerConnection, server: Server) -> None:
        await read_subscribes(ws, server, 1)
        for price in (1, 2):
            await ws.send(json.dumps({"topic": "markprices", "ts": price,
                                      "data": [{"symbol": "PERP_A_USDC", "price": price}]}))
        await ws.wait_closed()

    server = Server(script)
    seen: list[Decimal] = []
    second = asyncio.Event()

    async def flaky(event: StreamEvent) -> None:
        if isinstance(event, MarkPricesEvent):
            seen.append(event.prices[0].price)
            if len(seen) == 1:
                raise RuntimeError("handler bug")
            second.set()

    async with serve(server.handler, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        stream = OrderlyStream(f"ws://127.0.0.1:{port}/ws/stream/x", topics=["markprices"],
                               on_message=flaky, timings=FAST, rng=random.Random(1))
        task = asyncio.create_task(stream.run())
        await asyncio.wait_for(second.wait(), WAIT)
        await stream.stop()
        await asyncio.wait_for(task, WAIT)  # run() returns instead of reconnecting
    assert seen == [1, 2] and len(server.paths) == 1 and not stream.is_connected


async def test_cancelling_run_closes_the_connection() -> None:
    closed = asyncio.Event()

    async def script(ws: ServerConnection, server: Server) -> None:
        await read_subscribes(ws, server, 1)
        await ws.wait_closed()
        closed.set()

    server = Server(script)
    async with serve(server.handler, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        up = asyncio.Event()

        async def record(event: StreamEvent) -> None:
            if isinstance(event, ConnectionEvent) and event.state is ConnectionState.CONNECTED:
                up.set()

        stream = OrderlyStream(f"ws://127.0.0.1:{port}/ws/stream/x", topics=["markprices"],
                               on_message=record, timings=FAST)
        task = asyncio.create_task(stream.run())
        await asyncio.wait_for(up.wait(), WAIT)
        assert stream.is_connected
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(closed.wait(), WAIT)
    assert not stream.is_connected
