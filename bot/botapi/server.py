"""The emulator served over HTTP on loopback, for a bot in another process or a container:

    async with serve_emulator(emulator) as base_url:   # http://127.0.0.1:PORT/bot
        ...  # TELEGRAM_API_BASE_URL=base_url for `margin-desk run`; drive `emulator` from here

Requests are answered exactly as the in-process transport answers them (bot/botapi/transport.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.botapi.emulator import BotApiEmulator
from bot.botapi.transport import emulator_transport


class _QuietServer(uvicorn.Server):
    """uvicorn that leaves signal handling to the host program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def emulator_app(emulator: BotApiEmulator) -> Starlette:
    """A starlette app answering /bot<token>/<method> from emulator."""
    transport = emulator_transport(emulator)

    async def call(request: Request) -> Response:
        forwarded = httpx.Request(request.method, str(request.url), headers=request.headers.raw,
                                  content=await request.body())  # fmt: skip
        try:
            answer = await transport.handle_async_request(forwarded)
        except httpx.TimeoutException:  # a simulated timeout: the answer never comes in time
            await asyncio.sleep(30)
            return Response(status_code=504)
        return Response(await answer.aread(), answer.status_code,
                        media_type="application/json")  # fmt: skip

    return Starlette(routes=[Route("/{path:path}", call, methods=["GET", "POST"])])


@contextlib.asynccontextmanager
async def serve_emulator(
    emulator: BotApiEmulator, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve emulator on host:port (0: any free port); yields the Bot API base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(emulator_app(emulator), log_level="warning", access_log=False,
                            lifespan="off", timeout_graceful_shutdown=1)  # fmt: skip
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="botapi-server")
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://{host}:{bound}/bot"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
        await emulator.aclose()
