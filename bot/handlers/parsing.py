"""Parse the text of every command (product.md) into a frozen, typed command. Pure, no Telegram.

Symbols stay as typed (checked only for shape); services resolve them against the exchange.
A margin mode (`cross`/`isolated`, any case) may stand anywhere after the command.
Every refusal is UserInputError(reason, usage) with the command's usage line from USAGE.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.domain.amounts import parse_count, parse_decimal, parse_duration, parse_leverage
from bot.domain.amounts import parse_percent as _percent
from bot.domain.models import MarginAction, MarginMode, Side
from bot.domain.notices import NoticeSwitch, parse_quiet_hours
from bot.domain.symbols import check_symbol_text
from bot.domain.windows import Span, parse_hhmm
from bot.errors import UserInputError
from bot.handlers.command_types import (
    HISTORY_DEFAULT,
    OFF,
    AlertSet,
    AlertShow,
    AlertToggle,
    Balance,
    BuySell,
    Cancel,
    CancelAlgo,
    CancelAll,
    Close,
    Command,
    Daily,
    Help,
    History,
    LeverageSet,
    LeverageShow,
    Limits,
    MarginChange,
    Menu,
    ModeSet,
    ModeShow,
    Notify,
    Off,
    Orders,
    Pnl,
    Positions,
    PositionShow,
    Snooze,
    Start,
    Status,
    StopOrder,
    TakeProfitStopLoss,
    TimeZone,
)
from bot.handlers.risk import parsing as risk_parsing

__all__ = [
    "OFF", "USAGE", "AlertSet", "AlertShow", "AlertToggle", "Balance", "BuySell", "Cancel",
    "CancelAlgo", "CancelAll", "Close", "Command", "Help", "History", "LeverageSet",
    "LeverageShow", "Limits", "MarginChange", "Menu", "ModeSet", "ModeShow", "Notify", "Off",
    "Orders", "PositionShow", "Positions", "Snooze", "Start", "Status", "StopOrder",
    "TakeProfitStopLoss", "command_name", "parse_command",
]

MAX_TEXT = 1000
HISTORY_MAX = 50
MAX_ALERT_PCT = Decimal(50)
SNOOZE_MIN, SNOOZE_MAX = 15 * 60, 24 * 3600
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?")

USAGE: dict[str, str] = {
    "start": "/start — welcome: mode, account and your user id",
    "menu": "/menu — buttons for the everyday screens (positions, balance, orders, alerts, …)",
    "help": "/help [COMMAND] — e.g. /help buy",
    "positions": "/positions — every open position",
    "position": "/position SYMBOL [cross|isolated] — e.g. /position ETH",
    "balance": "/balance — USDC holding, free collateral, isolated margin",
    "leverage": "/leverage SYMBOL|all [N] [cross|isolated] — e.g. /leverage ETH 10",
    "mode": "/mode SYMBOL [cross|isolated] — e.g. /mode ETH cross",
    "buy": "/buy SYMBOL QTY [PRICE] [cross|isolated] — e.g. /buy ETH 0.1 2500",
    "sell": "/sell SYMBOL QTY [PRICE] [cross|isolated] — e.g. /sell ETH 0.1",
    "close": "/close SYMBOL [PERCENT] [cross|isolated] — e.g. /close ETH 50%",
    "orders": "/orders [SYMBOL] — e.g. /orders ETH",
    "cancel": "/cancel ORDER_ID | /cancel algo ID | /cancel all [SYMBOL] — e.g. /cancel 12345",
    "tp": "/tp SYMBOL PRICE [cross|isolated] — take-profit on the position, e.g. /tp ETH 2700",
    "sl": "/sl SYMBOL PRICE [cross|isolated] — stop-loss on the position, e.g. /sl ETH 2300",
    "tpsl": "/tpsl SYMBOL TP SL [cross|isolated] — both, one cancels the other, "
            "e.g. /tpsl ETH 2700 2300",
    "stop": "/stop SYMBOL QTY TRIGGER [PRICE] [cross|isolated] — buys above the mark, sells "
            "below, e.g. /stop ETH 0.5 2600",
    "margin": "/margin add|reduce SYMBOL AMOUNT — e.g. /margin add ETH 100",
    "alert": "/alert [default|SYMBOL WARN% [CRITICAL%] | SYMBOL on|off] — e.g. /alert ETH 5 2.5",
    "limits": "/limits [PER_ACTION_USDC|off] [PER_DAY_USDC|off] — e.g. /limits 200 1000",
    "snooze": "/snooze SYMBOL 15m|1h|…|off (max 24h) — e.g. /snooze ETH 1h",
    "notify": "/notify [fills|orders|reminders|daily|degraded on|off] [quiet HH:MM-HH:MM|off]"
              " — e.g. /notify quiet 23:00-07:00",
    "status": "/status — exchange, clock skew, feed age, positions watched",
    "history": f"/history [N] (max {HISTORY_MAX}) — e.g. /history 20",
    "pnl": "/pnl [today|7d|30d] [SYMBOL] — e.g. /pnl 7d ETH",
    "daily": "/daily [HH:MM|off] — morning summary at your local time, e.g. /daily 08:00",
    "tz": "/tz [ZONE] — your time zone for /pnl and /daily, e.g. /tz Europe/Berlin",
}
USAGE.update(risk_parsing.USAGE)
HELP_HINT = "send /help for the list of commands"
NOTIFY_KINDS = {k.value: k for k in NoticeSwitch}


def _kw(token: str) -> str:
    """The token lower-cased for keyword matching (non-ASCII never matches a keyword)."""
    return token.lower() if token.isascii() else ""


def _symbol(token: str) -> str:
    check_symbol_text(token)
    return token


def _take_mode(args: list[str]) -> tuple[list[str], MarginMode | None]:
    """Split off a `cross`/`isolated` word wherever it stands; more than one is an error."""
    modes = [MarginMode(_kw(a).upper()) for a in args if _kw(a) in ("cross", "isolated")]
    if len(modes) > 1:
        raise UserInputError("give the margin mode once: cross or isolated")
    rest = [a for a in args if _kw(a) not in ("cross", "isolated")]
    return rest, (modes[0] if modes else None)


def _count(args: list[str], low: int, high: int) -> None:
    if len(args) < low:
        raise UserInputError("missing arguments")
    if len(args) > high:
        raise UserInputError("too many arguments")


def _no_args(command: Command):  # type: ignore[no-untyped-def]
    def parse(args: list[str]) -> Command:
        _count(args, 0, 0)
        return command

    return parse


def _help(args: list[str]) -> Help:
    _count(args, 0, 1)
    if not args:
        return Help()
    name = _kw(args[0]).removeprefix("/")
    if name not in USAGE:
        raise UserInputError(f"there is no command /{name or '?'}")
    return Help(name)


def _position(args: list[str]) -> PositionShow:
    rest, mode = _take_mode(args)
    _count(rest, 1, 1)
    return PositionShow(_symbol(rest[0]), mode)


def _leverage(args: list[str]) -> LeverageShow | LeverageSet:
    rest, mode = _take_mode(args)
    _count(rest, 1, 2)
    symbol = None if _kw(rest[0]) == "all" else _symbol(rest[0])
    if len(rest) == 1:
        if symbol is None or mode is not None:
            raise UserInputError("give the leverage to set, e.g. /leverage ETH 10 isolated")
        return LeverageShow(symbol)
    return LeverageSet(symbol, parse_leverage(rest[1]), mode)


def _mode(args: list[str]) -> ModeShow | ModeSet:
    rest, mode = _take_mode(args)
    _count(rest, 1, 1 if mode else 2)
    if len(rest) == 2:  # a second word that is not a mode, e.g. `/mode ETH portfolio`
        raise UserInputError("say which mode: cross or isolated")
    symbol = _symbol(rest[0])
    return ModeShow(symbol) if mode is None else ModeSet(symbol, mode)


def _order(side: Side):  # type: ignore[no-untyped-def]
    def parse(args: list[str]) -> BuySell:
        rest, mode = _take_mode(args)
        _count(rest, 2, 3)
        price = parse_decimal(rest[2], "price") if len(rest) == 3 else None
        return BuySell(side, _symbol(rest[0]), parse_decimal(rest[1], "quantity"), price, mode)

    return parse


def _close(args: list[str]) -> Close:
    rest, mode = _take_mode(args)
    _count(rest, 1, 2)
    percent = _percent(rest[1], "percent to close") if len(rest) == 2 else None
    return Close(_symbol(rest[0]), percent, mode)


def _orders(args: list[str]) -> Orders:
    _count(args, 0, 1)
    return Orders(_symbol(args[0]) if args else None)


def _cancel(args: list[str]) -> Cancel | CancelAll | CancelAlgo:
    _count(args, 1, 2)
    if _kw(args[0]) == "all":
        return CancelAll(_symbol(args[1]) if len(args) == 2 else None)
    if _kw(args[0]) == "algo":
        _count(args, 2, 2)
        if not (args[1].isascii() and args[1].isdigit()) or len(args[1]) > 20:
            raise UserInputError("the algo order id is a number, as shown by /orders")
        return CancelAlgo(int(args[1]))
    _count(args, 1, 1)
    if not (args[0].isascii() and args[0].isdigit()) or len(args[0]) > 20:
        raise UserInputError("the order id is a number, as shown by /orders")
    return Cancel(int(args[0]))


def _trigger(kind: str):  # type: ignore[no-untyped-def]
    def parse(args: list[str]) -> TakeProfitStopLoss:
        rest, mode = _take_mode(args)
        _count(rest, 3 if kind == "tpsl" else 2, 3 if kind == "tpsl" else 2)
        prices = [parse_decimal(t, "trigger price") for t in rest[1:]]
        tp = prices[0] if kind in ("tp", "tpsl") else None
        sl = prices[-1] if kind in ("sl", "tpsl") else None
        return TakeProfitStopLoss(_symbol(rest[0]), tp, sl, mode)

    return parse


def _stop(args: list[str]) -> StopOrder:
    rest, mode = _take_mode(args)
    _count(rest, 3, 4)
    price = parse_decimal(rest[3], "limit price") if len(rest) == 4 else None
    return StopOrder(_symbol(rest[0]), parse_decimal(rest[1], "quantity"),
                     parse_decimal(rest[2], "trigger price"), price, mode)


def _margin(args: list[str]) -> MarginChange:
    _count(args, 3, 3)
    actions = {"add": MarginAction.ADD, "reduce": MarginAction.REDUCE}
    if _kw(args[0]) not in actions:
        raise UserInputError("say add or reduce, e.g. /margin add ETH 100")
    amount = parse_decimal(args[2], "amount", max_decimals=6)
    return MarginChange(actions[_kw(args[0])], _symbol(args[1]), amount)


def _alert_pct(token: str, what: str) -> Decimal:
    return _percent(token, what, maximum=MAX_ALERT_PCT)


def _alert(args: list[str]) -> AlertShow | AlertSet | AlertToggle:
    _count(args, 0, 3)
    if not args:
        return AlertShow()
    if len(args) == 2 and _kw(args[1]) in ("on", "off"):
        if _kw(args[0]) == "default":
            raise UserInputError("alerts are switched on or off per symbol, e.g. /alert ETH off")
        return AlertToggle(_symbol(args[0]), _kw(args[1]) == "on")
    _count(args, 2, 3)
    symbol = None if _kw(args[0]) == "default" else _symbol(args[0])
    warn = _alert_pct(args[1], "warning level")
    critical = _alert_pct(args[2], "critical level") if len(args) == 3 else None
    if critical is not None and critical >= warn:
        raise UserInputError("the critical level must be closer to liquidation (smaller) "
                             "than the warning level")
    return AlertSet(symbol, warn, critical)


def _snooze(args: list[str]) -> Snooze:
    _count(args, 2, 3)  # `1h 30m` may arrive as two words
    if len(args) == 2 and _kw(args[1]) == "off":
        return Snooze(_symbol(args[0]), None)
    seconds = parse_duration("".join(args[1:]), "snooze", minimum=SNOOZE_MIN, maximum=SNOOZE_MAX)
    return Snooze(_symbol(args[0]), seconds)


def _cap(token: str, what: str) -> Decimal | Off:
    return OFF if _kw(token) == "off" else parse_decimal(token, what, max_decimals=6)


def _limits(args: list[str]) -> Limits:
    _count(args, 0, 2)
    per_action = _cap(args[0], "per-action cap") if args else None
    per_day = _cap(args[1], "per-day cap") if len(args) == 2 else None
    return Limits(per_action, per_day)


def _notify(args: list[str]) -> Notify:
    _count(args, 0, 4)  # `quiet 23:00 - 07:00` may arrive as three words
    if not args:
        return Notify()
    if _kw(args[0]) == "quiet":
        return _quiet(args[1:])
    kinds = ", ".join(NOTIFY_KINDS)
    if _kw(args[0]) not in NOTIFY_KINDS:
        raise UserInputError(f"say which notices ({kinds}) or quiet, e.g. /notify reminders off")
    if len(args) != 2 or _kw(args[1]) not in ("on", "off"):
        raise UserInputError(f"say on or off, e.g. /notify {_kw(args[0])} off")
    return Notify(NOTIFY_KINDS[_kw(args[0])], _kw(args[1]) == "on")


def _quiet(args: list[str]) -> Notify:
    """`quiet 23:00-07:00` (in the chat's time zone) or `quiet off`."""
    if len(args) == 1 and _kw(args[0]) == "off":
        return Notify(quiet=OFF)
    window = parse_quiet_hours("".join(args)) if args else None
    if window is None:
        raise UserInputError("give quiet hours as HH:MM-HH:MM (24-hour clock, start and end "
                             "different), e.g. /notify quiet 23:00-07:00, or /notify quiet off")
    return Notify(quiet=window)


def _history(args: list[str]) -> History:
    _count(args, 0, 1)
    return History(parse_count(args[0], "N", maximum=HISTORY_MAX) if args else HISTORY_DEFAULT)


def _pnl(args: list[str]) -> Pnl:
    _count(args, 0, 2)
    spans = [Span(_kw(a)) for a in args if _kw(a) in set(Span) - {Span.DAY}]
    rest = [a for a in args if _kw(a) not in set(Span) - {Span.DAY}]
    if len(spans) > 1 or len(rest) > 1:
        raise UserInputError("give one window (today, 7d or 30d) and at most one symbol")
    return Pnl(spans[0] if spans else Span.TODAY, _symbol(rest[0]) if rest else None)


def _daily(args: list[str]) -> Daily:
    _count(args, 0, 1)
    if not args:
        return Daily()
    if _kw(args[0]) == "off":
        return Daily(OFF)
    at = parse_hhmm(args[0])
    if at is None:
        raise UserInputError(f"{args[0][:20]!r} is not a time: give HH:MM (24 h) or off")
    return Daily(at)


def _tz(args: list[str]) -> TimeZone:
    _count(args, 0, 1)
    return TimeZone(args[0] if args else None)


_PARSERS = {
    "start": lambda args: Start(),  # a deep-link payload after /start is ignored
    "help": _help,
    "positions": _no_args(Positions()),
    "position": _position,
    "balance": _no_args(Balance()),
    "leverage": _leverage,
    "mode": _mode,
    "buy": _order(Side.BUY),
    "sell": _order(Side.SELL),
    "close": _close,
    "orders": _orders,
    "cancel": _cancel,
    "tp": _trigger("tp"),
    "sl": _trigger("sl"),
    "tpsl": _trigger("tpsl"),
    "stop": _stop,
    "margin": _margin,
    "alert": _alert,
    "limits": _limits,
    "snooze": _snooze,
    "notify": _notify,
    "status": _no_args(Status()),
    "menu": _no_args(Menu()),
    "history": _history,
    "pnl": _pnl,
    "daily": _daily,
    "tz": _tz,
    **risk_parsing.PARSERS,
}


def command_name(text: str) -> str | None:
    """`/Buy@MyBot eth 1` -> `buy`; None when the text does not start with a command."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    match = _COMMAND.fullmatch(first) if first.isascii() else None
    return match.group(1).lower() if match else None


def parse_command(text: str) -> Command:
    """The typed command for a message text, or UserInputError(reason, usage)."""
    if len(text) > MAX_TEXT:
        raise UserInputError(f"that message is too long for a command ({len(text)} characters)",
                             HELP_HINT)
    name = command_name(text)
    if name is None or name not in _PARSERS:
        reason = f"unknown command /{name}" if name else "commands start with /, e.g. /help"
        raise UserInputError(reason, HELP_HINT)
    args = text.split()[1:]
    try:
        return _PARSERS[name](args)  # type: ignore[no-any-return]
    except UserInputError as error:
        raise UserInputError(error.reason, USAGE[name]) from None
