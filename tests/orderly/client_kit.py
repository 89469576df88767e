"""A fake Orderly REST endpoint for client tests: it verifies signatures and scripts answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from bot.orderly import jsoncodec
from bot.orderly.signing import message, verify
from bot.timing import FakeClock, now_ms

SECRET = "ed25519:DAbXSmm9AVLDFg7aeuCFbRUcb8m5WutRNt9GYHw5D9Qv"
KEY = "ed25519:FsSarm1hyETr23BSuGJw5CPoVFtVfwQjRzJnVHxFgLHK"
ACCOUNT = "0xe5f543091345a99506cd77a113baff8e8e4f5e88851ef3ee5a819d33d86a6064"
ETH = "PERP_ETH_USDC"
Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeExchange:
    """Records requests, checks signatures, and replies from a script (last reply repeats)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.seen_at: list[float] = []
        self.replies: list[Reply] = []
        self.skew_ms = 0

    def ok(self, data: Any = None) -> httpx.Response:
        payload: dict[str, Any] = {"success": True}
        if data is not None:
            payload["data"] = data
        payload["timestamp"] = now_ms(self.clock) + self.skew_ms
        return httpx.Response(200, content=jsoncodec.dumps(payload))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.seen_at.append(self.clock.monotonic())
        if "orderly-signature" in request.headers:
            signed = message(
                int(request.headers["orderly-timestamp"]), request.method,
                request.url.raw_path.decode(), request.content.decode(),
            )
            signature = request.headers["orderly-signature"]
            assert verify(request.headers["orderly-key"], signed, signature), "bad signature"
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, httpx.Response) else reply(request)

    def body(self, index: int = -1) -> str:
        return self.requests[index].content.decode()

    def path(self, index: int = -1) -> str:
        return self.requests[index].url.raw_path.decode()


def error(code: object, message: str, status: int = 400) -> httpx.Response:
    body = jsoncodec.dumps({"success": False, "code": code, "message": message})
    return httpx.Response(status, content=body)


class FakeSleep:
    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.calls = clock, []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)


ACK = {"order_id": 13, "client_order_id": "bot-1", "order_type": "LIMIT", "order_price": 2000,
       "order_quantity": Decimal("0.01"), "error_message": "none"}
POSITION = {"symbol": ETH, "position_qty": Decimal("0.5"), "cost_position": 1250,
            "average_open_price": 2500, "mark_price": 2450, "est_liq_price": Decimal("2262.58"),
            "leverage": 10, "margin_mode": "ISOLATED", "margin": Decimal("125.75")}
