"""Commands of the liquidation alerts: /alert (show, set, on/off), /snooze and /limits.

Thin: parse (already done) → AlertService (services.extras["alerts"]) → render → reply. After a
change the monitor is told through the optional services.extras["on_alert_settings_changed"].
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from bot.handlers import errors
from bot.handlers.alerts import settings_text as rs
from bot.handlers.command_types import (
    AlertSet,
    AlertShow,
    AlertToggle,
    Limits,
    Off,
    Snooze,
)
from bot.handlers.context import Ctx
from bot.services.monitor.alert_views import KEEP, Keep
from bot.services.monitor.alerts import AlertService

ALERTS_KEY = "alerts"  # services.extras: the AlertService
SETTINGS_HOOK = "on_alert_settings_changed"  # services.extras: callable(chat_id), maybe async

Handler = Callable[[Ctx, Any], Awaitable[None]]


def alerts_of(c: Ctx) -> AlertService | None:
    """The alert service, when the feature is installed."""
    service = c.services.extras.get(ALERTS_KEY)
    return service if isinstance(service, AlertService) else None


async def settings_changed(c: Ctx) -> None:
    """Tell the monitor this chat's thresholds, on/off or snooze changed (if it listens)."""
    hook = c.services.extras.get(SETTINGS_HOOK)
    if hook is not None:
        result = hook(c.chat_id)
        if inspect.isawaitable(result):
            await result


def _needs_alerts(run: Callable[[Ctx, Any, AlertService], Awaitable[None]]) -> Handler:
    async def handler(c: Ctx, cmd: Any) -> None:
        service = alerts_of(c)
        if service is None:
            await c.reply(errors.not_available("This command"))
            return
        await run(c, cmd, service)

    handler.__name__ = handler.__qualname__ = run.__name__
    handler.__doc__ = run.__doc__
    return handler


@_needs_alerts
async def alert_show(c: Ctx, cmd: AlertShow, service: AlertService) -> None:
    """/alert: thresholds and every isolated position's distance to liquidation."""
    await c.reply(rs.overview(await service.overview(c.chat_id)))


@_needs_alerts
async def alert_set(c: Ctx, cmd: AlertSet, service: AlertService) -> None:
    """/alert default|SYMBOL WARN [CRITICAL]."""
    change = await service.set_thresholds(c.chat_id, cmd.symbol, cmd.warn_pct, cmd.critical_pct)
    t = change.thresholds
    c.audit("alert", {"symbol": change.symbol or "default", "warn_pct": str(t.warn_pct),
                      "critical_pct": str(t.critical_pct)}, "done")
    await settings_changed(c)
    await c.reply(rs.thresholds_set(change))


@_needs_alerts
async def alert_toggle(c: Ctx, cmd: AlertToggle, service: AlertService) -> None:
    """/alert SYMBOL on|off."""
    change = await service.set_enabled(c.chat_id, cmd.symbol, cmd.enabled)
    c.audit("alert", {"symbol": change.symbol, "enabled": cmd.enabled}, "done")
    await settings_changed(c)
    await c.reply(rs.toggled(change))


@_needs_alerts
async def snooze(c: Ctx, cmd: Snooze, service: AlertService) -> None:
    """/snooze SYMBOL DURATION|off."""
    result = await service.snooze(c.chat_id, cmd.symbol, cmd.seconds)
    c.audit("snooze", {"symbol": result.symbol, "seconds": cmd.seconds}, "done")
    await settings_changed(c)
    await c.reply(rs.snoozed(result))


def _cap(value: Decimal | Off | None) -> Decimal | Keep | None:
    """Parsed cap -> service cap: not given keeps it, `off` switches it off."""
    return KEEP if value is None else None if isinstance(value, Off) else value


@_needs_alerts
async def limits(c: Ctx, cmd: Limits, service: AlertService) -> None:
    """/limits [PER_ACTION|off] [PER_DAY|off]."""
    if cmd.is_show:
        await c.reply(rs.limits(await service.limits(c.chat_id)))
        return
    view = await service.set_limits(c.chat_id, _cap(cmd.per_action), _cap(cmd.per_day))
    c.audit("limits", {"per_action": str(view.per_action or "off"),
                       "per_day": str(view.per_day or "off")}, "done")
    await c.reply(rs.limits(view, changed=True))
