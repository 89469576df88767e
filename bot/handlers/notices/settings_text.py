"""The /notify screen as Telegram HTML (every value escaped). Pure."""

from __future__ import annotations

from bot.domain.notices import NOTICE_SWITCHES, NoticePrefs, NoticeSwitch
from bot.handlers.fmt import esc

LABELS: dict[NoticeSwitch, str] = {
    NoticeSwitch.FILLS: "Fills",
    NoticeSwitch.ORDERS: "Orders",
    NoticeSwitch.REMINDERS: "Reminders",
    NoticeSwitch.DAILY: "Daily",
    NoticeSwitch.DEGRADED: "Feed",
}
_WHAT: dict[NoticeSwitch, str] = {
    NoticeSwitch.FILLS: "Fills of orders (audible)",
    NoticeSwitch.ORDERS: "Orders cancelled or rejected by the exchange, liquidation trades",
    NoticeSwitch.REMINDERS: "Alert reminders while a position stays in its level",
    NoticeSwitch.DAILY: "The daily summary (/daily)",
    NoticeSwitch.DEGRADED: "Feed health: monitoring lost or regained fresh prices",
}


def notify_settings(prefs: NoticePrefs, tz_name: str, changed: bool = False) -> str:
    """/notify: each switch, the quiet hours, and what is never muted."""
    head = "✅ Notifications updated." if changed else "<b>Notifications</b>"
    lines = [head]
    for switch in NOTICE_SWITCHES:
        state = "on" if prefs.allows(switch) else "off"
        lines.append(f"{esc(_WHAT[switch])}: <b>{state}</b>")
    if prefs.quiet is None:
        lines.append("Quiet hours: <b>none</b>")
    else:
        lines.append(f"Quiet hours: <b>{esc(prefs.quiet.text)}</b> ({esc(tz_name)}): "
                     "notices arrive without a sound")
    lines += [
        "<i>First alerts, escalations and deepenings always arrive, and critical alerts "
        "always ring, even in quiet hours.</i>",
        "<i>Change with the buttons, /notify reminders off, /notify quiet 23:00-07:00 or "
        "/notify quiet off</i>",
    ]
    return "\n".join(lines)
