"""The emulator over real HTTP on loopback, for runs of the bot as a separate process.

    async with ServedBotApi(BotApiEmulator(), refuse_token=True) as api:
        env["TELEGRAM_API_BASE_URL"] = api.base_url     # http://127.0.0.1:PORT/bot

Every request goes through the same transport the in-process tests use (bot/botapi/transport.py).
With `refuse_token`, every call is answered as Telegram answers a revoked or mistyped token:
HTTP 401 {"ok": false, "error_code": 401, "description": "Unauthorized"}.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.botapi.emulator import BotApiEmulator
from bot.botapi.transport import emulator_transport

UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


class _Server(uvicorn.Server):
    """uvicorn that leaves signal handling to the host program (as the paper exchange's)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ServedBotApi:
    """An async context manager serving one emulator on 127.0.0.1 (a free port)."""

    def __init__(self, emulator: BotApiEmulator, *, refuse_token: bool = False) -> None:
        self.emulator = emulator
        self.refuse_token = refuse_token
        self.port = 0
        self._transport = emulator_transport(emulator)
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL should be (PTB appends the token and the method)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: Request) -> Response:
        if self.refuse_token:
            return JSONResponse(UNAUTHORIZED, status_code=401)
        forwarded = httpx.Request(
            request.method, str(request.url), headers=request.headers.raw,
            content=await request.body(),
        )  # fmt: skip
        try:
            answer = await self._transport.handle_async_request(forwarded)
        except httpx.TimeoutException:  # a simulated timeout: answer nothing useful
            return Response(status_code=504)
        await answer.aread()
        return Response(answer.content, answer.status_code, media_type="application/json")

    async def __aenter__(self) -> ServedBotApi:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)  # a pending long poll: drop it
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                sock.close()
                self._task.result()
                raise RuntimeError("the Bot API emulator stopped before it started")
            await asyncio.sleep(0.005)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
