"""The Bot API emulator served over loopback HTTP, for a bot running in another process.

    async with served(emulator) as base_url:       # http://127.0.0.1:PORT/bot
        proc = await start_bot(tmp, db, base_url)
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bot.botapi import BotApiEmulator
from bot.botapi.transport import emulator_transport

TOKEN = "4242:process-test-token"
ALICE = 1001


@asynccontextmanager
async def served(emulator: BotApiEmulator) -> AsyncIterator[str]:
    """Serve emulator on 127.0.0.1 (a free port); yields the TELEGRAM_API_BASE_URL to use."""
    transport = emulator_transport(emulator)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope["query_string"].decode()
        url = f"http://127.0.0.1{scope['path']}" + (f"?{query}" if query else "")
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
        answer = await transport.handle_async_request(
            httpx.Request(scope["method"], url, headers=headers, content=body))
        content = await answer.aread()
        await send({"type": "http.response.start", "status": answer.status_code,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": content})

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:  # uvicorn offers no event for this  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        server.should_exit = True
        await task


def bot_env(tmp: Path, db: Path, base_url: str = "http://127.0.0.1:9/bot") -> dict[str, str]:
    """The environment of a `margin-desk` process on the embedded paper exchange."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return keep | {
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url,
        "BOT_ALLOWED_USER_IDS": str(ALICE), "BOT_DB_PATH": str(db), "ORDERLY_NETWORK": "paper",
        "ORDERLY_WS_PUBLIC_URL": "off", "ORDERLY_WS_PRIVATE_URL": "off", "LOG_LEVEL": "WARNING",
    }  # fmt: skip


async def margin_desk(tmp: Path, env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    """Start `margin-desk ARGS` (this interpreter, cwd tmp so no .env is read)."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=tmp, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
