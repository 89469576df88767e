"""Telegram's side of a webhook: after setWebhook, updates are POSTed to the bot's URL, in order,
with the X-Telegram-Bot-Api-Secret-Token header; one that is not answered 200 is retried.

Unlike Telegram, plain http and any port are accepted (the bot's server runs on loopback in tests).
`post` also sends one update with any header (or none): how a test forges a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.botapi.updates import UpdateQueue

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_DELAY = 0.5  # seconds before an update the bot refused or never answered is sent again


@dataclass
class Delivery:
    """One POST to the webhook: which update, with which secret, and the HTTP status (0: no
    answer)."""

    update_id: int | None
    secret: str | None = field(repr=False)
    status: int


class WebhookSender:
    """Delivers the update queue to the webhook URL while one is set."""

    def __init__(self, updates: UpdateQueue) -> None:
        self._updates = updates
        self.url = ""
        self.secret_token: str | None = None
        self.deliveries: list[Delivery] = []
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    def info(self) -> dict[str, Any]:
        """What getWebhookInfo reports."""
        failed = [d for d in self.deliveries if d.status != 200]
        body: dict[str, Any] = {
            "url": self.url, "has_custom_certificate": False,
            "pending_update_count": len(self._updates.pending),
        }  # fmt: skip
        if self.active and failed:
            body["last_error_message"] = f"Wrong response from the webhook: {failed[-1].status}"
        return body

    async def set(self, url: str, secret_token: str | None) -> None:
        """Start (or re-point) delivery to url."""
        self.url, self.secret_token = url, secret_token
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._deliver(), name="webhook-delivery")

    async def delete(self) -> None:
        """Stop delivering; queued updates wait for getUpdates or the next setWebhook."""
        self.url, self.secret_token = "", None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def aclose(self) -> None:
        await self.delete()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def post(self, update: dict[str, Any], secret: str | None) -> int:
        """POST one update to the webhook URL with `secret` in the header (None: no header);
        returns the HTTP status, 0 when the bot did not answer."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0, trust_env=False)
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        try:
            response = await self._client.post(self.url, content=json.dumps(update),
                                               headers=headers)  # fmt: skip
            status = response.status_code
        except httpx.HTTPError as exc:
            log.debug("webhook delivery failed: %s", type(exc).__name__)
            status = 0
        self.deliveries.append(Delivery(update.get("update_id"), secret, status))
        return status

    async def _deliver(self) -> None:
        while self.active:
            update = await self._updates.first(wait=1.0)
            if update is None or not self.active:
                continue
            if await self.post(update, self.secret_token) == 200:
                self._updates.ack(update["update_id"])
            else:
                await asyncio.sleep(RETRY_DELAY)
