"""The liquidation alert feature's wiring: its service, commands, menu, buttons, and the sink
that turns the monitor's event batches into Telegram messages.

    service = install_alerts(runtime.services)          # before runtime.start()
    monitor = Monitor(..., sink=make_alert_sink(runtime.services))

The Add button of an alert is a top-up approval bound to the chat's registered user (the one
who sent /start there, ChatStore.user_id) while that user is still allowed; without one the
alert shows the suggested amount but no Add button (Refresh makes one for whoever presses it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.domain.alert_policy import DecisionKind, Level
from bot.domain.models import Trade
from bot.domain.notices import NoticeSwitch, Route
from bot.domain.outcome import Outcome, outcome_of
from bot.errors import MarginDeskError
from bot.handlers.alerts.alert_text import AlertCard, alert_message, degraded_notice
from bot.handlers.alerts.commands import ALERTS_KEY
from bot.handlers.alerts.keyboards import AlertButtons, alert_keyboard
from bot.handlers.context import Services
from bot.services.delivery.notifier import Priority
from bot.services.monitor.alert_events import AlertEvent, Batch, DegradedEvent
from bot.services.monitor.alert_views import TopupOffer
from bot.services.monitor.alerts import AlertService
from bot.services.notices.preferences import notices_of, switch_of
from bot.services.trading.actions import TOPUP
from storage.chats import ChatStore

log = logging.getLogger(__name__)
OFFER_TIMEOUT = 3.0  # seconds: past this an alert goes out without its Add button
CLOSE_GRACE = 5.0  # seconds a stopping bot waits for alerts still being prepared
_OFFERED = (DecisionKind.ALERT, DecisionKind.REMINDER, DecisionKind.DEEPENED)
_ENDED = (DecisionKind.CLOSED, DecisionKind.LIQUIDATED)
NO_PRICE = "The top-up could not be priced just now; tap Refresh."


def install_alerts(services: Services) -> AlertService:
    """Build the AlertService into services.extras and add the top-up press-time cap check
    (the /alert, /limits, /snooze commands and alert buttons are in the static tables)."""
    service = AlertService(
        storage=services.storage, trading=services.trading, margin=services.margin,
        markets=services.markets, approvals=services.approvals, clock=services.clock,
    )
    services.extras[ALERTS_KEY] = service
    services.approvals.add_precheck(TOPUP, service.check_caps)
    return service


class AlertSink:
    """The monitor's sink: one message per chat batch, queued by priority.

    Pricing an alert's Add button reads the exchange (up to OFFER_TIMEOUT), so each chat's
    batches run on that chat's own lane, in order, and the monitor never waits for them: one
    slow exchange call must not hold up the evaluation of every other position.
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        self._lanes: dict[int, asyncio.Queue[Sequence[object]]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}

    async def __call__(self, batch: Batch) -> None:
        for chat_id in sorted({e.chat_id for e in batch}):
            lane = self._lanes.get(chat_id)
            if lane is None:
                lane = self._lanes[chat_id] = asyncio.Queue()
                self._workers[chat_id] = asyncio.create_task(
                    self._drain(chat_id, lane), name=f"alerts-{chat_id}"
                )
            lane.put_nowait([e for e in batch if e.chat_id == chat_id])

    async def _drain(self, chat_id: int, lane: asyncio.Queue[Sequence[object]]) -> None:
        while True:
            events = await lane.get()
            try:
                await _send_chat(self._services, chat_id, events)
            except Exception:  # one chat's failure must not silence the others
                log.exception("could not send alerts to chat %s", chat_id)
            finally:
                lane.task_done()

    async def idle(self) -> None:
        """Wait until every batch handed over so far has been queued for sending."""
        for lane in list(self._lanes.values()):
            await lane.join()

    async def aclose(self) -> None:
        """Finish what was handed over (bounded by CLOSE_GRACE), then stop the lanes."""
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await self.idle()
        except TimeoutError:
            log.warning("stopping with alerts still being prepared")
        for worker in self._workers.values():
            worker.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._lanes.clear()
        self._workers.clear()


def make_alert_sink(services: Services) -> AlertSink:
    """The monitor's sink for these services (see AlertSink)."""
    return AlertSink(services)


def priority_of(events: Sequence[AlertEvent]) -> Priority:
    """CRITICAL for a critical alert/reminder or a liquidation; WARNING for warnings; else INFO."""
    if any(e.urgent for e in events):
        return Priority.CRITICAL
    alerting = (DecisionKind.ALERT, DecisionKind.REMINDER)
    if any(e.decision.kind in alerting and e.decision.level >= Level.WARNING for e in events):
        return Priority.WARNING
    return Priority.INFO


def _latest_per_position(events: Sequence[AlertEvent]) -> list[AlertEvent]:
    """The newest event of each position, in the order positions first appeared."""
    latest: dict[tuple[str, str], AlertEvent] = {}
    for e in events:
        latest.pop(e.position.key, None)
        latest[e.position.key] = e
    return sorted(latest.values(), key=lambda e: events.index(e))


