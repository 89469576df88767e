"""The audit log: what each chat asked for and how it ended, for `/history`."""

from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from bot.domain.records import AuditEntry
from storage.db import dump_json, load_json

REDACTED = "[redacted]"
# Defence in depth: callers must not pass secrets, but a key that looks secret is never stored.
_SECRET_KEY = re.compile(r"secret|key|token|signature|password|passphrase", re.IGNORECASE)
# An Orderly key or secret pasted into free text ("ed25519:" + base58).
_SECRET_TEXT = re.compile(r"ed25519:[1-9A-HJ-NP-Za-km-z]{16,}")


class AuditLog:
    """Appends and reads the `audit_log` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        chat_id: int,
        user_id: int | None,
        command: str,
        params: dict[str, Any],
        outcome: str,
        detail: str,
        at: float,
    ) -> AuditEntry:
        """Append one entry, with secret-looking keys and key material redacted."""
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "command": command,
            "params": dump_json(redact(params)),
            "outcome": outcome,
            "detail": redact_text(detail),
            "at": at,
        }
        cursor = self._db.execute(
            "INSERT INTO audit_log (chat_id, user_id, command, params, outcome, detail, at)"
            " VALUES (:chat_id, :user_id, :command, :params, :outcome, :detail, :at)",
            row,
        )
        return _to_entry({**row, "id": cursor.lastrowid})

    def recent(self, chat_id: int, n: int = 10) -> list[AuditEntry]:
        """The chat's last `n` entries, newest first."""
        rows = self._db.query(
            "SELECT * FROM audit_log WHERE chat_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            [chat_id, max(0, n)],
        )
        return [_to_entry(r) for r in rows]


def redact(value: Any) -> Any:
    """Copy `value`, replacing anything stored under a secret-looking key, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    """Replace ed25519 key material in free text."""
    return _SECRET_TEXT.sub("ed25519:" + REDACTED, text)


def _to_entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        command=row["command"],
        params=load_json(row["params"]),
        outcome=row["outcome"],
        detail=row["detail"],
        at=row["at"],
    )
