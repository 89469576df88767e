"""The small typed error tree. Every error carries data; only render code turns it into prose.

    MarginDeskError
    ├── ConfigError                  bad or missing configuration (start-up; exit code 2)
    ├── StartupFailed                a service needed at start-up cannot be reached (exit 1)
    ├── UserInputError(usage)        a command the user typed is not valid; nothing was done
    └── ExchangeError                anything the exchange (or the way to it) did wrong
        ├── ExchangeUnavailable      timeout, connection error, 5xx: a read may be retried
        │   └── OutcomeUnknown       a write whose answer never came; NEVER retried blindly
        ├── RateLimited(retry_after) HTTP 429 / -1003
        └── ExchangeRejected(code, message)   the error envelope
            └── AuthFailed           -1001 / -1002 / bad timestamp or signature
"""

from __future__ import annotations

# Plain-language reasons for the codes a trader meets (orderly-api.md §3).
EXPLANATIONS: dict[int, str] = {
    -1000: "the exchange hit an unknown error or the data does not exist",
    -1001: "the API key or secret is in the wrong format",
    -1002: "the API key is invalid, expired, revoked or lacks the needed scope",
    -1003: "too many requests; wait a moment and try again",
    -1004: "the exchange did not recognise a parameter",
    -1005: "a parameter is in the wrong format",
    -1006: "not found (already cancelled or filled?)",
    -1007: "duplicate: an open order already uses that client order id",
    -1011: "the exchange had an internal network error; try again in a few seconds",
    -1012: "the exchange refused it internally; the account may be in liquidation",
    -1101: "not enough margin after this change (risk too high)",
    -1102: "order value is below the minimum notional",
    -1103: "price outside the allowed range or not on the price tick",
    -1104: "quantity outside the allowed range or not on the size step",
    -1105: "price too far from the mark price",
    2: "the request timestamp expired (clock skew)",
    3: "the request signature is invalid",
}

AUTH_CODES = frozenset({-1001, -1002, 2, 3, 9})


class MarginDeskError(Exception):
    """Base of every error Margin Desk raises on purpose."""


class ConfigError(MarginDeskError):
    """Configuration is missing or invalid; the message says what and how to fix it."""


class StartupFailed(MarginDeskError):
    """A service the bot needs cannot be reached at start-up; the message says which and how
    to check (never a secret: the Bot API URL is shown without the token)."""


class UserInputError(MarginDeskError):
    """The user's input is invalid. `reason` is specific; `usage` is the command's usage line."""

    def __init__(self, reason: str, usage: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage


class ExchangeError(MarginDeskError):
    """Something went wrong talking to the exchange."""


class ExchangeUnavailable(ExchangeError):
    """The exchange did not answer usefully (timeout, connection error, HTTP 5xx)."""


class OutcomeUnknown(ExchangeUnavailable):
    """A write was sent but no answer came: it may or may not have been applied.

    Callers must reconcile by reading state back; the client never retries it.
    """

    def __init__(self, method: str, path: str, cause: str) -> None:
        super().__init__(f"{method} {path}: no answer ({cause}); outcome unknown")
        self.method = method
        self.path = path
        self.cause = cause


class RateLimited(ExchangeError):
    """HTTP 429 or code -1003. retry_after is in seconds (a best estimate when not given)."""

    def __init__(self, retry_after: float, message: str = "rate limit exceeded") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ExchangeRejected(ExchangeError):
    """The exchange answered with its error envelope."""

    def __init__(self, code: int, message: str, http_status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status

    @property
    def explanation(self) -> str:
        """A plain-language reason, e.g. '-1101: not enough margin after this change'."""
        reason = EXPLANATIONS.get(self.code, self.message or "rejected by the exchange")
        return f"{self.code}: {reason}"


class AuthFailed(ExchangeRejected):
    """The exchange refused the key, signature or timestamp."""
