"""Logging set-up with a filter that redacts secrets (bot token, Orderly secret, signatures)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Telegram bot tokens look like 123456:ABC-…; they also appear inside Bot API URLs.
_TOKEN_RE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
_SIGNATURE_RE = re.compile(r"(orderly-signature['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9+/_=-]+", re.I)
REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    """Replaces known secrets and token-shaped strings in every record before it is written."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _TOKEN_RE.sub(REDACTED, text)
        return _SIGNATURE_RE.sub(lambda m: m.group(1) + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if cleaned != message:
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
