"""The database for async code: SQLite work never runs on the event loop.

    storage = Storage.open(path)                       # or Storage(open_database(":memory:"))
    result = await storage.write(store.claim, token, user_id, chat_id, now)
    rows = await storage.read(reader_store.recent, chat_id, 10)
    storage.post(audit.record, ...)                    # queued, not awaited

One dedicated writer thread owns the write connection and runs every `write` and `post` in the
order they were submitted (a call after a write sees it). A locked database (another process in
a write transaction) makes the writer wait up to the busy timeout; only the callers awaiting a
write wait with it. `read` runs on a second thread over its own read-only connection: in WAL
mode a reader sees the last committed state and never waits for a writer, so a reply that
needs no write is never held by a lock. An in-memory database has one connection: reads then
queue behind writes (tests only).

A `post` whose write fails because the database is locked is queued again after
POST_RETRY_SECONDS, so a lock delays an audit line or an alert state but loses neither.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlite_utils import Database

from storage.db import MEMORY, open_database, open_reader

P = ParamSpec("P")
T = TypeVar("T")
POST_RETRY_SECONDS = 1.0
log = logging.getLogger(__name__)


def is_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy" errors (a lock held by someone else)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class Storage:
    """A writer thread and a reader thread over one SQLite database (see the module doc)."""

    def __init__(
        self, db: Database, reader: Database | None = None, path: str | None = None
    ) -> None:
        self.db = db  # the write connection: build stores on it, use them only via write/post
        self.path = path  # the file (None in memory): a feature may open its own connection
        self.reader = reader if reader is not None else db  # build read-only stores on it
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="db-writer")
        self._reads = ThreadPoolExecutor(1, thread_name_prefix="db-reader") if reader else None
        self._closed = False

    @classmethod
    def open(cls, path: Path | str) -> Storage:
        """Open (and migrate) the database at path with its separate read connection."""
        db = open_database(path)
        if str(path) == MEMORY:
            return cls(db)
        return cls(db, open_reader(path), str(path))

    async def write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run fn on the writer thread, after everything submitted before; its result."""
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[T]:
        """Queue fn on the writer thread now (its place in the order is taken at this call)."""
        return asyncio.wrap_future(self._writer.submit(fn, *args, **kwargs))

    async def read(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run fn over the read connection: the last committed state, never behind a lock."""
        pool = self._reads if self._reads is not None else self._writer
        return await asyncio.wrap_future(pool.submit(fn, *args, **kwargs))

    def post(self, fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue a write nobody waits for (from the event loop); retried while locked."""
        loop = asyncio.get_running_loop()

        def submit() -> None:
            if self._closed:
                log.error("database closed: a queued write was dropped (%s)", _name(fn))
                return
            self._writer.submit(fn, *args, **kwargs).add_done_callback(done)

        def done(future: Future[Any]) -> None:
            exc = future.exception()
            if exc is None:
                return
            if is_locked(exc) and not self._closed and not loop.is_closed():
                log.warning("database is locked; %s queued again", _name(fn))
                loop.call_soon_threadsafe(loop.call_later, POST_RETRY_SECONDS, submit)
            else:
                log.error("a queued database write failed (%s)", _name(fn), exc_info=exc)

        submit()

    async def caught_up(self, patience: float) -> bool:
        """Wait up to `patience` seconds for everything submitted so far; False if the writer
        is still busy (e.g. on a lock), so a reply can go on with the last committed state."""
        try:
            async with asyncio.timeout(patience):
                await asyncio.shield(self.flush())
        except TimeoutError:
            return False
        return True

    async def flush(self) -> None:
        """Wait until everything submitted so far has been written."""
        await self.write(_nothing)

    def close(self) -> None:
        """Finish the queued writes, then close both connections (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        self._writer.shutdown(wait=True)
        if self._reads is not None:
            self._reads.shutdown(wait=True)
            self.reader.close()
        self.db.close()


def _nothing() -> None:
    return None


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
