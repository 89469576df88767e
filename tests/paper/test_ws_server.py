"""The paper exchange's WebSocket streams on a real uvicorn server (loopback only)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bot.orderly.jsoncodec import dumps, loads
from bot.paper.runner import PaperExchange
from bot.timing import Timings

ETH = "PERP_ETH_USDC"


@pytest.fixture
async def exchange():
    timings = Timings(paper_ws_ping_interval=0.2)
    async with PaperExchange(simulate_market=False, seed=1, timings=timings) as ex:
        yield ex


async def recv(ws: ClientConnection, wanted: str | None = None) -> dict[str, Any]:
    """The next frame (skipping server pings), or the next one for topic/event `wanted`."""
    while True:
        frame = loads(await asyncio.wait_for(ws.recv(), 3))
        if frame.get("event") == "ping" and wanted != "ping":
            continue
        if wanted is None or wanted in (frame.get("topic"), frame.get("event")):
            return frame


async def send(ws: ClientConnection, **message: Any) -> None:
    await ws.send(dumps(message))


async def private(ex: PaperExchange) -> ClientConnection:
    ws = await connect(f"{ex.ws_private_url}/{ex.account_id}", ping_interval=None)
    ts = int(time.time() * 1000)
    await send(ws, id="a1", event="auth", params=ex.credentials.signer().ws_auth(ts))
    ack = await recv(ws, "auth")
    assert ack == {"id": "a1", "event": "auth", "success": True, "ts": ack["ts"]}
    return ws


async def order(ex: PaperExchange, body: dict[str, Any]) -> dict[str, Any]:
    text = dumps(body)
    headers = ex.credentials.signer().headers(int(time.time() * 1000), "POST", "/v1/order", text)
    async with httpx.AsyncClient(base_url=ex.base_url) as http:
        response = await http.post("/v1/order", content=text, headers=headers)
    assert response.status_code == 200, response.text
    return loads(response.text)["data"]


async def test_markprices_are_pushed_on_every_tick(exchange: PaperExchange) -> None:
    async with connect(f"{exchange.ws_public_url}/{exchange.account_id}") as ws:
        await send(ws, id="s1", event="subscribe", topic="markprices")
        assert (await recv(ws))["success"] is True
        await send(ws, id="s2", event="subscribe", topic=f"{ETH}@markprice")
        assert (await recv(ws))["id"] == "s2"
        prices = exchange.tick(1.0)
        push = await recv(ws, "markprices")
        assert {row["symbol"]: row["price"] for row in push["data"]} == prices
        assert isinstance(push["ts"], int)
        single = await recv(ws, f"{ETH}@markprice")
        assert single["data"] == {"symbol": ETH, "price": prices[ETH]}
        exchange.set_price(ETH, Decimal("2600"))
        assert (await recv(ws, f"{ETH}@markprice"))["data"]["price"] == Decimal("2600")


async def test_public_stream_rejects_unknown_topics_and_symbols(exchange: PaperExchange) -> None:
    async with connect(f"{exchange.ws_public_url}/anything") as ws:
        await send(ws, id="x", event="subscribe", topic="orderbook")
        error = await recv(ws)
        assert error["success"] is False and error["errorMsg"] == "invalid topic orderbook"
        assert set(error) == {"id", "event", "success", "ts", "errorMsg"}
        await send(ws, id="y", event="subscribe", topic="PERP_NOPE_USDC@markprice")
        assert (await recv(ws))["errorMsg"] == "invalid symbol PERP_NOPE_USDC"
        await ws.send("not json")
        assert (await recv(ws))["success"] is False


EXECUTION_FIELDS = {
    "symbol", "clientOrderId", "orderId", "type", "side", "quantity", "price", "tradeId",
    "executedPrice", "executedQuantity", "fee", "feeAsset", "totalExecutedQuantity",
    "avgExecutedPrice", "status", "reason", "totalFee", "visibleQuantity", "timestamp",
    "marginMode", "maker", "match_id", "seq",
}


async def test_private_stream_pushes_camel_case_position_and_execution(exchange) -> None:
    ws = await private(exchange)
    for topic in ("position", "executionreport", "balance"):
        await send(ws, id=topic, event="subscribe", topic=topic)
        assert (await recv(ws, "subscribe"))["success"] is True
    ack = await order(exchange, {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
                                 "order_quantity": Decimal("0.2"), "margin_mode": "ISOLATED"})
    report = await recv(ws, "executionreport")
    assert report["data"]["orderId"] == ack["order_id"]
    assert report["data"]["marginMode"] == "ISOLATED"
    assert set(report["data"]) == EXECUTION_FIELDS  # Orderly's names exactly (orderly-api §5)
    push = await recv(ws, "position")
    [pos] = push["data"]["positions"]
    assert (pos["symbol"], pos["positionQty"], pos["marginMode"]) == (ETH, Decimal("0.2"),
                                                                      "ISOLATED")
    assert pos["margin"] > 0 and pos["estLiqPrice"] > 0
    balance = await recv(ws, "balance")
    assert balance["data"]["balances"]["USDC"]["isolatedMargin"] == pos["margin"]
    await ws.close()


async def test_private_stream_needs_auth_and_refuses_a_bad_one(exchange) -> None:
    url = f"{exchange.ws_private_url}/{exchange.account_id}"
    async with connect(url) as ws:
        await send(ws, id="early", event="subscribe", topic="position")
        assert (await recv(ws))["success"] is False
        bad = exchange.credentials.signer().ws_auth(int(time.time() * 1000))
        bad["timestamp"] += 1  # the signature no longer matches
        await send(ws, id="a", event="auth", params=bad)
        refusal = await recv(ws)
        assert (refusal["event"], refusal["success"], refusal["errorMsg"]) == (
            "auth", False, "auth failed")
        with pytest.raises(ConnectionClosed):
            await recv(ws)
    async with connect(url) as ws:
        await send(ws, id="s", event="subscribe", topic="nonsense")
        assert (await recv(ws))["success"] is False


async def test_query_string_auth_and_pings(exchange: PaperExchange) -> None:
    params = exchange.credentials.signer().ws_auth(int(time.time() * 1000))
    query = "&".join(f"{k}={v}" for k, v in params.items())
    url = f"{exchange.ws_private_url}/{exchange.account_id}?{query}"
    async with connect(url) as ws:
        assert (await recv(ws, "auth"))["success"] is True
        assert (await recv(ws, "ping"))["event"] == "ping"
        await send(ws, event="pong")
        await send(ws, event="ping")
        assert (await recv(ws, "pong"))["event"] == "pong"
        await send(ws, id="u", event="subscribe", topic="liquidationsaccount")
        assert (await recv(ws, "subscribe"))["success"] is True


async def test_drop_websockets_closes_every_socket(exchange: PaperExchange) -> None:
    public = await connect(f"{exchange.ws_public_url}/{exchange.account_id}")
    ws = await private(exchange)
    await exchange.drop_websockets()
    for sock in (public, ws):
        with pytest.raises(ConnectionClosed):
            await recv(sock)
    assert exchange.hub.connections == 0
    again = await private(exchange)  # and clients can come straight back
    await again.close()


async def test_isolated_liquidation_is_pushed(exchange: PaperExchange) -> None:
    ws = await private(exchange)
    for topic in ("position", "liquidationsaccount"):
        await send(ws, id=topic, event="subscribe", topic=topic)
        assert (await recv(ws, "subscribe"))["success"] is True
    await order(exchange, {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
                           "order_quantity": Decimal("0.2"), "margin_mode": "ISOLATED"})
    liq_price = (await recv(ws, "position"))["data"]["positions"][0]["estLiqPrice"]
    exchange.set_price(ETH, liq_price * Decimal("0.95"))
    [liq] = (await recv(ws, "liquidationsaccount"))["data"]
    [taken] = liq["positionsByPerp"]
    assert (taken["symbol"], taken["marginMode"]) == (ETH, "ISOLATED")
    assert taken["positionQty"] == Decimal("0.2")
    assert liq["transferAmountToInsuranceFund"] > 0
    await ws.close()


async def test_too_deep_or_too_big_messages_are_refused_without_a_traceback(
    exchange: PaperExchange, caplog: pytest.LogCaptureFixture
) -> None:
    async with connect(f"{exchange.ws_public_url}/{exchange.account_id}") as ws:
        await ws.send('{"event": "subscribe", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
        error = await recv(ws)
        assert error["success"] is False and "expected a JSON object" in error["errorMsg"]
        await send(ws, id="still", event="subscribe", topic="PERP_ETH_USDC@markprice")
        assert (await recv(ws))["success"] is True  # the socket lives on
    assert "Traceback" not in caplog.text and "failed" not in caplog.text
    async with connect(f"{exchange.ws_public_url}/{exchange.account_id}",
                       max_size=None) as ws:  # fmt: skip
        await ws.send("x" * (2 << 20))  # over 1 MiB: the server closes with 1009
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
