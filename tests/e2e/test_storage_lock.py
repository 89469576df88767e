"""A database locked by another process delays only the writes that need it: another chat's
commands that write nothing reply as fast as when nothing is locked, and the write that waited
goes through once the lock is gone."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from tests.e2e.harness import ALICE, BOB, Desk

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]
READS = ("/help", "/limits", "/history", "/alert", "/status")  # none of them writes
PACE = 1.1  # seconds between two rounds: Orderly's request pacing stays out of the figures


async def latencies(desk: Desk) -> list[float]:
    took = []
    for text in READS:
        started = time.perf_counter()
        await desk.say(text, user=BOB)
        took.append(time.perf_counter() - started)
    return took


async def test_a_locked_database_holds_only_the_write_not_another_chats_replies(
    desk: Desk,
) -> None:
    await desk.say("/start", user=BOB)
    await desk.say("/start", user=ALICE)
    await asyncio.sleep(PACE)
    idle = await latencies(desk)
    await asyncio.sleep(PACE)
    holder = sqlite3.connect(desk.db_path, isolation_level=None, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # another process mid-write: the bot's writes must wait
    try:
        writing = desk.push("/limits 50 200", user=ALICE)  # needs the lock: waits for it
        await asyncio.sleep(0.3)  # …on the writer thread, which is now stuck
        locked = await latencies(desk)
        assert not [e for e in desk.emulator.events[writing:] if e.chat_id == ALICE]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for text, calm, busy in zip(READS, idle, locked, strict=True):
        # a reply held by the lock would take the 5 s busy timeout (it took 4.8 s before)
        assert busy < max(0.7, 3 * calm), (text, calm, busy)
    reply = await desk.emulator.wait_for_message(ALICE, since=writing, timeout=8.0)
    assert "50" in reply.text and "200" in reply.text, reply.text  # the write went through
