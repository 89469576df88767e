"""EngineError lives here so engine internals can raise it; bot.paper.engine re-exports it."""

from __future__ import annotations


class EngineError(Exception):
    """An Orderly-style refusal: code, message and the HTTP status Orderly uses for it."""

    def __init__(self, code: int, message: str, http_status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
