"""The `margin-desk` command line: help, `check` exit codes, bad config, `paper-exchange`."""

from __future__ import annotations

import logging
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from tests.test_config import ENV

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """Clean environment and temp database; the root logger is restored afterwards."""
    monkeypatch.chdir(tmp_path)
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "data" / "margin-desk.db"))
    monkeypatch.setenv("BOT_ALLOWED_USER_IDS", "42")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield monkeypatch
    root.handlers[:] = handlers
    root.setLevel(level)


def test_help_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "demo", "paper-exchange", "check", "backup"):
        assert re.search(rf"^    {command}\b", out, re.MULTILINE), command


def test_check_on_the_embedded_default_exits_0(env, capsys) -> None:
    assert main(["check"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("margin-desk check: all good")


def test_check_with_a_problem_exits_1(env, capsys) -> None:
    env.setenv("ORDERLY_NETWORK", "TESTNET")
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "[FAIL] ORDERLY_ACCOUNT_ID, ORDERLY_KEY, ORDERLY_SECRET not set" in captured.out
    assert "margin-desk check: FAILED" in captured.err


@pytest.mark.parametrize(("name", "value"), [("BOT_ALLOWED_USER_IDS", "alice"),
                                             ("ORDERLY_NETWORK", "moon"),
                                             ("PAPER_START_BALANCE", "-5")])
def test_invalid_configuration_exits_2_with_one_line(env, capsys, name, value) -> None:
    env.setenv(name, value)
    assert main(["check"]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("margin-desk: configuration: ") and name in line
    assert captured.out == "" and "Traceback" not in captured.err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_lines(proc: subprocess.Popen[bytes], count: int, within: float) -> list[str]:
    """The first `count` lines of the process's stdout (raw reads: no buffer hides a line)."""
    assert proc.stdout is not None
    fd, data, deadline = proc.stdout.fileno(), b"", time.monotonic() + within
    while data.count(b"\n") < count:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 65536) if ready else b""
        assert chunk, f"paper-exchange stopped printing after {data!r}"
        data += chunk
    return data.decode().splitlines()[:count]


def test_paper_exchange_prints_credentials_and_stops_cleanly_on_sigterm(tmp_path) -> None:
    port = free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env.update(BOT_DB_PATH=str(data / "margin-desk.db"), PYTHONPATH=str(ROOT),
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "paper-exchange", "--port", str(port)], cwd=tmp_path,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        lines = first_lines(proc, 4, within=15)
        names = [line.split("=", 1)[0] for line in lines]
        assert names == ["ORDERLY_ACCOUNT_ID", "ORDERLY_KEY", "ORDERLY_SECRET",
                         "ORDERLY_BASE_URL"]
        assert lines[1].startswith("ORDERLY_KEY=ed25519:")
        assert lines[3] == f"ORDERLY_BASE_URL=http://127.0.0.1:{port}"
        reply = httpx.get(f"http://127.0.0.1:{port}/v1/public/system_info", timeout=5)
        assert reply.json()["success"] is True
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (data / "paper-credentials.json").exists()
    assert (data / "paper-exchange.sqlite").exists()
    assert proc.stderr is not None and b"Traceback" not in proc.stderr.read()
