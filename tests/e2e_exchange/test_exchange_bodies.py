"""A stranger's huge POST to `margin-desk paper-exchange` (a real process, uvicorn on loopback):
413 at once, the rest of the body never read, the server's memory flat."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BODY = 64 << 20  # 64 MiB, unsigned
PIECE = b"x" * (64 << 10)
RSS_SLACK_KIB = 16 << 10  # before the cap the server buffered it all: ~+200 MB for 64 MiB


@pytest.fixture
def exchange(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """(pid, port) of a served paper exchange."""
    env = {**os.environ, "BOT_DB_PATH": str(tmp_path / "bot.db"), "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "paper-exchange", "--port", "0"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdout is not None
    port = None
    for line in proc.stdout:
        if line.startswith("ORDERLY_BASE_URL="):
            port = int(line.strip().rsplit(":", 1)[1])
            break
    assert port is not None, "the paper exchange did not start"
    try:
        yield proc.pid, port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def post_huge(port: int, chunked: bool) -> tuple[bytes, int, float]:
    """Send a 64 MiB POST as fast as the server takes it; (answer, bytes it took, seconds)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}"
    head = "POST /v1/order HTTP/1.1\r\nHost: paper\r\nContent-Type: application/json\r\n"
    piece = b"%x\r\n%s\r\n" % (len(PIECE), PIECE) if chunked else PIECE
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    pending, sent, answer = (head + framing + "\r\n\r\n").encode(), 0, b""
    started = time.monotonic()
    try:
        while time.monotonic() - started < 20:
            if not pending and sent < BODY:
                pending = piece
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], 1.0)
            try:
                if readable:
                    data = sock.recv(65536)
                    if not data:
                        break  # the server closed the connection
                    answer += data
                if writable and pending:
                    taken = sock.send(pending)
                    pending, sent = pending[taken:], sent + taken
            except (BrokenPipeError, ConnectionResetError):
                break
            if not pending and sent >= BODY and answer:
                break
    finally:
        sock.close()
    return answer, sent, time.monotonic() - started


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_64_mib_unsigned_post_is_413_fast_and_never_buffered(exchange, chunked) -> None:
    pid, port = exchange
    before = rss_kib(pid)
    answer, sent, seconds = post_huge(port, chunked)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large", answer[:300]
    assert b'{"success":false,"code":-1005,"message":"request body larger than' in rest
    assert seconds < 5
    assert sent < BODY // 4  # it stopped reading: the rest could not even be sent
    assert rss_kib(pid) - before < RSS_SLACK_KIB
