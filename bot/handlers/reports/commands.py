"""/pnl, /daily and /tz: thin — parsed command → PnlService (services.extras["pnl"]) → render."""

from __future__ import annotations

from bot.errors import UserInputError
from bot.handlers import errors
from bot.handlers.command_types import OFF, Daily, Pnl, TimeZone
from bot.handlers.context import Ctx
from bot.handlers.parsing import USAGE
from bot.handlers.reports import render as render_pnl
from bot.services.reports.pnl import PNL_KEY, PnlService
from bot.timing import now_ms


def _service(c: Ctx) -> PnlService | None:
    found = c.services.extras.get(PNL_KEY)
    return found if isinstance(found, PnlService) else None


async def pnl(c: Ctx, cmd: Pnl) -> None:
    service = _service(c)
    if service is None:
        await c.reply(errors.not_available("/pnl"))
        return
    report = await service.report(c.chat_id, cmd.span, cmd.symbol)
    await c.reply(render_pnl.pnl_report(report, await service.zone(c.chat_id)))


async def daily(c: Ctx, cmd: Daily) -> None:
    service = _service(c)
    if service is None:
        await c.reply(errors.not_available("/daily"))
        return
    zone = await service.zone(c.chat_id)
    if cmd.at is None:
        await c.reply(render_pnl.daily_settings(await service.daily(c.chat_id), zone))
        return
    if cmd.at is OFF:
        await service.daily_off(c.chat_id)
        c.audit("daily", {"at": "off"}, "done")
        await c.reply(render_pnl.daily_settings(None, zone, changed=True))
        return
    schedule = await service.set_daily(c.chat_id, cmd.at)
    c.audit("daily", {"at": f"{cmd.at:%H:%M}", "zone": zone.key}, "done")
    await c.reply(render_pnl.daily_settings(schedule, zone, changed=True))


async def tz(c: Ctx, cmd: TimeZone) -> None:
    service = _service(c)
    if service is None:
        await c.reply(errors.not_available("/tz"))
        return
    now = now_ms(c.services.clock)
    if cmd.zone is None:
        await c.reply(render_pnl.zone_settings(await service.zone(c.chat_id), now))
        return
    try:
        zone = await service.set_zone(c.chat_id, cmd.zone)
    except UserInputError as exc:  # a clear reply with the usage line; nothing was stored
        raise UserInputError(exc.reason, USAGE["tz"]) from None
    c.audit("tz", {"zone": zone.key}, "done")
    await c.reply(render_pnl.zone_settings(zone, now, changed=True))
