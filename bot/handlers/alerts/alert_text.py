"""Liquidation alerts as Telegram HTML, phone-width, every interpolation escaped. Pure.

One message may carry several positions of one chat (a grouped batch); each gets a headline,
its numbers and, when offered, the top-up line that the `Add N USDC` button stands for.
Settings replies (/alert, /limits, /snooze) live in settings_text.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from bot.domain.alert_policy import DecisionKind, Level
from bot.domain.models import MarketInfo, Position
from bot.domain.outcome import Outcome
from bot.domain.symbols import base_of
from bot.domain.topup import BUDGET, EXCHANGE, PER_ACTION, PER_DAY, TopupSuggestion
from bot.handlers import fmt
from bot.handlers.fmt import esc
from bot.handlers.trading.outcomes import expiry_line
from bot.services.monitor.alert_views import TopupOffer

LIVE = "live"  # a card refreshed with live numbers (the Refresh button)
_ICONS = {Level.WARNING: "⚠️", Level.CRITICAL: "🚨"}
_CAPPED_BY = {EXCHANGE: "what the account can add now", PER_ACTION: "your per-action limit",
              PER_DAY: "your per-day limit", BUDGET: "the symbol's budget (/budget)"}
_EXPIRY = re.compile(r"\n*<i>Valid \d+ s\.</i>\s*$")


@dataclass(frozen=True, slots=True)
class AlertCard:
    """One position's part of an alert message: what happened and the numbers behind it."""

    kind: str  # a DecisionKind value, or LIVE
    level: Level  # the level the message is about (the new level after a recovery)
    symbol: str
    position: Position | None
    market: MarketInfo | None
    mark: Decimal | None
    liq: Decimal | None
    distance: Decimal | None  # fraction of mark
    warning: Decimal  # fractions of mark
    critical: Decimal
    suggestion: TopupSuggestion | None = None
    note: str | None = None  # plain text, e.g. why no top-up could be priced
    at: float | None = None  # when the live numbers were read (LIVE cards)
    opened: bool = False  # an ALERT about a position first seen inside the zone
    previous: Decimal | None = None  # DEEPENED: the distance of the last critical alert
    outcome: Outcome | None = None  # LIQUIDATED / CLOSED: what the position came to
    left: Level = Level.NONE  # RECOVERED: the level it came out of (NONE: not known)

    @property
    def name(self) -> str:
        """`ETH isolated long`."""
        qty = self.position.position_qty if self.position else Decimal(0)
        side = "long" if qty > 0 else "short" if qty < 0 else "position"
        return f"{base_of(self.symbol)} isolated {side}"

    @property
    def unsettled(self) -> Decimal | None:
        """Unsettled PnL moved to this card's mark (the position row may be a little older)."""
        p = self.position
        if p is None:
            return None
        if self.mark is None or p.mark_price <= 0:
            return p.unsettled_pnl
        return p.unsettled_pnl + p.position_qty * (self.mark - p.mark_price)

    @property
    def zone(self) -> Level:
        """The zone the distance is in now, by this card's thresholds."""
        d = self.distance
        if d is None:
            return Level.NONE
        return Level.CRITICAL if d <= self.critical else Level.WARNING if d <= self.warning \
            else Level.NONE


def live_card(offer: TopupOffer, at: float) -> AlertCard:
    """A Refresh: the position's live numbers and a fresh top-up suggestion."""
    p, t = offer.view.position, offer.thresholds
    return AlertCard(
        LIVE, Level.NONE, p.symbol, p, offer.view.market, offer.mark, p.est_liq_price,
        offer.distance, t.warn_pct / 100, t.critical_pct / 100, offer.suggestion, at=at,
    )


def level_pct(fraction: Decimal) -> str:
    """0.05 -> `5 %`, 0.025 -> `2.5 %` (thresholds as the user typed them)."""
    return f"{fmt.plain(fraction * 100)} %"


