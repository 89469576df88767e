import subprocess
import sys
from pathlib import Path

import pytest

from storage.lock import AlreadyRunning, InstanceLock

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from storage.lock import InstanceLock
with InstanceLock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""
PROBE = """
import sys
from storage.lock import AlreadyRunning, InstanceLock
try:
    InstanceLock(sys.argv[1]).acquire()
except AlreadyRunning as e:
    print(e)
    sys.exit(3)
print("acquired")
"""


def run_probe(db_path):
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(db_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_a_second_process_is_refused_while_the_first_runs(tmp_path):
    db_path = tmp_path / "data" / "desk.db"
    with InstanceLock(db_path) as lock:
        assert lock.held and (tmp_path / "data" / "desk.db.lock").exists()
        probe = run_probe(db_path)
        assert probe.returncode == 3, probe.stderr
        assert probe.stdout.strip() == (
            f"another margin-desk is already running on {db_path}; stop it first"
        )
    assert run_probe(db_path).stdout.strip() == "acquired"


def test_this_process_is_refused_while_another_holds_it(tmp_path):
    db_path = tmp_path / "desk.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning, match="stop it first"), InstanceLock(db_path):
            pass
    finally:
        holder.communicate("\n", timeout=20)
    with InstanceLock(db_path) as lock:  # released when the holder exits
        assert lock.held


def test_a_dead_holder_leaves_no_stale_lock(tmp_path):
    db_path = tmp_path / "desk.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait(timeout=20)
    lock = InstanceLock(db_path)
    lock.acquire()
    lock.release()
    lock.release()
    assert not lock.held
