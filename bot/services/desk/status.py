"""What /status reports: mode, exchange reachability, clock skew, mark-feed age, watch count."""

from __future__ import annotations

from collections.abc import Callable

from bot import __version__
from bot.config import Settings
from bot.domain.views import StatusView
from bot.errors import ExchangeError
from bot.orderly.client import OrderlyClient
from bot.timing import Clock


class StatusService:
    def __init__(
        self,
        settings: Settings,
        client: OrderlyClient,
        account_id: str,
        clock: Clock,
        feed_age: Callable[[], float | None] = lambda: None,
        watched: Callable[[], int] = lambda: 0,
    ) -> None:
        self._settings = settings
        self._client = client
        self.account_id = account_id
        self._clock = clock
        # The monitor plugs these in; until it runs they report "no feed" and 0 positions.
        self.feed_age = feed_age
        self.watched = watched

    async def status(self) -> StatusView:
        try:
            info = await self._client.get_system_info()
            ok = not info.in_maintenance
            detail = "normal" if ok else f"maintenance: {info.msg}"
            skew: int | None = self._client.clock_skew_ms
        except ExchangeError as exc:
            ok, detail, skew = False, str(exc), None
        return StatusView(
            network=self._settings.orderly_network.value.upper(),
            account_id=self.account_id,
            exchange_ok=ok,
            exchange_detail=detail,
            clock_skew_ms=skew,
            mark_feed_age=self.feed_age(),
            positions_watched=self.watched(),
            version=__version__,
        )
