"""Settings -> a connected exchange: the embedded paper exchange or Orderly testnet/mainnet."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config import Network, Settings
from bot.errors import ConfigError
from bot.orderly.client import OrderlyClient
from bot.orderly.signing import Signer
from bot.timing import DEFAULT_TIMINGS, Clock, SystemClock, Timings

if TYPE_CHECKING:
    from bot.paper.runner import PaperExchange


@dataclass(frozen=True)
class ExchangeLink:
    """Everything needed to talk to one exchange account."""

    network: Network
    client: OrderlyClient
    signer: Signer
    ws_public_url: str | None  # full URL incl. the account id; None when WebSocket is off
    ws_private_url: str | None
    paper: PaperExchange | None = None  # the embedded exchange, in paper mode


def signer_from_settings(settings: Settings) -> Signer:
    """The request signer for the configured account; ConfigError names what is missing."""
    missing = [
        name
        for name, value in (
            ("ORDERLY_ACCOUNT_ID", settings.orderly_account_id),
            ("ORDERLY_KEY", settings.orderly_key),
            ("ORDERLY_SECRET", settings.orderly_secret),
        )
        if not value
    ]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)} not set: required for ORDERLY_NETWORK="
            f"{settings.orderly_network.value} (see README, Configuration)"
        )
    assert settings.orderly_account_id and settings.orderly_key and settings.orderly_secret
    return Signer(
        settings.orderly_account_id,
        settings.orderly_key,
        settings.orderly_secret.get_secret_value(),
    )


def _with_account(base: str | None, account_id: str) -> str | None:
    return f"{base.rstrip('/')}/{account_id}" if base else None


@asynccontextmanager
async def exchange_link(
    settings: Settings,
    *,
    clock: Clock | None = None,
    timings: Timings = DEFAULT_TIMINGS,
    simulate_market: bool = True,
) -> AsyncIterator[ExchangeLink]:
    """Open the exchange the settings name; in paper mode start the embedded one on loopback."""
    clock = clock or SystemClock()
    if settings.is_paper and not settings.orderly_base_url:
        from bot.paper.runner import PaperExchange

        data_dir = settings.bot_db_path.parent
        try:
            exchange = PaperExchange(
                data_dir=data_dir,
                start_balance=settings.paper_start_balance,
                simulate_market=simulate_market,
            )
        except (OSError, sqlite3.Error) as exc:  # the paper state lives beside the database
            raise ConfigError(
                f"the paper exchange cannot keep its state in {data_dir} ({exc}); "
                "check BOT_DB_PATH and permissions"
            ) from None
        async with exchange as paper:
            signer = paper.credentials.signer()
            ws_on = settings.websocket_enabled
            client = OrderlyClient(paper.base_url, signer, clock=clock, timings=timings)
            async with client:
                yield ExchangeLink(
                    settings.orderly_network,
                    client,
                    signer,
                    _with_account(paper.ws_public_url, signer.account_id) if ws_on else None,
                    _with_account(paper.ws_private_url, signer.account_id) if ws_on else None,
                    paper,
                )
        return
    base = settings.rest_url()
    if base is None:
        raise ConfigError("ORDERLY_BASE_URL is required with ORDERLY_NETWORK=paper and a served "
                          "paper exchange")
    signer = signer_from_settings(settings)
    async with OrderlyClient(base, signer, clock=clock, timings=timings) as client:
        yield ExchangeLink(
            settings.orderly_network,
            client,
            signer,
            _with_account(settings.ws_public_url(), signer.account_id),
            _with_account(settings.ws_private_url(), signer.account_id),
        )
