"""Every reply as Telegram HTML (parse_mode=HTML), each interpolated value escaped. Pure.

This module holds the welcome, help, status, history and error replies and re-exports the
account replies (account/render.py) and trading replies (trading/render.py), so callers need one
import: `from bot.handlers import render; render.positions(views)`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from bot.domain.views import StatusView
from bot.errors import (
    AuthFailed,
    ExchangeError,
    ExchangeRejected,
    RateLimited,
    UserInputError,
)
from bot.handlers.account.history import history
from bot.handlers.account.render import (
    balance,
    margin_hint,
    position,
    position_missing,
    positions,
)
from bot.handlers.fmt import esc
from bot.handlers.trading.render import (
    cancel_all_done,
    cancel_done,
    leverage_batch,
    leverage_pair,
    leverage_set,
    mode_set,
    mode_show,
    order_line,
    orders,
)

__all__ = [
    "balance", "cancel_all_done", "cancel_done", "exchange_error", "help_all", "help_one",
    "history", "html_to_text", "leverage_batch", "leverage_pair", "leverage_set",
    "margin_hint", "mode_set", "mode_show", "order_line", "orders", "position", "position_missing",
    "positions", "status", "stranger", "stranger_toast", "unavailable", "user_error", "welcome",
]

_NETWORKS = {
    "PAPER": "simulated exchange, no real money",
    "TESTNET": "Orderly testnet, test funds",
    "MAINNET": "⚠️ Orderly mainnet — REAL MONEY",
}
UNAVAILABLE = "The exchange did not answer; nothing was sent again. Try /status."


def welcome(network: str, account_id: str | None, user_id: int, allowed: bool) -> str:
    """The /start reply: mode, account, the user's id and whether they may use the bot."""
    net = network.upper()
    lines = [
        "<b>Margin Desk</b> — isolated-margin perps on Orderly, from your phone.",
        f"Mode: <b>{esc(net)}</b> ({esc(_NETWORKS.get(net, 'unknown network'))})",
        f"Account: <code>{esc(account_id)}</code>" if account_id else "Account: not set",
        f"Your Telegram user id: <code>{user_id}</code>",
        "✅ You are allowed to use this bot." if allowed
        else "⛔ You are not allowed yet: ask the owner to add your id to BOT_ALLOWED_USER_IDS.",
        "Send /help for the commands.",
    ]
    return "\n".join(lines)


def stranger(user_id: int | None) -> str:
    """The only reply a user outside BOT_ALLOWED_USER_IDS ever gets."""
    if user_id is None:
        return ("Margin Desk is private. Ask the owner to add your Telegram user id to "
                "BOT_ALLOWED_USER_IDS.")
    return (
        f"Margin Desk is private. Your Telegram user id is <code>{int(user_id)}</code>. "
        "Ask the owner to add it to BOT_ALLOWED_USER_IDS."
    )


def stranger_toast(user_id: int | None) -> str:
    """The same refusal as plain text for answerCallbackQuery (≤ 200 characters)."""
    return html_to_text(stranger(user_id))


def html_to_text(text: str) -> str:
    """Our own HTML as plain text: tags dropped, entities decoded (for toasts)."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def _usage_line(usage: str) -> str:
    """`/buy SYMBOL QTY — e.g. /buy ETH 0.1` with the syntax in <code>."""
    syntax, sep, example = usage.partition(" — ")
    return f"<code>{esc(syntax)}</code>" + (f" — {esc(example)}" if sep else "")


def help_all(usage: Mapping[str, str]) -> str:
    """Every command with its usage line and one example."""
    lines = ["<b>Commands</b> (a symbol may be eth, ETH-PERP or PERP_ETH_USDC)"]
    lines += [_usage_line(u) for u in usage.values()]
    lines.append("Send /help COMMAND for one of them.")
    return "\n".join(lines)


def help_one(command: str, usage: Mapping[str, str]) -> str:
    """One command's usage; an unknown command gets the list of known ones."""
    name = command.strip().lstrip("/").lower()
    if name in usage:
        return _usage_line(usage[name])
    known = ", ".join(f"/{c}" for c in usage)
    return f"There is no command /{esc(name)}. Commands: {esc(known)}"


def status(view: StatusView) -> str:
    """Mode, exchange reachability, clock skew, mark-feed age, positions watched, version."""
    reach = "✅ reachable" if view.exchange_ok else "❌ not reachable"
    skew = f"{view.clock_skew_ms:+d} ms" if view.clock_skew_ms is not None else "unknown"
    feed = "no mark price yet" if view.mark_feed_age is None else f"{view.mark_feed_age:.1f} s ago"
    account = f"<code>{esc(view.account_id)}</code>" if view.account_id else "not set"
    lines = [
        f"<b>Status</b> · <b>{esc(view.network.upper())}</b>",
        f"Exchange: {reach} ({esc(view.exchange_detail)})",
        f"Account: {account}",
        f"Clock skew: {skew}",
        f"Last mark price: {feed}",
        f"Positions watched: {view.positions_watched}",
        f"Version: {esc(view.version)}",
    ]
    return "\n".join(lines)


def user_error(exc: UserInputError) -> str:
    """`⚠️ Reason` and, when known, the command's usage line."""
    reason = exc.reason[:1].upper() + exc.reason[1:]
    text = f"⚠️ {esc(reason)}"
    if exc.usage and exc.usage.startswith("/"):
        text += f"\nUsage: {_usage_line(exc.usage)}"
    elif exc.usage:
        text += f"\n{esc(exc.usage[:1].upper() + exc.usage[1:])}."
    return text


def exchange_error(exc: ExchangeError) -> str:
    """A plain-language reason for an exchange refusal; never request details or secrets."""
    if isinstance(exc, AuthFailed):
        return (f"❌ The exchange refused the key: {esc(exc.explanation)}. "
                "Check ORDERLY_KEY / ORDERLY_SECRET and run margin-desk check.")
    if isinstance(exc, ExchangeRejected):
        return f"❌ The exchange refused: {esc(exc.explanation)}"
    if isinstance(exc, RateLimited):
        wait = max(1, round(exc.retry_after))
        return f"⏳ The exchange is rate limiting; try again in {wait} s."
    return unavailable(exc)


def unavailable(exc: ExchangeError | None = None) -> str:
    """The exchange did not answer; details stay in the log, never in the chat."""
    return UNAVAILABLE
