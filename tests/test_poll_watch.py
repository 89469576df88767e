"""PollWatch: health counts long polling as up only while getUpdates gets answers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest

from bot.runtime.poll_watch import PollWatch
from tests.e2e.harness import Desk


class Scripted(BaseRequest):
    """Answers each request with the next status; `hang` makes one wait until released."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.release = asyncio.Event()

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status = self.statuses.pop(0)
        if status == 0:
            await self.release.wait()
            status = 200
        return status, b'{"ok": true, "result": []}'


async def test_a_200_counts_an_error_does_not() -> None:
    watch = PollWatch(Scripted(502, 200, 502))
    assert not watch.polling_within(60) and watch.read_timeout == 5.0
    await watch.do_request("u", "POST")
    assert not watch.polling_within(60)  # a 502 is not an answer from Telegram
    await watch.do_request("u", "POST")
    assert watch.polling_within(60) and not watch.polling_within(0)
    before = watch.last_ok
    await watch.do_request("u", "POST")
    assert watch.last_ok == before


async def test_a_long_poll_in_flight_counts_from_its_start() -> None:
    inner = Scripted(0)
    watch = PollWatch(inner)
    task = asyncio.create_task(watch.do_request("u", "POST"))
    await asyncio.sleep(0.01)
    assert watch.polling_within(60) and watch.last_ok is None
    inner.release.set()
    await task
    assert watch.last_ok is not None


async def test_the_running_bot_reports_receiving_while_it_polls(tmp_path: Path) -> None:
    async with Desk.open(tmp_path) as desk:
        runtime = desk.runtime
        assert runtime is not None
        await desk.say("/start")
        assert runtime.receiving
        await desk.stop()
        assert not runtime.receiving
