"""ed25519 request signing exactly as Orderly verifies it (orderly-api.md §2).

The message is `timestamp + METHOD + path[?query] + body`, where body is the exact text sent.
Signatures go out url-safe base64 with padding (JSSDK style); verification accepts standard or
url-safe, padded or not, because real clients send all four.
"""

from __future__ import annotations

import base64
import binascii

import base58
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from bot.errors import ConfigError

PREFIX = "ed25519:"


def _strip(value: str) -> str:
    value = value.strip()
    return value[len(PREFIX) :] if value.startswith(PREFIX) else value


def public_key_string(verify_key: VerifyKey) -> str:
    """`ed25519:` + base58 of the raw 32-byte public key, as sent in `orderly-key`."""
    return PREFIX + base58.b58encode(bytes(verify_key)).decode()


def decode_public_key(orderly_key: str) -> VerifyKey:
    """Parse an `ed25519:<base58>` key; ValueError when it is not one."""
    try:
        raw = base58.b58decode(_strip(orderly_key))
    except ValueError as exc:
        raise ValueError("not a base58 ed25519 key") from exc
    if len(raw) != 32:
        raise ValueError("an ed25519 public key is 32 bytes")
    return VerifyKey(raw)


def message(timestamp_ms: int, method: str, path: str, body: str = "") -> bytes:
    """The exact bytes Orderly signs: timestamp, upper-case method, path with query, body."""
    return f"{timestamp_ms}{method.upper()}{path}{body}".encode()


def encode_signature(raw: bytes, *, urlsafe: bool = True) -> str:
    return (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()


def decode_signature(text: str) -> bytes:
    """Accept standard or url-safe base64, with or without `=` padding."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    return base64.b64decode(cleaned, validate=True)


def verify(orderly_key: str, msg: bytes, signature: str) -> bool:
    """True when `signature` is a valid ed25519 signature of msg by orderly_key."""
    try:
        decode_public_key(orderly_key).verify(msg, decode_signature(signature))
    except (ValueError, BadSignatureError, binascii.Error):
        return False
    return True


class Signer:
    """Holds one Orderly key pair and signs requests; never reveals the secret."""

    __slots__ = ("_key", "account_id", "orderly_key")

    def __init__(self, account_id: str, orderly_key: str, secret: str) -> None:
        try:
            seed = base58.b58decode(_strip(secret))[:32]
            if len(seed) != 32:
                raise ValueError
            self._key = SigningKey(seed)
        except ValueError:
            raise ConfigError(
                "ORDERLY_SECRET is not a base58 ed25519 secret (with or without 'ed25519:')"
            ) from None
        derived = public_key_string(self._key.verify_key)
        if orderly_key.strip() and _strip(orderly_key) != _strip(derived):
            raise ConfigError("ORDERLY_SECRET does not belong to ORDERLY_KEY; check both values")
        self.account_id = account_id
        self.orderly_key = derived

    def __repr__(self) -> str:
        return f"Signer(account_id={self.account_id!r}, orderly_key={self.orderly_key!r})"

    def sign(self, msg: bytes, *, urlsafe: bool = True) -> str:
        return encode_signature(self._key.sign(msg).signature, urlsafe=urlsafe)

    def headers(self, timestamp_ms: int, method: str, path: str, body: str = "") -> dict[str, str]:
        """Fresh private-REST headers for one request (never shared between requests)."""
        content_type = (
            "application/json" if method.upper() in ("POST", "PUT")
            else "application/x-www-form-urlencoded"
        )
        return {
            "orderly-timestamp": str(timestamp_ms),
            "orderly-account-id": self.account_id,
            "orderly-key": self.orderly_key,
            "orderly-signature": self.sign(message(timestamp_ms, method, path, body)),
            "Content-Type": content_type,
        }

    def ws_auth(self, timestamp_ms: int) -> dict[str, object]:
        """Params of the private WebSocket `auth` event: only the timestamp is signed."""
        return {
            "orderly_key": self.orderly_key,
            "sign": self.sign(str(timestamp_ms).encode()),
            "timestamp": timestamp_ms,
        }


def generate_keypair() -> tuple[str, str]:
    """A new (orderly_key, orderly_secret) pair; the secret is always 44 base58 characters."""
    while True:
        key = SigningKey.generate()
        secret = base58.b58encode(bytes(key)).decode()
        if len(secret) == 44:  # JSSDK regenerates until 44 chars; some tools expect it
            return public_key_string(key.verify_key), PREFIX + secret
