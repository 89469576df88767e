"""AlertService over the real client and an in-process paper exchange (ASGI, no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest

from bot.domain.models import MarginAction, MarginMode, OrderRequest, OrderType, Side
from bot.errors import UserInputError
from bot.orderly.client import OrderlyClient
from bot.paper.credentials import issue
from bot.paper.engine import PaperEngine
from bot.paper.server import create_app
from bot.paper.symbol_table import default_markets
from bot.services.monitor.alert_views import KEEP
from bot.services.monitor.alerts import AlertService
from bot.services.trading.actions import TOPUP
from bot.services.trading.approvals import ApprovalService
from bot.services.trading.leverage import LeverageService
from bot.services.trading.margin import MarginService
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.orders import TradingService
from bot.timing import DEFAULT_TIMINGS, FakeClock
from storage.alert_state import AlertStateStore
from storage.approvals import ClaimFailure
from storage.db import open_database
from storage.topups import TopupLedger
from storage.worker import Storage

D = Decimal
ETH, BTC = "PERP_ETH_USDC", "PERP_BTC_USDC"
CHAT = USER = 1001


@dataclass
class World:
    clock: FakeClock
    engine: PaperEngine
    account: str
    service: AlertService
    approvals: ApprovalService
    states: AlertStateStore
    ledger: TopupLedger

    def open(self, symbol: str, qty: str, mode: MarginMode = MarginMode.ISOLATED) -> None:
        side = Side.BUY if D(qty) > 0 else Side.SELL
        self.engine.create_order(self.account, OrderRequest(
            symbol, side, OrderType.MARKET, abs(D(qty)), mode))

    def margin(self, symbol: str = ETH) -> Decimal:
        p = self.engine.position(self.account, symbol, MarginMode.ISOLATED)
        assert p is not None
        return p.margin

    def section6(self) -> None:
        """orderly-api.md §6 example A: 1 ETH long, margin 251.50, Δfunding 0.5, mark 2450."""
        self.open(ETH, "1")
        self.engine.adjust_margin(self.account, ETH, D("1.5"), MarginAction.ADD)  # 250 + 1.5
        self.engine.apply_funding(ETH, D("0.5"))
        self.engine.set_mark(ETH, D(2450))


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = FakeClock()
    engine = PaperEngine(default_markets(), clock)
    creds = issue(clock)
    engine.create_account(creds.account_id, D(10_000))
    engine.add_key(creds.key_record())
    app = create_app(engine, clock, limits={})
    db = open_database(":memory:")
    async with OrderlyClient("http://paper", creds.signer(), clock=clock,
                             transport=httpx.ASGITransport(app=app)) as client:
        markets = MarketDirectory(client)
        trading = TradingService(client, markets, LeverageService(client, markets))
        margin = MarginService(client, markets)
        storage = Storage(db)
        approvals = ApprovalService(storage, trading, margin, clock, DEFAULT_TIMINGS)
        states, ledger = AlertStateStore(db), TopupLedger(db)
        service = AlertService(storage=storage, trading=trading, margin=margin, markets=markets,
                               approvals=approvals, clock=clock)  # fmt: skip
        approvals.add_precheck(TOPUP, service.check_caps)  # as install_alerts does
        yield World(clock, engine, creds.account_id, service, approvals, states, ledger)
    storage.close()


# ---- thresholds ---------------------------------------------------------------------------
async def test_thresholds_default_and_per_symbol(world: World) -> None:
    s = world.service
    change = await s.set_thresholds(CHAT, None, D(6), D(3))
    assert change.symbol is None and (change.thresholds.warn_pct, change.thresholds.critical_pct) \
        == (D(6), D(3))
    change = await s.set_thresholds(CHAT, "eth", D(8), None)  # critical kept: 3 < 8
    assert change.symbol == ETH and change.thresholds.critical_pct == D(3)
    assert not change.critical_given
    assert (await s.thresholds_for(CHAT, ETH)).warn_pct == D(8)
    assert (await s.thresholds_for(CHAT, BTC)).warn_pct == D(6)  # the default still applies
    change = await s.set_thresholds(CHAT, "BTC-PERP", D(2), None)  # 3 ≥ 2: half the warning
    assert change.thresholds.critical_pct == D(1)


@pytest.mark.parametrize(("warn", "critical", "message"), [
    ("5", "5", "critical level (5 %) must be smaller than the warning level (5 %)"),
    ("3", "4", "critical level (4 %) must be smaller"),
    ("60", "4", "warning level can be at most 50 %"),
    ("0", "0", "more than 0 %"),
])
async def test_threshold_validation_says_what_is_wrong(
    world: World, warn: str, critical: str, message: str
) -> None:
    with pytest.raises(UserInputError) as info:
        await world.service.set_thresholds(CHAT, "eth", D(warn), D(critical))
    assert message in info.value.reason
    assert (await world.service.thresholds_for(CHAT, ETH)).warn_pct == D(5)  # nothing stored


async def test_unknown_symbol_is_refused(world: World) -> None:
    with pytest.raises(UserInputError, match="unknown symbol"):
        await world.service.set_thresholds(CHAT, "NOPE", D(5), D(2))


async def test_alerts_off_and_on_per_symbol(world: World) -> None:
    change = await world.service.set_enabled(CHAT, "eth", False)
    assert change.symbol == ETH and not change.thresholds.enabled
    assert (await world.service.thresholds_for(CHAT, BTC)).enabled
    assert (await world.service.set_enabled(CHAT, "eth", True)).thresholds.enabled


# ---- snooze -------------------------------------------------------------------------------
async def test_snooze_is_stored_where_the_monitor_reads_it(world: World) -> None:
    world.open(ETH, "1")
    result = await world.service.snooze(CHAT, "eth", 3600)
    assert result.until == world.clock.time() + 3600
    state = world.states.get(CHAT, ETH, "ISOLATED")
    assert state is not None and state.snooze_until == world.clock.time() + 3600
    await world.service.snooze(CHAT, "eth", None)
    state = world.states.get(CHAT, ETH, "ISOLATED")
    assert state is not None and state.snooze_until is None


async def test_snooze_needs_a_position_and_a_sane_duration(world: World) -> None:
    with pytest.raises(UserInputError, match="no open isolated ETH position"):
        await world.service.snooze(CHAT, "eth", 3600)
    world.open(ETH, "1")
    for seconds in (60, 25 * 3600):
        with pytest.raises(UserInputError, match="15m to 24h"):
            await world.service.snooze(CHAT, "eth", seconds)
    assert world.states.get(CHAT, ETH, "ISOLATED") is None


# ---- limits -------------------------------------------------------------------------------
async def test_limits_set_keep_and_off(world: World) -> None:
    s = world.service
    assert (await s.limits(CHAT)).per_action is None and (await s.limits(CHAT)).per_day is None
    view = await s.set_limits(CHAT, D(200), D(1000))
    assert (view.per_action, view.per_day, view.headroom) == (D(200), D(1000), D(1000))
    view = await s.set_limits(CHAT, KEEP, None)  # `/limits 200 off` style: day off, action kept
    assert (view.per_action, view.per_day, view.headroom) == (D(200), None, None)
    with pytest.raises(UserInputError, match="more than 0"):
        await s.set_limits(CHAT, D(0), KEEP)


# ---- /alert overview ----------------------------------------------------------------------
async def test_overview_lists_isolated_positions_only(world: World) -> None:
    world.section6()
    world.open(BTC, "0.01", MarginMode.CROSS)
    await world.service.snooze(CHAT, "eth", 900)
    o = await world.service.overview(CHAT)
    assert [w.view.position.symbol for w in o.positions] == [ETH]
    w = o.positions[0]
    assert w.view.distance is not None and round(w.view.distance * 100, 2) == D("7.65")
    assert w.snooze_until == world.clock.time() + 900
    world.clock.advance(901)
    assert (await world.service.overview(CHAT)).positions[0].snooze_until is None


# ---- top-ups ------------------------------------------------------------------------------
async def test_quote_topup_for_the_section6_position(world: World) -> None:
    world.section6()
    quote, suggestion = await world.service.quote_topup(CHAT, "eth")
    assert suggestion.amount == D("57.23") and suggestion.reaches_target
    assert quote is not None and quote.amount == D("57.23")
    assert quote.liq_after == D(2205) and quote.distance_after == D("0.1")
    assert round(quote.liq_before or 0, 2) == D("2262.58")


async def test_topup_press_moves_the_margin_once_and_counts_for_the_day(world: World) -> None:
    world.section6()
    offer = await world.service.offer(CHAT, USER, "eth")
    assert offer.approval is not None and offer.approval.kind == "topup"
    assert offer.approval.expires_at - offer.approval.created_at == 120
    outcome = await world.approvals.press(offer.approval.token, USER, CHAT)
    assert outcome.margin is not None and outcome.margin.applied
    assert world.margin() == D("308.73")
    assert outcome.margin.liq_after == D(2205)
    assert world.ledger.spent(CHAT, world.clock.time()) == D("57.23")
    again = await world.approvals.press(offer.approval.token, USER, CHAT)
    assert again.refused is ClaimFailure.ALREADY_USED and world.margin() == D("308.73")


async def test_caps_bite_in_the_offer(world: World) -> None:
    world.section6()
    await world.service.set_limits(CHAT, D(40), None)
    _, s = await world.service.quote_topup(CHAT, "eth")
    assert (s.amount, s.capped_by, s.reaches_target) == (D("40.00"), "per_action", False)
    await world.service.set_limits(CHAT, None, D("0.5"))
    _, s = await world.service.quote_topup(CHAT, "eth")
    assert s.amount is None and s.capped_by == "per_day"


async def test_caps_are_checked_again_at_press_time(world: World) -> None:
    world.section6()
    offer = await world.service.offer(CHAT, USER, "eth")
    assert offer.approval is not None
    await world.service.set_limits(CHAT, D(10), None)  # tightened after the alert went out
    outcome = await world.approvals.press(offer.approval.token, USER, CHAT)
    assert outcome.precondition is not None and "per-action limit of 10 USDC" in \
        outcome.precondition
    assert world.margin() == D("251.5")


async def test_per_day_headroom_shrinks_with_each_topup(world: World) -> None:
    world.section6()
    await world.service.set_limits(CHAT, None, D(100))
    first = await world.service.offer(CHAT, USER, "eth")
    assert first.approval is not None
    assert (await world.approvals.press(first.approval.token, USER, CHAT)).executed
    world.engine.set_mark(ETH, D(2330))  # closer again
    second = await world.service.offer(CHAT, USER, "eth")
    assert second.suggestion.capped_by == "per_day" and second.amount == D("42.77")
    await world.service.set_limits(CHAT, None, D(80))  # now only 22.77 left: the press is refused
    outcome = await world.approvals.press(second.approval.token, USER, CHAT)  # type: ignore[union-attr]
    assert outcome.precondition is not None and "22.77 USDC left" in outcome.precondition


async def test_expired_topup_never_executes(world: World) -> None:
    world.section6()
    offer = await world.service.offer(CHAT, USER, "eth")
    assert offer.approval is not None
    world.clock.advance(121)
    outcome = await world.approvals.press(offer.approval.token, USER, CHAT)
    assert outcome.refused is ClaimFailure.EXPIRED and world.margin() == D("251.5")


async def test_no_position_no_offer(world: World) -> None:
    with pytest.raises(UserInputError, match="no open isolated ETH position"):
        await world.service.offer(CHAT, USER, "eth")
