"""`margin-desk run` as a real process on a bad database file: one clear line, exit code 2, the
file untouched; an empty file where a database was created before is refused unless
--new-database; the files it creates are 0600; backup copies a live database."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.botapi import BotApiEmulator
from bot.botapi.server import serve_emulator
from storage.db import open_database
from storage.preflight import marker_path
from tests.process.kit import ALICE, bot_env, margin_desk

EXIT_WITHIN = 20.0  # seconds: interpreter start-up on a busy 2-core machine included


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_database(tmp: Path) -> Path:
    """A real Margin Desk database with a chat in it, closed, marker beside it."""
    db = tmp / "data" / "margin-desk.db"
    conn = open_database(db)
    conn.execute("INSERT INTO chats (chat_id, user_id, started_at) VALUES (7, 1, 1.0)")
    conn.close()
    marker_path(db).write_text("created\n")
    return db


async def refused(tmp: Path, db: Path, *args: str) -> str:
    """Run the bot; it must exit 2 at once with exactly one line on stderr: that line."""
    proc = await margin_desk(tmp, bot_env(tmp, db), "run", *args)
    out, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2, (proc.returncode, err.decode())
    assert len(lines) == 1 and lines[0].startswith("margin-desk: database "), lines
    assert "Traceback" not in err.decode() and out == b""
    return lines[0]


async def test_random_bytes_are_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "margin-desk.db"
    db.write_bytes(os.urandom(8192))
    before = digest(db)
    line = await refused(tmp_path, db)
    assert "is not a SQLite database file" in line and "BOT_DB_PATH" in line
    assert digest(db) == before


async def test_a_corrupt_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    db = a_database(tmp_path)
    data = db.read_bytes()  # the header survives, the pages after it do not
    db.write_bytes(data[:1024] + os.urandom(len(data) - 1024))
    before = digest(db)
    line = await refused(tmp_path, db)
    assert "is corrupt" in line and "backup" in line
    assert digest(db) == before


async def test_a_read_only_database_is_refused(tmp_path: Path) -> None:
    db = a_database(tmp_path)
    db.chmod(0o400)  # root could write anyway: the missing write bit is what counts
    before = digest(db)
    line = await refused(tmp_path, db)
    assert "is read-only" in line
    assert digest(db) == before and stat.S_IMODE(db.stat().st_mode) == 0o400


async def test_a_database_locked_by_another_connection_is_refused(tmp_path: Path) -> None:
    db = a_database(tmp_path)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # e.g. a sqlite3 shell in the middle of a write
    try:
        before = digest(db)
        line = await refused(tmp_path, db)
        assert "is locked by another process" in line
        assert digest(db) == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_a_truncated_database_is_refused_while_the_marker_says_one_existed(
    tmp_path: Path,
) -> None:
    db = a_database(tmp_path)
    db.write_bytes(b"")  # truncated to 0 bytes: started as new it would drop every chat
    line = await refused(tmp_path, db)
    assert "is empty (0 bytes)" in line and "--new-database" in line
    assert db.stat().st_size == 0


async def test_a_missing_database_is_refused_while_the_marker_says_one_existed(
    tmp_path: Path,
) -> None:
    db = a_database(tmp_path)
    db.unlink()
    line = await refused(tmp_path, db)
    assert "is missing" in line and "--new-database" in line
    assert not db.exists()


async def test_new_database_accepts_the_empty_file_and_creates_private_files(
    tmp_path: Path,
) -> None:
    db = a_database(tmp_path)
    db.write_bytes(b"")
    emulator = BotApiEmulator()
    async with serve_emulator(emulator) as base_url:
        proc = await margin_desk(tmp_path, bot_env(tmp_path, db, base_url), "run",
                                 "--new-database")  # fmt: skip
        try:
            emulator.push_text(ALICE, ALICE, "/start")
            reply = await emulator.wait_for_message(ALICE, timeout=EXIT_WITHIN)
            assert "Margin Desk" in reply.text
            made = sorted(p for p in db.parent.iterdir() if p.is_file())
            names = {p.name for p in made}
            assert {db.name, f"{db.name}-wal", f"{db.name}-shm", marker_path(db).name} <= names
            assert len(names) >= 6, names  # the paper exchange's state and credentials too
            for path in made:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    assert proc.returncode == 0, err.decode()
    check = sqlite3.connect(db)
    assert check.execute("SELECT chat_id FROM chats").fetchall() == [(ALICE,)]
    check.close()


async def test_backup_copies_a_running_bots_database(tmp_path: Path) -> None:
    db = a_database(tmp_path)
    emulator = BotApiEmulator()
    env_path = tmp_path / "copy.db"
    async with serve_emulator(emulator) as base_url:
        env = bot_env(tmp_path, db, base_url)
        proc = await margin_desk(tmp_path, env, "run")
        try:
            emulator.push_text(ALICE, ALICE, "/start")
            await emulator.wait_for_message(ALICE, timeout=EXIT_WITHIN)
            emulator.push_text(ALICE, ALICE, "/limits 50 200")
            await emulator.wait_for_message(ALICE, timeout=EXIT_WITHIN)
            backup = await margin_desk(tmp_path, env, "backup", str(env_path))
            out, err = await asyncio.wait_for(backup.communicate(), EXIT_WITHIN)
            assert backup.returncode == 0, err.decode()
            assert "backed up" in out.decode() and "2 chats" in out.decode()
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    original, copy = sqlite3.connect(db), sqlite3.connect(env_path)
    for table in ("chats", "audit_log", "approvals", "_sqlite_migrations"):
        query = f"SELECT * FROM {table} ORDER BY 1"
        assert copy.execute(query).fetchall() == original.execute(query).fetchall(), table
    assert copy.execute("SELECT per_action_cap FROM chats WHERE chat_id = ?",
                        [ALICE]).fetchone() == ("50",)  # fmt: skip
    original.close()
    copy.close()


@pytest.mark.parametrize("existing", [True, False])
async def test_backup_refuses_to_overwrite_or_to_copy_nothing(
    tmp_path: Path, existing: bool
) -> None:
    db = a_database(tmp_path) if existing else tmp_path / "none.db"
    target = tmp_path / "copy.db"
    target.write_bytes(b"keep me")
    proc = await margin_desk(tmp_path, bot_env(tmp_path, db), "backup", str(target))
    _, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    assert proc.returncode == 2 and err.decode().count("\n") == 1, err.decode()
    assert ("already exists" if existing else "does not exist") in err.decode()
    assert target.read_bytes() == b"keep me"
