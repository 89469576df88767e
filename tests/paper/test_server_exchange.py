"""PaperExchange end to end on loopback: credentials, restarts, moving market, the CLI server."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from bot.orderly.jsoncodec import dumps, loads
from bot.paper.runner import PaperExchange, serve_forever
from bot.timing import Timings

ETH = "PERP_ETH_USDC"


async def signed(ex: PaperExchange, method: str, path: str, body: Any = None) -> Any:
    text = "" if body is None else dumps(body)
    headers = ex.credentials.signer().headers(int(time.time() * 1000), method, path, text)
    async with httpx.AsyncClient(base_url=ex.base_url) as http:
        response = await http.request(method, path, content=text, headers=headers)
    payload = loads(response.text)
    assert payload["success"] is True, response.text
    return payload.get("data")


async def test_state_and_credentials_survive_a_restart(tmp_path: Path) -> None:
    async with PaperExchange(tmp_path, simulate_market=False, start_balance=5000) as ex:
        first = ex.credentials
        await signed(ex, "POST", "/v1/order", {
            "symbol": ETH, "order_type": "MARKET", "side": "SELL",
            "order_quantity": Decimal("0.3"), "margin_mode": "ISOLATED"})
        await signed(ex, "POST", "/v1/position_margin",
                     {"symbol": ETH, "amount": "12.5", "type": "ADD"})
        before = await signed(ex, "GET", f"/v1/position/{ETH}?margin_mode=ISOLATED")
    async with PaperExchange(tmp_path, simulate_market=False, start_balance=9999) as again:
        assert again.credentials == first
        after = await signed(again, "GET", f"/v1/position/{ETH}?margin_mode=ISOLATED")
        assert after["position_qty"] == Decimal("-0.3")
        assert after["margin"] == before["margin"]
        holding = (await signed(again, "GET", "/v1/client/holding"))["holding"][0]
        assert holding["holding"] < 5000  # the first start balance, not the second


async def test_set_price_moves_marks_and_the_market_walks(tmp_path: Path) -> None:
    timings = Timings(paper_tick_interval=0.02)
    async with PaperExchange(None, seed=7, timings=timings) as ex:
        ex.set_price(ETH, "2000")
        assert ex.engine.mark(ETH) == Decimal("2000")
        async with connect(f"{ex.ws_public_url}/{ex.account_id}") as ws:
            await ws.send(dumps({"id": "1", "event": "subscribe", "topic": "markprices"}))
            seen = set()
            while len(seen) < 3:  # the tick loop keeps pushing new simulated marks
                frame = loads(await asyncio.wait_for(ws.recv(), 3))
                if frame.get("topic") == "markprices":
                    seen.add(next(r["price"] for r in frame["data"] if r["symbol"] == ETH))


async def test_serve_forever_prints_pasteable_lines_stable_across_restarts(tmp_path) -> None:
    async def first_lines() -> list[str]:
        out = io.StringIO()
        task = asyncio.create_task(serve_forever(0, tmp_path, 10_000, out=out))
        for _ in range(300):
            if out.getvalue().count("\n") >= 6:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return out.getvalue().splitlines()

    lines = await first_lines()
    names = [line.split("=", 1)[0] for line in lines]
    assert names[:3] == ["ORDERLY_ACCOUNT_ID", "ORDERLY_KEY", "ORDERLY_SECRET"]
    assert "ORDERLY_BASE_URL" in names
    assert lines[1].startswith("ORDERLY_KEY=ed25519:")
    assert (await first_lines())[:3] == lines[:3]