def utc_clock(epoch: float) -> str:
    """`14:05 UTC`."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M UTC")


def _headline(card: AlertCard) -> str:
    name, away = esc(card.name), fmt.pct(card.distance)
    kind = card.kind
    if kind == DecisionKind.ALERT:
        verb = "opened" if card.opened else "is"
        return f"{_ICONS.get(card.level, '⚠️')} <b>{card.level.name}</b> — {name} {verb} {away} " \
               "from liquidation"
    if kind == DecisionKind.DEEPENED:
        return f"🚨 <b>CRITICAL, closer</b> — {name} is {away} from liquidation, " \
               f"was {fmt.pct(card.previous)}"
    if kind == DecisionKind.REMINDER:
        return f"🔁 <b>Still {card.level.name}</b> — {name} is {away} from liquidation"
    if kind == DecisionKind.RECOVERED:
        return f"✅ {name} is back to {away} from liquidation: {_recovered(card)}"
    if kind == DecisionKind.LIQUIDATED:
        return f"❌ <b>LIQUIDATED</b> — {name} was taken over by the liquidation engine"
    if kind == DecisionKind.CLOSED:
        return f"⏹ {name} is closed; alerts for it end here"
    zone = {Level.CRITICAL: "critical zone", Level.WARNING: "warning zone"}.get(
        card.zone, "outside the alert zones" if card.distance is not None else "no liq price")
    when = f" · {utc_clock(card.at)}" if card.at is not None else ""
    return f"🔄 {name}: {away} from liquidation ({zone}){when}"


def _recovered(card: AlertCard) -> str:
    """Which zone it left (with that zone's level) and where the distance stands now, from the
    same figures: never "back to 3 %" beside a level that distance does not match."""
    warning, critical = level_pct(card.warning), level_pct(card.critical)
    left = card.left
    if left is Level.NONE:  # an older event: a recovery to WARNING can only come from CRITICAL
        left = Level.CRITICAL if card.level is Level.WARNING else Level.NONE
    if left is Level.CRITICAL and card.level is Level.NONE:
        out = f"out of the critical ({critical}) and warning ({warning}) zones"
    elif left is Level.CRITICAL:
        out = f"out of the critical zone ({critical})"
    elif left is Level.WARNING:
        out = f"out of the warning zone ({warning})"
    else:
        out = f"out of the alert zones ({warning} / {critical})"
    now = card.zone
    if now is Level.CRITICAL:  # moved back in since: say so rather than contradict the figure
        return f"{out}, but inside the critical zone ({critical}) again"
    if now is Level.WARNING:
        return f"{out}, still inside the warning zone ({warning})"
    if card.level is Level.WARNING:  # left critical, already past the warning level too
        return f"{out}, and above the warning level ({warning}) too"
    return out


def _numbers(card: AlertCard) -> str:
    p, market = card.position, card.market
    rows: list[tuple[str, str]] = []
    if p is not None:
        rows.append(("position", fmt.side_qty(p.position_qty, market)))
    rows += [("mark", fmt.price(card.mark, market)), ("liq price", fmt.price(card.liq, market)),
             ("distance", fmt.pct(card.distance))]
    if p is not None:
        rows += [("margin", f"{fmt.usdc(p.margin)} USDC"),
                 ("unsettled", f"{fmt.pnl(card.unsettled)} USDC"),
                 ("leverage", fmt.leverage(p.leverage))]
    rows.append(("alerts at", f"{level_pct(card.warning)} / {level_pct(card.critical)}"))
    return fmt.table(rows, "lr")


def _ended(card: AlertCard, o: Outcome) -> str:
    """The numbers of a liquidation or close: price, realized PnL, margin lost, fees."""
    p, market = card.position, card.market
    liquidated = card.kind == DecisionKind.LIQUIDATED
    approx = "≈ " if o.estimated else ""
    rows: list[tuple[str, str]] = []
    if p is not None:
        rows.append(("position", fmt.side_qty(p.position_qty, market)))
        rows.append(("entry", fmt.price(p.average_open_price or None, market)))
    rows.append(("liq price" if liquidated else "close price",
                 approx + fmt.price(o.price, market)))
    rows.append(("realized PnL", approx + f"{fmt.pnl(o.realized_pnl)} USDC"))
    rows.append(("margin lost", approx + f"{fmt.usdc_est(o.margin_lost)} USDC"))
    if o.fees:
        rows.append(("fees", f"{fmt.usdc_est(o.fees)} USDC"))
    table = fmt.table(rows, "lr")
    if o.estimated:
        table += "\n<i>Estimated at the last mark: the exchange's trade history did not say.</i>"
    return table


def topup_line(s: TopupSuggestion, market: MarketInfo | None = None) -> str | None:
    """`➕ Add 57.23 USDC → liq 2,205.00, 10.00 % away`, or why less or nothing is offered."""
    if s.amount is not None:
        offer = (f"Add {fmt.usdc(s.amount)} USDC → liq {fmt.price(s.liq_after, market)}, "
                 f"{fmt.pct(s.distance_after)} away")
        if s.capped_by is None:
            return f"➕ {offer}"
        if s.capped_by == BUDGET and market is not None:
            return (f"➕ Capped by the {esc(market.base)} budget (/budget): {offer} "
                    f"({level_pct(s.target_distance)} needs {fmt.usdc(s.uncapped_amount)} USDC)")
        return (f"➕ Capped by {_CAPPED_BY[s.capped_by]}: {offer} "
                f"({level_pct(s.target_distance)} needs {fmt.usdc(s.uncapped_amount)} USDC)")
    if s.capped_by is None:
        return None  # nothing needed, or less than is worth a transfer
    cap = fmt.usdc_max(s.cap)
    reason = {EXCHANGE: f"the account can add only {cap} USDC now",
              PER_ACTION: f"your per-action limit is {cap} USDC (/limits)",
              PER_DAY: f"your per-day limit has {cap} USDC left (/limits)",
              BUDGET: (f"the {esc(market.base) if market else 'symbol'} budget leaves {cap} "
                       "USDC (/budget)")}[s.capped_by]
    return f"➕ No top-up offered: {reason}."


def alert_block(card: AlertCard) -> str:
    """One position's part: headline, numbers, top-up line, note."""
    parts = [_headline(card)]
    if card.kind not in (DecisionKind.LIQUIDATED, DecisionKind.CLOSED):
        parts.append(_numbers(card))
    elif card.outcome is not None:
        parts.append(_ended(card, card.outcome))
    line = topup_line(card.suggestion, card.market) if card.suggestion else None
    if line:
        parts.append(line)
    if card.note:
        parts.append(f"<i>{esc(card.note)}</i>")
    return "\n".join(parts)


def alert_message(cards: Sequence[AlertCard], add_ttl: float | None = None) -> str:
    """One message for one card or a grouped batch; add_ttl when an Add button goes with it."""
    text = "\n\n".join(alert_block(c) for c in cards)
    return f"{text}\n{expiry_line(add_ttl)}" if add_ttl is not None else text


def degraded_notice(degraded: bool, age: float | None) -> str:
    """Monitoring lost (or regained) fresh mark prices."""
    if not degraded:
        return "✅ Monitoring is back to normal: mark prices are fresh again."
    since = "no mark price has arrived yet" if age is None else \
        f"no fresh mark price for {age:.0f} s"
    return (f"⚠️ <b>Monitoring degraded</b>: {since}. Alerts may be late until the feed is "
            "back; the exchange is being polled meanwhile.")


def with_snooze(card_html: str, symbol: str, until: float) -> str:
    """The alert after `Snooze`: one snooze line per symbol, kept above the expiry line."""
    base = esc(base_of(symbol))
    expiry = _EXPIRY.search(card_html)
    body = card_html[: expiry.start()] if expiry else card_html
    tail = card_html[expiry.start():] if expiry else ""
    lines = [ln for ln in body.rstrip("\n").split("\n") if not ln.startswith(f"😴 {base} ")]
    lines.append(f"😴 {base} snoozed until {utc_clock(until)}: reminders pause; "
                 "an escalation to critical, or a critical distance halving, still alerts.")
    return "\n".join(lines) + tail


def position_gone(symbol: str) -> str:
    """Refresh of an alert whose position is no longer open."""
    return f"⏹ {esc(base_of(symbol))} isolated position is closed; nothing to watch."
