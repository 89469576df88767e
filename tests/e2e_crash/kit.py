"""Crash-test kit: the real `margin-desk run` as a subprocess, killed with SIGKILL mid-press.

Around it, in the test's process so they outlive the bot: the Bot API emulator served over
HTTP on loopback (bot/botapi/server.py), and the paper exchange on loopback behind `Wire`, an
ASGI wrapper that records every request and can hold one write before it runs (in flight) or
after it ran, before its answer (applied).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.runtime.checkpoints import MARKER

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Key = tuple[str, str]  # (METHOD, path)


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


class Wire:
    """Wraps the paper exchange's ASGI app; see the module docstring."""

    def __init__(self, app: Any) -> None:  # any ASGI app (Starlette's types are wider)
        self.app: App = app
        self.seen: list[Key] = []
        self._before: dict[Key, asyncio.Event] = {}
        self._answer: dict[Key, asyncio.Event] = {}
        self.arrived = asyncio.Event()  # the held write reached the exchange (body read)
        self.applied = asyncio.Event()  # the held write ran; its answer is held

    def count(self, method: str, path: str) -> int:
        return self.seen.count((method, path))

    def hold_before(self, key: Key) -> asyncio.Event:
        """The next `key` request waits (body read) until the returned event is set."""
        self._before[key] = gate = asyncio.Event()
        return gate

    def hold_answer(self, key: Key) -> asyncio.Event:
        """The next `key` request runs, then its answer waits until the event is set."""
        self._answer[key] = gate = asyncio.Event()
        return gate

    def release(self) -> None:
        for gate in [*self._before.values(), *self._answer.values()]:
            gate.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = (scope["method"], scope["path"])
        self.seen.append(key)
        before, answer = self._before.pop(key, None), self._answer.pop(key, None)
        if before is not None:
            body = await _body(receive)
            self.arrived.set()
            await before.wait()  # the sender may be dead by now: the request still runs
            receive = _replay(body, receive)
        if answer is None:
            await self.app(scope, receive, send)
            return
        held: list[dict[str, Any]] = []

        async def keep(message: dict[str, Any]) -> None:
            held.append(message)

        await self.app(scope, receive, keep)
        self.applied.set()
        await answer.wait()
        with contextlib.suppress(Exception):  # the client may be gone
            for message in held:
                await send(message)


class BotProcess:
    """`python -m bot run` with the given environment; stderr is collected line by line."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self._env, self._cwd = env, cwd
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._paused = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> BotProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=self._env, cwd=self._cwd,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if line.startswith(MARKER):
                self._paused.set()

    async def paused(self, timeout: float) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            await self._paused.wait()

    async def kill(self) -> None:
        """SIGKILL: no clean-up, no flush, exactly like a crash."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        await self._reap()

    async def stop(self) -> int | None:
        """SIGTERM and wait (then SIGKILL); returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(10):
                    await self.proc.wait()
            except TimeoutError:
                await self.kill()
        await self._reap()
        return self.proc.returncode

    async def _reap(self) -> None:
        assert self.proc is not None
        await self.proc.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
