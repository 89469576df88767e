"""Approvals as rows: a random token in the button, one conditional UPDATE so a press runs once.

Life of an approval::

    pending --claim--> executing --finish--> done | failed | unknown --finish--> done | failed
       |                  (mark_intent records what is about to be sent, before sending it)
       +--cancel--> cancelled
       +--expire_stale--> expired

`executing` and `unknown` rows are *unsettled*: start-up lists them to reconcile with the
exchange (a row without an intent was never sent). A pressed row whose final outcome the chat
was never shown (`reported_at` NULL) is *unreported*: start-up tells the chat.
"""

from __future__ import annotations

import secrets
import sqlite3
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.domain.records import Approval, ClaimFailure, ClaimResult
from storage.db import dec_to_text, dump_json, load_json, text_to_dec

TOKEN_BYTES = 12  # 16 URL-safe characters: fits Telegram's 64-byte callback_data with a prefix
OUTCOMES = ("done", "failed", "unknown")
USED_STATES = ("executing", "done", "failed", "unknown")
UNSETTLED_STATES = ("executing", "unknown")


class ApprovalStateError(RuntimeError):
    """An approval was moved out of order (e.g. finished without being claimed)."""


class ApprovalStore:
    """Creates, claims and settles approvals in the `approvals` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        kind: str,
        chat_id: int,
        user_id: int,
        action: dict[str, Any],
        now: float,
        ttl_seconds: float,
        amount: Decimal | None = None,
    ) -> Approval:
        """Store a pending approval that `user_id` may press in `chat_id` until now + ttl."""
        row: dict[str, Any] = {
            "kind": kind,
            "chat_id": chat_id,
            "user_id": user_id,
            "action": dump_json(action),
            "amount": dec_to_text(amount),
            "created_at": now,
            "expires_at": now + ttl_seconds,
        }
        for _ in range(3):  # a collision of 96 random bits is not expected; retry anyway
            token = row["token"] = secrets.token_urlsafe(TOKEN_BYTES)
            try:
                self._db.execute(
                    "INSERT INTO approvals (token, kind, chat_id, user_id, action, amount,"
                    " created_at, expires_at) VALUES (:token, :kind, :chat_id, :user_id,"
                    " :action, :amount, :created_at, :expires_at)",
                    row,
                )
            except sqlite3.IntegrityError as exc:
                if "approvals.token" not in str(exc):
                    raise
                continue
            return self._require(token)
        raise ApprovalStateError("could not allocate a unique approval token")

    def get(self, token: str) -> Approval | None:
        """Return the approval behind `token`, or None if there is none."""
        rows = list(self._db.query("SELECT * FROM approvals WHERE token = ?", [token]))
        return _to_approval(rows[0]) if rows else None

    def claim(self, token: str, user_id: int, chat_id: int, now: float) -> ClaimResult:
        """Atomically move a valid pending approval to `executing`; exactly one press wins."""
        return self._leave_pending(token, "executing", "claimed_at", user_id, chat_id, now)

    def cancel(self, token: str, user_id: int, chat_id: int, now: float) -> ClaimResult:
        """Cancel a pending approval on behalf of its own user and chat."""
        return self._leave_pending(token, "cancelled", "finished_at", user_id, chat_id, now)

    def _leave_pending(
        self, token: str, state: str, stamp: str, user_id: int, chat_id: int, now: float
    ) -> ClaimResult:
        # One conditional UPDATE: only a live pending row of this user and chat can move.
        cursor = self._db.execute(
            f"UPDATE approvals SET state = ?, {stamp} = ? WHERE token = ?"
            " AND state = 'pending' AND expires_at > ? AND user_id = ? AND chat_id = ?",
            [state, now, token, now, user_id, chat_id],
        )
        approval = self.get(token)
        if cursor.rowcount == 1:
            return ClaimResult(approval)
        return ClaimResult(approval, _explain(approval, user_id, chat_id, now))

    def mark_intent(
        self, token: str, payload: dict[str, Any], now: float, *,
        sent_ts_ms: int | None = None, lands_by: float | None = None,
    ) -> None:  # fmt: skip
        """Record what is about to be sent to the exchange, before sending it (committed when
        this returns): the payload, the timestamp it will be signed with, and until when the
        request could still land."""
        cursor = self._db.execute(
            "UPDATE approvals SET intent = ?, intent_at = ?, sent_ts_ms = ?, lands_by = ?"
            " WHERE token = ? AND state = 'executing'",
            [dump_json(payload), now, sent_ts_ms, lands_by, token],
        )
        if cursor.rowcount != 1:
            raise ApprovalStateError(f"approval {token!r} is not executing; intent not recorded")

    def finish(self, token: str, outcome: str, detail: dict[str, Any], now: float) -> Approval:
        """Record the outcome of an executing (or unknown) approval: done, failed or unknown."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
        cursor = self._db.execute(
            "UPDATE approvals SET state = ?, detail = ?, finished_at = ?"
            " WHERE token = ? AND state IN ('executing', 'unknown')",
            [outcome, dump_json(detail), now, token],
        )
        if cursor.rowcount != 1:
            raise ApprovalStateError(f"approval {token!r} is not unsettled; cannot finish it")
        return self._require(token)

    def list_unsettled(self) -> list[Approval]:
        """Approvals claimed but with no known outcome (executing or unknown), oldest first."""
        rows = self._db.query(
            "SELECT * FROM approvals WHERE state IN ('executing', 'unknown')"
            " ORDER BY claimed_at, created_at"
        )
        return [_to_approval(r) for r in rows]

    def stale(self, now: float) -> list[Approval]:
        """Pending approvals past their expiry (no press can claim or cancel them any more)."""
        rows = self._db.query(
            "SELECT * FROM approvals WHERE state = 'pending' AND expires_at <= ?"
            " ORDER BY expires_at", [now],
        )
        return [_to_approval(r) for r in rows]

    def mark_reported(self, token: str, now: float) -> None:
        """Record that the chat was shown this approval's final outcome."""
        self._db.execute(
            "UPDATE approvals SET reported_at = ? WHERE token = ? AND reported_at IS NULL",
            [now, token],
        )

    def list_unreported(self) -> list[Approval]:
        """Pressed approvals with a final outcome the chat was never shown, oldest first."""
        rows = self._db.query(
            "SELECT * FROM approvals WHERE state IN ('done', 'failed')"
            " AND claimed_at IS NOT NULL AND reported_at IS NULL ORDER BY finished_at"
        )
        return [_to_approval(r) for r in rows]

    def expire_stale(self, now: float) -> int:
        """Mark every pending approval past its expiry as expired; return how many."""
        cursor = self._db.execute(
            "UPDATE approvals SET state = 'expired', finished_at = ?"
            " WHERE state = 'pending' AND expires_at <= ?",
            [now, now],
        )
        return cursor.rowcount

    def _require(self, token: str) -> Approval:
        approval = self.get(token)
        if approval is None:
            raise ApprovalStateError(f"approval {token!r} vanished")
        return approval


