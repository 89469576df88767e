"""The chat book, the audit trail and the storage lane, as the handlers reach them.

Handlers never import storage: the types they hold in Services (built by the composition root)
are named here, and what needs a storage class (reading the audit trail on the read
connection, telling a lock from other faults) is a service function.
"""

from __future__ import annotations

from bot.domain.records import AuditEntry
from storage.audit import AuditLog
from storage.chats import ChatStore
from storage.worker import Storage, is_locked

ChatBook = ChatStore  # who started the bot in each chat, its caps and notice switches
AuditTrail = AuditLog  # every command and press with its outcome, secrets redacted
StorageLane = Storage  # the one writer thread and the read connection


async def recent_entries(
    storage: Storage, chat_id: int, n: int, patience: float
) -> list[AuditEntry]:
    """The chat's last n audit entries: the lines queued so far, unless a lock holds them
    longer than `patience` seconds (then: what is committed), read on the read connection."""
    await storage.caught_up(patience)
    reader = AuditLog(storage.reader)
    return await storage.read(reader.recent, chat_id, n)


def database_locked(exc: BaseException) -> bool:
    """True when another process holds the database's write lock (SQLite locked / busy)."""
    return is_locked(exc)
