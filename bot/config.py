"""Settings from the environment and an optional .env file: the only reader of the environment."""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.runtime.checkpoints import STEPS
from bot.timing import DEFAULT_TIMINGS, Timings, with_overrides


class Network(StrEnum):
    PAPER = "paper"
    TESTNET = "testnet"
    MAINNET = "mainnet"


REST_URLS = {
    Network.MAINNET: "https://api.orderly.org",
    Network.TESTNET: "https://testnet-api.orderly.org",
}
_USER_ID = re.compile(r"[0-9]{1,20}")
# Telegram's rule for a webhook secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# A served paper exchange (`margin-desk paper-exchange`) has its streams on the REST host.
PAPER_WS_PATHS = ("/ws/stream", "/v2/ws/private/stream")
WS_PUBLIC_URLS = {
    Network.MAINNET: "wss://ws-evm.orderly.org/ws/stream",
    Network.TESTNET: "wss://testnet-ws-evm.orderly.org/ws/stream",
}
WS_PRIVATE_URLS = {
    Network.MAINNET: "wss://ws-private-evm.orderly.org/v2/ws/private/stream",
    Network.TESTNET: "wss://testnet-ws-private-evm.orderly.org/v2/ws/private/stream",
}


class Settings(BaseSettings):
    """Margin Desk configuration (README lists every variable)."""

    # An empty value (`NAME=` in .env or `docker run --env-file`) means "not set": the default.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Webhook mode (instead of long polling) when the public URL is set; see docs/deployment.md.
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8080, gt=0, lt=65536)
    telegram_webhook_secret: SecretStr | None = None
    bot_allowed_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    bot_db_path: Path = Path("data/margin-desk.db")

    orderly_network: Network = Network.PAPER
    orderly_account_id: str | None = None
    orderly_key: str | None = None
    orderly_secret: SecretStr | None = None
    orderly_base_url: str | None = None
    orderly_ws_public_url: str | None = None
    orderly_ws_private_url: str | None = None

    monitor_poll_seconds: float = Field(default=5.0, gt=0)
    paper_start_balance: int = Field(default=10_000, gt=0)
    log_level: str = "INFO"
    # `name=value,…` over bot/timing.py (rehearsals and the crash tests); empty = the defaults
    bot_timings: str = ""
    test_pause_at: str | None = None  # crash tests only (bot/runtime/checkpoints.py); never set it

    @field_validator("test_pause_at")
    @classmethod
    def _known_step(cls, value: str | None) -> str | None:
        if value is not None and value not in STEPS:
            raise ValueError(f"TEST_PAUSE_AT must be one of {', '.join(STEPS)}")
        return value

    @model_validator(mode="after")
    def _valid_timings(self) -> Settings:
        timings = self.timings()  # ValueError -> a configuration error naming BOT_TIMINGS
        if not self.is_paper and timings.max_clock_skew_ms < DEFAULT_TIMINGS.max_clock_skew_ms:
            # Orderly's window is 300 s: settling sooner could call a request that still
            # lands "failed"
            raise ValueError("BOT_TIMINGS may lower max_clock_skew_ms only with "
                             "ORDERLY_NETWORK=paper")
        return self

    def timings(self) -> Timings:
        """Every timeout and interval: the defaults with BOT_TIMINGS applied."""
        try:
            return with_overrides(DEFAULT_TIMINGS, self.bot_timings)
        except ValueError as exc:
            raise ValueError(f"BOT_TIMINGS: {exc}") from None

    @field_validator("bot_allowed_user_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            # int() alone would also take "1_000", "+5" or non-ASCII digits
            bad = [p for p in parts if not _USER_ID.fullmatch(p)]
            if bad:
                raise ValueError(
                    "BOT_ALLOWED_USER_IDS must be comma-separated numeric Telegram user ids, "
                    f"not {bad[0]!r}"
                )
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value.strip()):
            raise ValueError("TELEGRAM_WEBHOOK_URL must be the public https://host/path URL")
        return value.strip() if value is not None else None

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        return value

    def webhook_secret(self) -> str | None:
        """The secret_token Telegram must send with every webhook request: the configured one,
        else one derived from the bot token (stable across restarts, never stored)."""
        if self.telegram_webhook_secret is not None:
            return self.telegram_webhook_secret.get_secret_value()
        if self.telegram_bot_token is None:
            return None
        token = self.telegram_bot_token.get_secret_value().encode()
        return hmac.new(token, b"margin-desk webhook secret_token", hashlib.sha256).hexdigest()

    @field_validator("orderly_network", mode="before")
    @classmethod
    def _lower_network(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def is_paper(self) -> bool:
        return self.orderly_network is Network.PAPER

    def rest_url(self) -> str | None:
        """REST base for a real network (None in paper mode unless overridden)."""
        if self.orderly_base_url:
            return self.orderly_base_url.strip().rstrip("/")
        return REST_URLS.get(self.orderly_network)

    def ws_public_url(self) -> str | None:
        """Public stream base (account id appended later); None when WebSocket is off."""
        return self._ws(self.orderly_ws_public_url, WS_PUBLIC_URLS, PAPER_WS_PATHS[0])

    def ws_private_url(self) -> str | None:
        """Private stream base (account id appended later); None when WebSocket is off."""
        return self._ws(self.orderly_ws_private_url, WS_PRIVATE_URLS, PAPER_WS_PATHS[1])

    def _ws(self, override: str | None, table: dict[Network, str], paper_path: str) -> str | None:
        if not self.websocket_enabled:
            return None
        if override is not None and override.strip():
            return override.strip().rstrip("/")
        if self.is_paper and self.orderly_base_url:
            base = self.orderly_base_url.strip().rstrip("/")
            return re.sub(r"^http", "ws", base, count=1) + paper_path
        return table.get(self.orderly_network)

    @property
    def websocket_enabled(self) -> bool:
        off = {"off"}
        return not (
            (self.orderly_ws_public_url or "").strip().lower() in off
            or (self.orderly_ws_private_url or "").strip().lower() in off
        )
