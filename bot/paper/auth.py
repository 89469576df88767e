"""Verifies private requests the way Orderly does (orderly-api.md §2); refusals are EngineErrors.

Codes chosen (Orderly documents the meaning, not every case), all HTTP 401:
  -1001  missing or malformed header, key or signature, or a signature that does not verify
  -1002  unknown, revoked or expired key, key of another account, missing scope, or a
         timestamp more than `max_skew_ms` (300 s) from server time ("timestamp expired")
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping

from bot.orderly.signing import decode_public_key, decode_signature, message, verify
from bot.paper.engine import EngineError, KeyRecord, PaperEngine

HEADERS = ("orderly-timestamp", "orderly-account-id", "orderly-key", "orderly-signature")


def _malformed(text: str) -> EngineError:
    return EngineError(-1001, text, 401)


def _refused(text: str) -> EngineError:
    return EngineError(-1002, text, 401)


def _timestamp(raw: object) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        raise _malformed("orderly-timestamp must be an integer number of milliseconds") from None


def check_key(
    engine: PaperEngine, account_id: str, orderly_key: str, timestamp_ms: int, now_ms: int,
    max_skew_ms: int,
) -> KeyRecord:
    """The active key record of account_id, or the Orderly refusal for this key and time."""
    try:
        decode_public_key(orderly_key)
    except ValueError:
        raise _malformed("orderly-key is not an ed25519:<base58> public key") from None
    if abs(now_ms - timestamp_ms) > max_skew_ms:
        raise _refused("timestamp expired: more than 300 s from server time")
    record = engine.key(orderly_key)
    if record is None or record.account_id != account_id:
        raise _refused("orderly key is not registered for this account")
    if record.status != "ACTIVE":
        raise _refused("orderly key is revoked")
    if record.expiration_ms <= now_ms:
        raise _refused("orderly key has expired")
    return record


def check_signature(orderly_key: str, msg: bytes, signature: str) -> None:
    """Refuse a signature that is not base64 of 64 bytes (-1001) or does not match msg (-1001)."""
    try:
        raw = decode_signature(signature)
    except (ValueError, binascii.Error):
        raise _malformed("orderly-signature is not base64") from None
    if len(raw) != 64:
        raise _malformed("orderly-signature is not an ed25519 signature")
    if not verify(orderly_key, msg, signature):
        raise _malformed("signature verification failed")


def verify_request(
    engine: PaperEngine,
    headers: Mapping[str, str],
    method: str,
    path: str,
    query: str,
    body: str,
    now_ms: int,
    max_skew_ms: int,
) -> KeyRecord:
    """The key that signed this REST request, or an EngineError saying why it is refused."""
    missing = [name for name in HEADERS if not headers.get(name)]
    if missing:
        raise _malformed(f"missing header {', '.join(missing)}")
    timestamp = _timestamp(headers["orderly-timestamp"])
    account_id = headers["orderly-account-id"].strip()
    orderly_key = headers["orderly-key"].strip()
    record = check_key(engine, account_id, orderly_key, timestamp, now_ms, max_skew_ms)
    signed_path = f"{path}?{query}" if query else path
    check_signature(orderly_key, message(timestamp, method, signed_path, body), headers[
        "orderly-signature"])
    return record


def verify_ws_auth(
    engine: PaperEngine, account_id: str, params: Mapping[str, object], now_ms: int,
    max_skew_ms: int,
) -> KeyRecord:
    """The key of a private-stream `auth` event (it signs only the timestamp), else EngineError."""
    orderly_key = str(params.get("orderly_key") or "").strip()
    sign = str(params.get("sign") or "").strip()
    if not orderly_key or not sign or params.get("timestamp") in (None, ""):
        raise _malformed("missing required parameter orderly_key, sign or timestamp")
    timestamp = _timestamp(params["timestamp"])
    record = check_key(engine, account_id, orderly_key, timestamp, now_ms, max_skew_ms)
    check_signature(orderly_key, str(timestamp).encode(), sign)
    return record


def require_scope(record: KeyRecord, scope: str) -> None:
    """Refuse (-1002) when the key lacks `scope` (e.g. `trading` for orders and margin)."""
    if scope not in record.scope:
        raise _refused(f"orderly key lacks the '{scope}' scope")
