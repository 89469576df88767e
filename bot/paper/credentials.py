"""The paper account id and Orderly key: created once, kept in a private JSON file, never logged."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from bot.orderly.signing import Signer, generate_keypair
from bot.paper.engine import KeyRecord
from bot.timing import Clock, now_ms

SCOPE = frozenset({"read", "trading"})
KEY_LIFETIME_MS = 365 * 24 * 3600 * 1000
FILE_NAME = "paper-credentials.json"


@dataclass(frozen=True, slots=True)
class PaperCredentials:
    """One paper account and its ed25519 key (the secret never shows in repr)."""

    account_id: str
    orderly_key: str
    orderly_secret: str = field(repr=False)
    scope: frozenset[str] = SCOPE
    expiration_ms: int = 0

    def credential_lines(self) -> list[str]:
        """The three `NAME=value` lines a user pastes into .env to reach this account."""
        return [
            f"ORDERLY_ACCOUNT_ID={self.account_id}",
            f"ORDERLY_KEY={self.orderly_key}",
            f"ORDERLY_SECRET={self.orderly_secret}",
        ]

    def key_record(self) -> KeyRecord:
        """The engine's record of this key (public half only)."""
        return KeyRecord(
            account_id=self.account_id,
            orderly_key=self.orderly_key,
            scope=self.scope,
            expiration_ms=self.expiration_ms,
        )

    def signer(self) -> Signer:
        """A request signer for this account (what the bot's client builds from the env)."""
        return Signer(self.account_id, self.orderly_key, self.orderly_secret)


def new_account_id() -> str:
    """A random Orderly-shaped account id: `0x` + 64 lower-case hex digits."""
    return "0x" + secrets.token_hex(32)


def issue(clock: Clock, account_id: str | None = None) -> PaperCredentials:
    """New credentials: a fresh key (read,trading; 365 days) for a new or the given account."""
    key, secret = generate_keypair()
    return PaperCredentials(
        account_id=account_id or new_account_id(),
        orderly_key=key,
        orderly_secret=secret,
        scope=SCOPE,
        expiration_ms=now_ms(clock) + KEY_LIFETIME_MS,
    )


def _read(path: Path) -> PaperCredentials | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return PaperCredentials(
            account_id=str(raw["account_id"]),
            orderly_key=str(raw["orderly_key"]),
            orderly_secret=str(raw["orderly_secret"]),
            scope=frozenset(str(raw["scope"]).split(",")),
            expiration_ms=int(raw["expiration_ms"]),
        )
    except FileNotFoundError:
        return None


def _write(path: Path, creds: PaperCredentials) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "account_id": creds.account_id,
        "orderly_key": creds.orderly_key,
        "orderly_secret": creds.orderly_secret,
        "scope": ",".join(sorted(creds.scope)),
        "expiration_ms": creds.expiration_ms,
    }
    tmp = path.with_suffix(".tmp")
    # Owner-only from the first byte: the file holds a signing secret.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle, indent=2)
    os.replace(tmp, path)


def load_or_create(data_dir: Path | None, clock: Clock) -> PaperCredentials:
    """The stored paper credentials, created on first use and re-keyed (same account) once expired.

    With data_dir None nothing is stored: every call issues a new account.
    """
    if data_dir is None:
        return issue(clock)
    path = Path(data_dir) / FILE_NAME
    creds = _read(path)
    if creds is not None and creds.expiration_ms > now_ms(clock):
        return creds
    creds = issue(clock, creds.account_id if creds else None)
    _write(path, creds)
    return creds
