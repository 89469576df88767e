"""Logging set-up with a filter that redacts secrets (bot token, Orderly secret, signatures).

Every way text reaches stderr goes through the same redaction: log records (messages, arguments,
tracebacks, stack info), sys.stderr itself (a wrapper, for anything printed), and the hooks for
exceptions nobody caught (sys.excepthook, threading.excepthook, the asyncio loop's handler),
which log through the redacting handler instead of printing a raw traceback.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import quote

# Telegram bot tokens look like 123456:ABC-…; they also appear inside Bot API URLs.
_TOKEN_RE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
# `orderly-signature` headers, and `sign` in a private-stream auth event or URL query.
_SIGNATURE_RE = re.compile(
    r"((?:orderly-signature|\bsign)['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9+/_=-]+", re.I
)
_KEY_PREFIX = "ed25519:"  # a secret may be configured with it and used without it, or vice versa
REDACTED = "[redacted]"


def _variants(secret: str) -> set[str]:
    """The ways a secret can be written out: as configured, without `ed25519:`, a bot token's
    secret half (after "id:"), and each of those URL-encoded (a token inside a URL)."""
    plain = {secret, secret.removeprefix(_KEY_PREFIX), secret.partition(":")[2]}
    return plain | {quote(v, safe="") for v in plain} | {quote(v) for v in plain}


class RedactingFilter(logging.Filter):
    """Replaces known secrets and token-shaped strings in every record before it is written."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted(
            {v for s in secrets if s for v in _variants(s) if len(v) >= 6}, key=len, reverse=True
        )

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
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        if broken or cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingStream:
    """A text stream (sys.stderr) that redacts each write; everything else is the inner one's."""

    def __init__(self, inner: TextIO, redactor: RedactingFilter) -> None:
        self.inner = inner
        self.redactor = redactor

    def write(self, text: str) -> int:
        self.inner.write(self.redactor.redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_crash_log = logging.getLogger("margin_desk.crash")
_redactor = RedactingFilter()  # replaced by setup_logging once the secrets are known


def redact(text: str) -> str:
    """Text with every known secret and token-shaped string replaced (for printed output)."""
    return _redactor.redact(text)


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once, quiet chatty libraries, and redact secrets everywhere:
    log records, sys.stderr, and exceptions nobody caught (in any thread)."""
    global _redactor
    _redactor = RedactingFilter(secrets)
    if isinstance(sys.stderr, RedactingStream):
        sys.stderr.redactor = _redactor
    else:
        sys.stderr = RedactingStream(sys.stderr, _redactor)  # type: ignore[assignment]
    handler = logging.StreamHandler()  # writes to the (redacting) sys.stderr of the moment
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every URL at INFO, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "websockets", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread


def _uncaught(
    kind: type[BaseException], error: BaseException, tb: TracebackType | None
) -> None:
    """sys.excepthook: an exception nobody caught, logged (redacted) instead of printed raw."""
    if issubclass(kind, KeyboardInterrupt):
        return
    _crash_log.critical("stopped on an unexpected error", exc_info=(kind, error, tb))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    _crash_log.error("thread %s stopped on an unexpected error", name,
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # fmt: skip


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's handler for errors no task awaited: logged, redacted, without the
    reprs of futures and handles (their arguments may hold secrets)."""
    error = context.get("exception")
    message = context.get("message") or "unhandled error in the event loop"
    if isinstance(error, BaseException):
        _crash_log.error("%s", message, exc_info=(type(error), error, error.__traceback__))
    else:
        _crash_log.error("%s", message)
