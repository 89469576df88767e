"""Helpers for the paper-server tests: an app on a FakeClock and a signing HTTP caller."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from bot.orderly.jsoncodec import dumps, loads
from bot.orderly.signing import Signer, message
from bot.paper.credentials import issue
from bot.paper.engine import PaperEngine
from bot.paper.server import create_app
from bot.paper.symbol_table import default_markets
from bot.timing import FakeClock, now_ms


class Desk:
    """One paper account on an ASGI app: signs requests exactly as Orderly clients do."""

    def __init__(self, limits: dict[tuple[str, str], tuple[int, float]] | None = None) -> None:
        self.clock = FakeClock()
        self.engine = PaperEngine(default_markets(), self.clock)
        self.creds = issue(self.clock)
        self.engine.create_account(self.creds.account_id, Decimal(10_000))
        self.engine.add_key(self.creds.key_record())
        self.engine.drain_events()
        self.saves = 0
        self.app = create_app(self.engine, self.clock, persist=self._persist, limits=limits)
        self.signer: Signer = self.creds.signer()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://paper"
        )

    def _persist(self) -> None:
        self.saves += 1

    async def call(
        self, method: str, path: str, body: Any = None, *, query: str = "",
        urlsafe: bool = True, ts: int | None = None, signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A signed private request; body is serialised once and those bytes are signed."""
        text = body if isinstance(body, str) else ("" if body is None else dumps(body))
        stamp = now_ms(self.clock) if ts is None else ts
        full = f"{path}?{query}" if query else path
        hdrs = {
            "orderly-timestamp": str(stamp),
            "orderly-account-id": self.creds.account_id,
            "orderly-key": self.creds.orderly_key,
            "orderly-signature": signature
            or self.signer.sign(message(stamp, method, full, text), urlsafe=urlsafe),
            "Content-Type": "application/json" if text else "application/x-www-form-urlencoded",
        }
        hdrs.update(headers or {})
        return await self.http.request(method, full, content=text.encode(), headers=hdrs)

    async def ok(self, method: str, path: str, body: Any = None, *, query: str = "") -> Any:
        """The `data` of a successful signed call (asserts success)."""
        response = await self.call(method, path, body, query=query)
        payload = loads(response.text)
        assert response.status_code == 200 and payload["success"] is True, response.text
        return payload.get("data")

    async def public(self, path: str) -> httpx.Response:
        return await self.http.get(path)


def error_of(response: httpx.Response) -> tuple[int, int]:
    """(HTTP status, Orderly code) of an error envelope."""
    payload = loads(response.text)
    assert payload["success"] is False and isinstance(payload["message"], str)
    return response.status_code, payload["code"]
