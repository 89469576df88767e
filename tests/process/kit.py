"""Running `margin-desk` as a real process against the Bot API emulator served over loopback
HTTP (bot/botapi/server.py):

    async with serve_emulator(emulator) as base_url:
        proc = await margin_desk(tmp, bot_env(tmp, db, base_url), "run")
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

TOKEN = "4242:process-test-token"
ALICE = 1001


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
