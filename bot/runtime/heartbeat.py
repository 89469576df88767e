"""A heartbeat the running bot writes beside its database, and `margin-desk health` reading it.

Every few seconds `run` records whether it is receiving updates (polling Telegram or serving the
webhook) and whether the exchange answered; `health` (the container healthcheck) exits 0 only
when a fresh beat says both, and in webhook mode the webhook port accepts connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)
BEAT_INTERVAL = 10.0  # seconds between beats
MAX_AGE = 45.0  # a beat older than this means the bot is stuck or gone
SUFFIX = ".heartbeat"


@dataclass(frozen=True)
class Beat:
    time: float  # unix seconds
    pid: int
    mode: str  # "polling" or "webhook"
    receiving: bool  # the updater is polling / the webhook server is up
    exchange_ok: bool
    exchange_detail: str
    webhook_local_url: str | None = None


def heartbeat_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + SUFFIX)


def write_beat(path: Path, beat: Beat) -> None:
    """Replace the heartbeat file atomically (owner-only, like the database)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(beat), out)
    os.replace(tmp, path)


def remove_beat(path: Path) -> None:
    """A clean stop leaves no beat behind (health then says the bot is not running)."""
    with contextlib.suppress(OSError):
        path.unlink()


def read_beat(path: Path) -> Beat | None:
    try:
        return Beat(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def problems(beat: Beat | None, now: float, *, max_age: float = MAX_AGE) -> list[str]:
    """What is wrong, one line each; empty when healthy."""
    if beat is None:
        return ["no heartbeat: the bot is not running (or runs on another BOT_DB_PATH)"]
    found = []
    age = now - beat.time
    if age > max_age:
        found.append(f"last heartbeat {age:.0f} s ago: the bot is stuck or stopped")
    if not beat.receiving:
        found.append(f"not receiving updates ({beat.mode})")
    if not beat.exchange_ok:
        found.append(f"exchange unreachable: {beat.exchange_detail}")
    if beat.webhook_local_url and not _accepts(beat.webhook_local_url):
        found.append(f"the webhook server at {beat.webhook_local_url} refuses connections")
    return found


def _accepts(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 2):
            return True
    except OSError:
        return False


def health(db_path: Path) -> int:
    """`margin-desk health`: one line, exit 0 when healthy, 1 otherwise."""
    beat = read_beat(heartbeat_path(db_path))
    found = problems(beat, time.time())
    if found:
        print("unhealthy: " + "; ".join(found))
        return 1
    assert beat is not None
    what = "polling Telegram" if beat.mode == "polling" else "serving the webhook"
    print(f"healthy: {what}, exchange reachable (heartbeat {time.time() - beat.time:.0f} s ago)")
    return 0


async def beat_forever(
    path: Path,
    mode: str,
    receiving: Callable[[], bool],
    exchange: Callable[[], Awaitable[tuple[bool, str]]],
    *,
    webhook_local_url: str | None = None,
    interval: float = BEAT_INTERVAL,
) -> None:
    """Write a beat now and every `interval` seconds until cancelled; remove it on the way out."""
    try:
        while True:
            try:
                ok, detail = await exchange()
                write_beat(path, Beat(time.time(), os.getpid(), mode, receiving(), ok, detail,
                                      webhook_local_url))  # fmt: skip
            except Exception:  # a full disk must not stop the bot; health then reports stale
                log.exception("writing the heartbeat failed")
            await asyncio.sleep(interval)
    finally:
        remove_beat(path)
