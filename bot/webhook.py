"""Webhook mode: where PTB's webhook server listens and what it tells Telegram in setWebhook.

Behind a reverse proxy (docs/deployment.md): Telegram posts to TELEGRAM_WEBHOOK_URL, the proxy
forwards to TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT on the URL's own path, and PTB refuses
(403, nothing runs) every request whose X-Telegram-Bot-Api-Secret-Token header is not the secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.config import Settings
from bot.errors import ConfigError


@dataclass(frozen=True)
class Webhook:
    """One webhook server: public URL, listen address and port, path, secret (never shown)."""

    url: str
    listen: str
    port: int
    path: str
    secret: str = field(repr=False)

    @property
    def local_url(self) -> str:
        """Where the server answers on this machine (what the proxy forwards to)."""
        host = "127.0.0.1" if self.listen in ("", "0.0.0.0") else self.listen
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/{self.path}"


def webhook_from_settings(settings: Settings, *, requested: bool) -> Webhook | None:
    """The webhook to serve: when TELEGRAM_WEBHOOK_URL is set (or --webhook asks and then it
    must be); None means long polling."""
    url = settings.telegram_webhook_url
    if not url:
        if requested:
            raise ConfigError(
                "--webhook needs TELEGRAM_WEBHOOK_URL, the public https URL Telegram posts to "
                "(see docs/deployment.md)"
            )
        return None
    secret = settings.webhook_secret()
    if secret is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; `margin-desk demo` runs without one")
    return Webhook(
        url=url,
        listen=settings.telegram_webhook_listen.strip(),
        port=settings.telegram_webhook_port,
        path=urlsplit(url).path.strip("/"),
        secret=secret,
    )
