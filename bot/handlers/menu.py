"""The command menu: every command this version runs, with its one-line description. Pure data.

register.py installs it (setMyCommands) and /help lists only these names, so neither has to
import the other: a parsed-but-unregistered feature is never advertised.
"""

from __future__ import annotations

# The menu registered with setMyCommands (name, description), in the order shown.
MENU: list[tuple[str, str]] = [
    ("menu", "buttons for positions, balance, orders, alerts"),
    ("positions", "every open position"),
    ("position", "one position with every isolated figure"),
    ("balance", "USDC holding, free collateral, isolated margin"),
    ("buy", "buy (market, or limit with a price)"),
    ("sell", "sell (market, or limit with a price)"),
    ("close", "close a position or a percentage of it"),
    ("tp", "take-profit on a position (mark trigger)"),
    ("sl", "stop-loss on a position, warned if beyond liq"),
    ("tpsl", "take-profit and stop-loss, one cancels the other"),
    ("stop", "stop order: buy above / sell below the mark"),
    ("margin", "add or reduce isolated margin"),
    ("leverage", "show or set leverage per margin mode"),
    ("mode", "show or set a symbol's default margin mode"),
    ("orders", "open orders with Cancel buttons"),
    ("cancel", "cancel an order, or all"),
    ("alert", "liquidation alert levels and distances"),
    ("limits", "caps on one-tap margin top-ups"),
    ("snooze", "pause alert reminders for a position"),
    ("notify", "which notices arrive; quiet hours"),
    ("pnl", "realized PnL, fees, funding: today, 7d, 30d"),
    ("daily", "a morning summary at your local time"),
    ("tz", "your time zone for /pnl and /daily"),
    ("risk", "risk budget: margin at stake, equity share, cross"),
    ("budget", "cap the isolated margin a symbol may hold"),
    ("chart", "picture of the mark path with liq and zones"),
    ("status", "exchange, clock skew, feed, version"),
    ("history", "recent actions and their outcomes"),
    ("help", "every command with an example"),
    ("start", "welcome: mode, account, your user id"),
]


def available_commands() -> set[str]:
    """Names of the commands this version runs (what /help may list)."""
    return {name for name, _ in MENU}
