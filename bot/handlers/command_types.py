"""The typed commands a message parses into (frozen dataclasses), one per command form.

Amounts are Decimal, percents are percent points (5 = 5 %), symbols are the text as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from enum import Enum

from bot.domain.models import MarginAction, MarginMode, Side
from bot.domain.notices import NoticeSwitch, QuietHours
from bot.domain.windows import Span

HISTORY_DEFAULT = 10


class Off(Enum):
    """Marker for a cap switched off (`/limits off`)."""

    OFF = "off"


OFF = Off.OFF


@dataclass(frozen=True, slots=True)
class Start:
    pass


@dataclass(frozen=True, slots=True)
class Positions:
    pass


@dataclass(frozen=True, slots=True)
class Balance:
    pass


@dataclass(frozen=True, slots=True)
class Status:
    pass


@dataclass(frozen=True, slots=True)
class Menu:
    pass


@dataclass(frozen=True, slots=True)
class AlertShow:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    command: str | None = None  # a USAGE key, e.g. "buy"


@dataclass(frozen=True, slots=True)
class PositionShow:
    symbol: str
    mode: MarginMode | None = None  # None: the chat's default mode for the symbol


@dataclass(frozen=True, slots=True)
class LeverageShow:
    symbol: str


@dataclass(frozen=True, slots=True)
class LeverageSet:
    symbol: str | None  # None: every symbol (`/leverage all N`)
    leverage: int
    mode: MarginMode | None = None  # None: the symbol's default mode (isolated for `all`)


@dataclass(frozen=True, slots=True)
class ModeShow:
    symbol: str


@dataclass(frozen=True, slots=True)
class ModeSet:
    symbol: str
    mode: MarginMode


@dataclass(frozen=True, slots=True)
class BuySell:
    side: Side
    symbol: str
    qty: Decimal
    price: Decimal | None = None  # None: market order
    mode: MarginMode | None = None  # None: the symbol's default mode


@dataclass(frozen=True, slots=True)
class Close:
    symbol: str
    percent: Decimal | None = None  # percent points (50 = half); None: all of it
    mode: MarginMode | None = None  # None: the default mode, see TradingService.quote_close


@dataclass(frozen=True, slots=True)
class Orders:
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class Cancel:
    order_id: int


@dataclass(frozen=True, slots=True)
class CancelAlgo:
    algo_order_id: int  # `/cancel algo ID`: a TP/SL or stop order, as /orders lists it


@dataclass(frozen=True, slots=True)
class TakeProfitStopLoss:
    """/tp, /sl and /tpsl: triggers on the whole position (at least one of tp, sl)."""

    symbol: str
    tp: Decimal | None
    sl: Decimal | None
    mode: MarginMode | None = None  # None: the symbol's default mode


@dataclass(frozen=True, slots=True)
class StopOrder:
    """/stop SYMBOL QTY TRIGGER [PRICE]: a market (or limit) order once the mark reaches TRIGGER."""

    symbol: str
    qty: Decimal
    trigger: Decimal
    price: Decimal | None = None
    mode: MarginMode | None = None


@dataclass(frozen=True, slots=True)
class CancelAll:
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class MarginChange:
    action: MarginAction
    symbol: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AlertSet:
    symbol: str | None  # None: this chat's default
    warn_pct: Decimal  # percent points: 5 = 5 % from mark to liquidation
    critical_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AlertToggle:
    symbol: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class Snooze:
    symbol: str
    seconds: int | None  # None: snooze off


@dataclass(frozen=True, slots=True)
class Limits:
    per_action: Decimal | Off | None = None  # None: unchanged (both None: show)
    per_day: Decimal | Off | None = None

    @property
    def is_show(self) -> bool:
        return self.per_action is None and self.per_day is None


@dataclass(frozen=True, slots=True)
class Notify:
    """/notify (show), /notify KIND on|off, /notify quiet HH:MM-HH:MM|off."""

    kind: NoticeSwitch | None = None  # None: show the settings (or set quiet hours)
    enabled: bool = True
    quiet: QuietHours | Off | None = None  # quiet hours to set, OFF to remove them


@dataclass(frozen=True, slots=True)
class History:
    n: int = HISTORY_DEFAULT


@dataclass(frozen=True, slots=True)
class Pnl:
    """/pnl [today|7d|30d] [SYMBOL]: the window (default today) and one symbol or all."""

    span: Span = Span.TODAY
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class Daily:
    """/daily (show), /daily HH:MM (opt in at that local time) or /daily off."""

    at: time | Off | None = None


@dataclass(frozen=True, slots=True)
class TimeZone:
    """/tz (show) or /tz Europe/Berlin."""

    zone: str | None = None


Command = (
    Start | Help | Positions | PositionShow | Balance | LeverageShow | LeverageSet | ModeShow
    | ModeSet | BuySell | Close | Orders | Cancel | CancelAll | MarginChange | AlertShow
    | CancelAlgo | TakeProfitStopLoss | StopOrder
    | AlertSet | AlertToggle | Snooze | Limits | Notify | Status | History | Pnl | Daily | TimeZone
    | Menu
)