async def _send_chat(services: Services, chat_id: int, events: Sequence[object]) -> None:
    chat = await services.storage.read(ChatStore(services.storage.reader).get, chat_id)
    notices = notices_of(services.extras)
    prefs = await notices.load(chat_id) if notices is not None else None
    degraded = [e for e in events if isinstance(e, DegradedEvent)]
    # Only a net change is news: "degraded" then "back" within one batch says nothing.
    if degraded and degraded[0].degraded == degraded[-1].degraded and chat.info_notes:
        last = degraded[-1]
        how = notices.route(prefs, NoticeSwitch.DEGRADED) if notices and prefs else Route(True)
        if how.send:
            await services.notifier.send(chat_id, degraded_notice(last.degraded, last.age),
                                         priority=Priority.INFO, coalesce_key="monitor:feed",
                                         disable_notification=how.silent)  # fmt: skip
    # Critical first: a grouped message is read (and previewed) from the top.
    alerts = sorted(_latest_per_position([e for e in events if isinstance(e, AlertEvent)]),
                    key=lambda e: not e.urgent)  # fmt: skip
    if notices is not None and prefs is not None:  # a muted kind (reminders) is dropped
        alerts = [e for e in alerts if notices.route(prefs, switch_of(e.decision.kind)).send]
    priority = priority_of(alerts)
    if not alerts or (priority is Priority.INFO and not chat.info_notes):
        return  # the chat turned informational notes off (liquidations are never INFO)
    allowed = services.settings.bot_allowed_user_ids
    user = chat.user_id if chat.user_id in allowed else None
    offers = await asyncio.gather(*(_offer(services, chat_id, user, e) for e in alerts))
    outcomes = await asyncio.gather(*(_outcome(services, e) for e in alerts))
    _record_liquidations(services, chat_id, alerts, outcomes)
    cards = [_card(e, o, r) for e, o, r in zip(alerts, offers, outcomes, strict=True)]
    buttons = [AlertButtons(e.position.symbol, o.token if isinstance(o, TopupOffer) else None,
                            o.amount if isinstance(o, TopupOffer) else None)
               for e, o in zip(alerts, offers, strict=True) if e.decision.kind not in _ENDED]
    with_add = any(b.token for b in buttons)
    text = alert_message(cards, services.timings.margin_approval_ttl if with_add else None)
    key = alerts[0].position.key
    silent = all(e.decision.silent for e in alerts)
    if notices is not None and prefs is not None:  # quiet hours silence all but critical
        silent = notices.route(prefs, None, critical=priority is Priority.CRITICAL,
                               silent=silent).silent  # fmt: skip
    await services.notifier.send(
        chat_id, text, priority=priority, keyboard=alert_keyboard(buttons),
        coalesce_key=f"alert:{key[0]}:{key[1]}" if len(alerts) == 1 else None,
        disable_notification=silent,
    )


def _record_liquidations(
    services: Services, chat_id: int, alerts: Sequence[AlertEvent],
    outcomes: Sequence[Outcome | None],
) -> None:
    """Each liquidation goes into the chat's audit log, so /history shows it with its figures."""
    for e, outcome in zip(alerts, outcomes, strict=True):
        if e.decision.kind is not DecisionKind.LIQUIDATED:
            continue
        p = e.position
        params: dict[str, str | None] = {
            "symbol": p.symbol, "margin_mode": p.margin_mode.value,
            "position_qty": str(p.position_qty), "margin": str(p.margin),
            "liq_price": None if e.liq is None else str(e.liq),
        }
        if outcome is not None:
            params |= {k: None if v is None else str(v) for k, v in (
                ("price", outcome.price), ("margin_lost", outcome.margin_lost),
                ("realized_pnl", outcome.realized_pnl))}
            params["estimated"] = "yes" if outcome.estimated else None
        services.storage.post(services.audit.record, chat_id, None, "liquidation", params,
                              "liquidated", "", services.clock.time())  # fmt: skip


async def _offer(
    services: Services, chat_id: int, user: int | None, event: AlertEvent
) -> TopupOffer | str | None:
    """The live top-up offer for an alert, or a note saying why there is none."""
    if event.decision.kind not in _OFFERED or event.position.position_qty == 0:
        return None
    service = services.extras.get(ALERTS_KEY)
    if not isinstance(service, AlertService):
        return None
    try:
        offer = service.offer(chat_id, user, event.position.symbol, event.thresholds.warning,
                              shared=True)  # fmt: skip
        return await asyncio.wait_for(offer, OFFER_TIMEOUT)
    except (MarginDeskError, TimeoutError) as exc:
        log.warning("no top-up offer for chat %s %s: %s", chat_id, event.position.symbol, exc)
        return NO_PRICE


async def _outcome(services: Services, event: AlertEvent) -> Outcome | None:
    """What an ended position came to: its closing fills from the trade history (up to
    OFFER_TIMEOUT), the liquidation push, else the last mark (see bot/domain/outcome.py)."""
    kind = event.decision.kind
    if kind not in _ENDED:
        return None
    p = event.position
    trades: list[Trade] = []
    try:
        read = services.trading.trades(p.symbol, p.timestamp or None)
        trades = await asyncio.wait_for(read, OFFER_TIMEOUT)
    except (MarginDeskError, TimeoutError) as exc:
        log.warning("no trade history for the end of %s: %s", p.symbol, exc)
    return outcome_of(p, liquidated=kind is DecisionKind.LIQUIDATED, trades=trades,
                      liquidation=event.liquidation, mark=event.mark)  # fmt: skip


def _card(event: AlertEvent, offer: TopupOffer | str | None, outcome: Outcome | None) -> AlertCard:
    d, t = event.decision, event.thresholds
    return AlertCard(
        d.kind.value, d.level, event.position.symbol, event.position,
        event.market or (offer.view.market if isinstance(offer, TopupOffer) else None),
        event.mark, event.liq, event.distance if event.distance is not None else d.distance,
        t.warning, t.critical,
        offer.suggestion if isinstance(offer, TopupOffer) else None,
        offer if isinstance(offer, str) else None,
        opened=d.opened, previous=d.previous, outcome=outcome, left=d.left,
    )
