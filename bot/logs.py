"""Logging set-up with a filter that redacts secrets (bot token, Orderly secret, signatures)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Telegram bot tokens look like 123456:ABC-…; they also appear inside Bot API URLs.
_TOKEN_RE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
# `orderly-signature` headers, and `sign` in a private-stream auth event or URL query.
_SIGNATURE_RE = re.compile(
    r"((?:orderly-signature|\bsign)['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9+/_=-]+", re.I
)
_KEY_PREFIX = "ed25519:"  # a secret may be configured with it and used without it, or vice versa
REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    """Replaces known secrets and token-shaped strings in every record before it is written."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        variants = {v for s in secrets for v in (s, s.removeprefix(_KEY_PREFIX)) if v}
        self._secrets = sorted({v for v in variants if len(v) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _TOKEN_RE.sub(REDACTED, text)
        return _SIGNATURE_RE.sub(lambda m: m.group(1) + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message, broken = record.getMessage(), False
        except Exception:  # a bad format must neither raise at the call site nor print raw args
            message, broken = f"{record.msg} {record.args!r}", True
        cleaned = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if broken or cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once, quiet chatty libraries, and redact secrets everywhere."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every URL at INFO, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "websockets", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