def _explain(approval: Approval | None, user_id: int, chat_id: int, now: float) -> ClaimFailure:
    # Identity first, so a stranger learns nothing about the approval's state.
    if approval is None:
        return ClaimFailure.UNKNOWN
    if approval.chat_id != chat_id:
        return ClaimFailure.WRONG_CHAT
    if approval.user_id != user_id:
        return ClaimFailure.WRONG_USER
    if approval.state == "cancelled":
        return ClaimFailure.CANCELLED
    if approval.state in USED_STATES:
        return ClaimFailure.ALREADY_USED
    if approval.state == "expired" or approval.expires_at <= now:
        return ClaimFailure.EXPIRED
    return ClaimFailure.ALREADY_USED  # lost a race that has since been undone: still not ours


def _to_approval(row: dict[str, Any]) -> Approval:
    return Approval(
        token=row["token"],
        kind=row["kind"],
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        action=load_json(row["action"]),
        state=row["state"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        amount=text_to_dec(row["amount"]),
        claimed_at=row["claimed_at"],
        intent=load_json(row["intent"]),
        intent_at=row["intent_at"],
        detail=load_json(row["detail"]),
        finished_at=row["finished_at"],
        sent_ts_ms=row.get("sent_ts_ms"),
        lands_by=row.get("lands_by"),
        reported_at=row.get("reported_at"),
    )
