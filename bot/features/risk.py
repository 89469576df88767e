"""The risk budget and pictures feature's wiring: its services, the budget's cap on top-ups (the
alert's Add amount and every press), and the mark history fed from the monitor.

    risk = install_risk(runtime.services, monitor)   # after install_alerts, before start()
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from bot.charts.renderer import ChartRenderer
from bot.domain.topup import TopupSuggestion
from bot.errors import MarginDeskError
from bot.handlers.alerts.commands import ALERTS_KEY
from bot.handlers.context import Services
from bot.handlers.risk.commands import CHARTS_KEY, RISK_KEY
from bot.services.monitor.alerts import AlertService
from bot.services.monitor.monitor import Monitor
from bot.services.risk.budget import RiskService
from bot.services.risk.charts import ChartService
from bot.services.risk.history import MarkRecorder
from bot.services.trading.actions import MARGIN, TOPUP

log = logging.getLogger(__name__)
FINISH_TIMEOUT = 10.0  # seconds a stopping bot waits for pictures still being drawn


@dataclass
class RiskFeature:
    risk: RiskService
    charts: ChartService
    history: MarkRecorder
    renderer: ChartRenderer

    def record_mark(self, symbol: str, price: Decimal, now: float) -> None:
        try:
            self.history.record(symbol, price, now)
        except Exception:  # the chart history must never disturb the monitor
            log.exception("recording the mark history failed")

    async def finish(self, grace: float = FINISH_TIMEOUT) -> None:
        """Let pictures being drawn reach the notifier (at most `grace` s), cancel the rest."""
        await self.charts.wait_background(grace)
        self.charts.cancel_background()

    def close(self) -> None:
        """Queue the last points (before the storage closes) and stop the drawing thread."""
        self.charts.cancel_background()
        self.history.flush()
        self.renderer.close()


def install_risk(services: Services, monitor: Monitor | None) -> RiskFeature:
    """Build the services into services.extras, cap top-ups by the budget, follow the marks."""
    storage = services.storage
    risk = RiskService(storage, services.trading, services.markets, services.clock)
    history, renderer = MarkRecorder(storage), ChartRenderer()
    charts = ChartService(storage, history, services.trading, services.markets, renderer,
                          services.clock)  # fmt: skip
    services.extras[RISK_KEY], services.extras[CHARTS_KEY] = risk, charts
    for kind in (MARGIN, TOPUP):
        services.approvals.add_precheck(kind, risk.check_press)
    alerts = services.extras.get(ALERTS_KEY)
    if isinstance(alerts, AlertService):
        alerts.budget_left = risk.left

        async def topup(chat_id: int, symbol: str) -> TopupSuggestion | None:
            try:
                return (await alerts.quote_topup(chat_id, symbol))[1]
            except MarginDeskError:
                return None  # the chart goes without the top-up target

        charts.topup = topup
    feature = RiskFeature(risk, charts, history, renderer)
    if monitor is not None:
        monitor.mark_listeners.append(feature.record_mark)
    return feature
