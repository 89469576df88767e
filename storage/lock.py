"""One bot process per database: an OS file lock on `<db path>.lock`.

Two bots on one database would both poll Telegram and both execute approvals. The lock is an
flock, so the OS drops it when the process dies (no stale lock to clean up after a crash). The
lock file is left in place on release: deleting it would let two processes lock different files.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from storage.files import private_file


class AlreadyRunning(RuntimeError):
    """Another process holds the instance lock of this database."""

    def __init__(self, db_path: Path | str) -> None:
        super().__init__(f"another margin-desk is already running on {db_path}; stop it first")
        self.db_path = str(db_path)


class InstanceLock:
    """Context manager holding the single-instance lock of the database at `db_path`."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self.lock_path = Path(f"{db_path}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock now, or raise AlreadyRunning if another process holds it."""
        if self._file is not None:
            return
        private_file(self.lock_path)  # 0600 like the database beside it
        handle = open(self.lock_path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunning(self.db_path) from None
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # for a person wondering which process holds it
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Give the lock up (safe to call twice)."""
        if self._file is None:
            return
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._file.close()
            self._file = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._file is not None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
