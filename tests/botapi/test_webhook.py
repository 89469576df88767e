"""The emulator's webhook side, like Telegram: setWebhook validates and switches delivery from
getUpdates (409 while set) to POSTs with the secret header, in order, retried until answered 200;
deleteWebhook stops it and keeps what is queued; allowed_updates filters both ways."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.botapi import BotApiEmulator
from bot.botapi.webhook import SECRET_HEADER


class Receiver:
    """A bot's webhook endpoint on loopback: records each request, answers `statuses` in turn
    (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.seen: list[tuple[dict[str, Any], str | None]] = []
        self.url = ""

    async def handle(self, request: Request) -> Response:
        self.seen.append((json.loads(await request.body()), request.headers.get(SECRET_HEADER)))
        return Response(status_code=self.statuses.pop(0) if self.statuses else 200)


@contextlib.asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[Receiver]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event)
        await asyncio.sleep(0.01)
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
        sock.close()


async def until(probe: Any, seconds: float = 5.0) -> Any:
    async with asyncio.timeout(seconds):
        while not (value := probe()):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return value


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator()
    yield emu
    await emu.aclose()


async def test_updates_are_posted_in_order_with_the_secret_until_accepted(
    emulator: BotApiEmulator,
) -> None:
    async with serving(Receiver(statuses=[500])) as bot:
        emulator.push_text(1, 1, "/first")
        status, body = await emulator.call("setWebhook", {"url": bot.url, "secret_token": "abc_1"})
        assert (status, body["result"]) == (200, True)
        emulator.push_text(1, 1, "/second")
        await until(lambda: len(bot.seen) >= 3)
        texts = [(u["message"]["text"], secret) for u, secret in bot.seen]
        assert texts == [("/first", "abc_1"), ("/first", "abc_1"), ("/second", "abc_1")]
        assert [d.status for d in emulator.webhook.deliveries] == [500, 200, 200]
        await until(lambda: emulator.pending_updates == [])
        status, body = await emulator.call("getWebhookInfo", {})
        assert body["result"]["url"] == bot.url and body["result"]["pending_update_count"] == 0


async def test_get_updates_conflicts_while_a_webhook_is_set_and_delete_keeps_the_queue(
    emulator: BotApiEmulator,
) -> None:
    async with serving(Receiver(statuses=[403] * 100)) as bot:  # a bot that refuses everything
        await emulator.call("setWebhook", {"url": bot.url})
        status, body = await emulator.call("getUpdates", {"timeout": 0})
        assert status == 409 and "webhook is active" in body["description"]
        emulator.push_text(1, 1, "/kept")
        await until(lambda: bot.seen)
        assert bot.seen[0][1] is None  # no secret set, no header
        await emulator.call("deleteWebhook", {})
        assert not emulator.webhook.active
        status, body = await emulator.call("getUpdates", {"timeout": 0})
        assert status == 200 and [u["message"]["text"] for u in body["result"]] == ["/kept"]


async def test_allowed_updates_filter_what_the_webhook_gets(emulator: BotApiEmulator) -> None:
    async with serving(Receiver()) as bot:
        await emulator.call("setWebhook", {"url": bot.url, "allowed_updates": ["callback_query"]})
        emulator.push_text(1, 1, "/dropped")
        emulator.push_raw({"callback_query": {"id": "7", "data": "x", "chat_instance": "1",
                                              "from": {"id": 1, "is_bot": False,
                                                       "first_name": "A"}}})  # fmt: skip
        await until(lambda: bot.seen)
        await asyncio.sleep(0.2)
        assert [set(u) - {"update_id"} for u, _ in bot.seen] == [{"callback_query"}]


@pytest.mark.parametrize(
    ("params", "error"),
    [({"url": "ftp://x/hook"}, "invalid URL"),
     ({"url": "https://x/hook", "secret_token": "has space"}, "unallowed characters"),
     ({"url": "https://x/hook", "secret_token": "x" * 257}, "unallowed characters")],
)
async def test_set_webhook_refuses_what_telegram_refuses(
    emulator: BotApiEmulator, params: dict[str, Any], error: str
) -> None:
    status, body = await emulator.call("setWebhook", params)
    assert status == 400 and error in body["description"]
    assert not emulator.webhook.active


async def test_a_forged_post_carries_whatever_header_it_is_given(emulator: BotApiEmulator) -> None:
    async with serving(Receiver()) as bot:
        emulator.webhook.url = bot.url  # pointed, not started: only explicit posts go out
        assert await emulator.webhook.post({"update_id": 1}, None) == 200
        assert await emulator.webhook.post({"update_id": 2}, "forged") == 200
        assert [s for _, s in bot.seen] == [None, "forged"]
