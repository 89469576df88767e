"""`margin-desk run` in webhook mode, a real subprocess: the Bot API emulator (served on loopback)
gets setWebhook with the secret and the handled update types, POSTs updates to the bot's server
with the secret header (→ replies), and a request without the secret or with a forged one is
refused with 403 and changes nothing. SIGTERM stops it cleanly and deletes the webhook."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.botapi import BotApiEmulator
from bot.botapi.messages import chat_dict, text_message, user_dict
from bot.botapi.server import serve_emulator
from bot.handlers.register import ALLOWED_UPDATES
from bot.runtime.heartbeat import heartbeat_path
from tests.test_config import ENV

TOKEN = "4242:webhook-e2e-token-never-printed"
SECRET = "s3cr3t-webhook-token_never-printed"
ALICE = 1001
WAIT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp: Path, base_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/tg/hook",
        "TELEGRAM_WEBHOOK_PORT": str(port), "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "BOT_ALLOWED_USER_IDS": str(ALICE), "BOT_DB_PATH": str(tmp / "data" / "bot.db"),
        "ORDERLY_NETWORK": "paper", "LOG_LEVEL": "DEBUG",
    })  # fmt: skip
    return env


async def _until(probe: Callable[[], Any], what: str, seconds: float = WAIT) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := probe()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return value


def _update(update_id: int, text: str) -> dict[str, Any]:
    user = user_dict(ALICE, None, "Alice")
    chat = chat_dict(ALICE, "private", user)
    return {"update_id": update_id,
            "message": text_message(chat, user, 9000 + update_id, text, int(time.time()))}


async def _health(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "health", env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


@pytest.mark.timeout(90)
async def test_webhook_mode_replies_only_to_requests_carrying_the_secret(tmp_path: Path) -> None:
    emulator = BotApiEmulator()
    port = _free_port()
    log_file = tmp_path / "run.log"
    async with serve_emulator(emulator) as base_url:
        env = _env(tmp_path, base_url, port)
        with log_file.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--webhook", env=env, cwd=tmp_path,
                stdout=log, stderr=log,
            )
        try:
            [set_call] = await _until(lambda: emulator.calls_of("setWebhook"), "setWebhook")
            assert set_call.params["url"] == f"http://127.0.0.1:{port}/tg/hook"
            assert set_call.params["secret_token"] == SECRET
            assert set_call.params["allowed_updates"] == list(ALLOWED_UPDATES)
            await _until(lambda: heartbeat_path(tmp_path / "data" / "bot.db").exists(), "beat")

            # With the secret (the emulator's own delivery): a reply.
            since = emulator.mark()
            emulator.push_text(ALICE, ALICE, "/alert")
            shown = await emulator.wait_for_message(ALICE, since=since, timeout=WAIT)
            assert "Default: warning 5 % · critical 2.5 %" in shown.text, shown.text
            assert emulator.webhook.deliveries[-1].status == 200

            # Without the secret, or a forged one: 403, nothing runs, nothing changes.
            since = emulator.mark()
            assert await emulator.webhook.post(_update(900, "/alert default 7 3"), None) == 403
            assert await emulator.webhook.post(_update(901, "/alert default 7 3"),
                                               "forged-secret") == 403  # fmt: skip
            assert await emulator.webhook.post(_update(902, "/start"), SECRET[:-1]) == 403
            await asyncio.sleep(1.0)
            assert emulator.sent_messages(ALICE)[-1].message_id == shown.message_id
            assert emulator.mark() == since

            # The thresholds are still the defaults: the forged /alert changed nothing.
            since = emulator.mark()
            emulator.push_text(ALICE, ALICE, "/alert")
            again = await emulator.wait_for_message(ALICE, since=since, timeout=WAIT)
            assert again.text == shown.text

            # The same request with the secret does run (so the refusals above were the check).
            since = emulator.mark()
            assert await emulator.webhook.post(_update(903, "/alert default 7 3"), SECRET) == 200
            changed = await emulator.wait_for_message(ALICE, since=since, timeout=WAIT)
            assert "7 %" in changed.text and "3 %" in changed.text, changed.text
            assert emulator.calls_of("getUpdates") == []

            code, line = await _health(env, tmp_path)
            assert code == 0 and "serving the webhook" in line, line
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = await asyncio.wait_for(proc.wait(), 10)
        assert code == 0, log_file.read_text()
        assert time.monotonic() - started < 10
        assert emulator.calls_of("deleteWebhook")[-1].status == 200
        assert not emulator.webhook.active
        code, line = await _health(env, tmp_path)
        assert code == 1 and "not running" in line, line
    output = log_file.read_text()
    assert "setWebhook" in output  # DEBUG logging was on, so the secret had every chance
    assert SECRET not in output and TOKEN not in output and TOKEN.split(":")[1] not in output
