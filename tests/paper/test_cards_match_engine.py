"""Property: the card maths and the paper exchange agree, for random positions, prices, funding
and actions (issue 8, part 2 and 3).

Each example opens an isolated position (open), lets funding accrue and the mark move, then
applies one action: add, partial reduce, full close, flip, margin add or margin reduce. Before
every step the card maths (bot/domain/position_effects.py over the same Position row the bot
reads) predicts the liquidation price after; the engine then does it. They agree within 0.1 %.
The margin after and the PnL a reduce realizes match too, and the order limits
(bot/domain/order_limits.py) accept exactly what the engine accepts.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain import margin as m
from bot.domain.models import MarginAction, MarginMode, MarketInfo, Side
from bot.domain.order_limits import OrderCapacity
from bot.domain.orders import validate_order
from bot.domain.position_effects import IsolatedState, after_order, fill_price, margin_change
from bot.errors import UserInputError
from bot.paper.engine import EngineError, PaperEngine
from bot.paper.symbol_table import default_markets
from bot.services.trading.margin import free_for_isolated
from tests.paper.engine_fixtures import ACCOUNT, ISOLATED, make_engine, req

TOLERANCE = Decimal("0.001")  # 0.1 %
MARKETS = {mk.symbol: mk for mk in default_markets()}
ACTIONS = ("add", "reduce", "close", "flip", "margin add", "margin reduce", "max", "over max")


def on_step(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_DOWN) * step


def agree(predicted: Decimal | None, actual: Decimal | None) -> bool:
    if predicted is None or actual is None:
        return predicted is None and actual is None
    return abs(predicted - actual) <= actual * TOLERANCE


def close(predicted: Decimal, actual: Decimal) -> bool:
    return abs(predicted - actual) <= Decimal("1e-12") * max(Decimal(1), abs(actual))


class Desk:
    """The engine on one side, the card maths over what the bot would read on the other."""

    def __init__(self, engine: PaperEngine, market: MarketInfo) -> None:
        self.engine, self.market, self.symbol = engine, market, market.symbol

    def state(self) -> IsolatedState:
        position = self.engine.position(ACCOUNT, self.symbol, ISOLATED)
        suf = next(t for t in self.engine.tickers() if t.symbol == self.symbol).sum_unitary_funding
        return IsolatedState.of(position, suf)

    def liq(self) -> Decimal | None:
        position = self.engine.position(ACCOUNT, self.symbol, ISOLATED)
        return position.est_liq_price if position else None

    def order(self, side: Side, qty: Decimal) -> None:
        """Predict, then place a market order; the limits must agree with the engine's."""
        mark = self.engine.mark(self.symbol)
        leverage = self.engine.get_leverage(ACCOUNT, self.symbol, ISOLATED).leverage
        available = free_for_isolated(self.engine.holding(ACCOUNT), self.engine.positions(ACCOUNT))
        state = self.state()
        capacity = OrderCapacity(self.market, ISOLATED, side, state.qty, mark, leverage,
                                 available)
        predicted = after_order(self.market, state, side, qty, fill_price(side, None, mark),
                                leverage)
        try:
            validate_order(self.market, side, qty, None, mark)  # the bot's market rules
            bot_refuses = capacity.blocked_by(qty) is not None
        except UserInputError:
            bot_refuses = True
        try:
            self.engine.create_order(ACCOUNT, req(self.symbol, side, f"{qty}", ISOLATED))
        except EngineError as refused:
            assert bot_refuses, refused.message
            assume(False)  # nothing to compare: both refuse
        assert not bot_refuses
        assert qty <= capacity.max_quantity()
        assert agree(predicted.liq_after, self.liq()), (predicted, self.liq())
        after = self.engine.position(ACCOUNT, self.symbol, ISOLATED)
        assert close(predicted.after.margin, after.margin if after else Decimal(0))
        if predicted.kind.reduces:  # the card's est. PnL is what the fill realized
            assert close(predicted.realized_pnl, self.engine.trades(ACCOUNT)[0].realized_pnl)

    def max_quantity(self, side: Side) -> Decimal:
        """What the card shows as the maximum for `side` now."""
        leverage = self.engine.get_leverage(ACCOUNT, self.symbol, ISOLATED).leverage
        available = free_for_isolated(self.engine.holding(ACCOUNT), self.engine.positions(ACCOUNT))
        return OrderCapacity(self.market, ISOLATED, side, self.state().qty,
                             self.engine.mark(self.symbol), leverage, available).max_quantity()

    def margin(self, amount: Decimal) -> None:
        mark = self.engine.mark(self.symbol)
        predicted = margin_change(self.market, self.state(), amount, mark)
        action = MarginAction.ADD if amount > 0 else MarginAction.REDUCE
        self.engine.adjust_margin(ACCOUNT, self.symbol, abs(amount), action)
        assert agree(predicted.liq_after, self.liq()), (predicted, self.liq())


fractions = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.99"), places=2)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    market = draw(st.sampled_from(sorted(MARKETS.values(), key=lambda mk: mk.symbol)))
    return {
        "market": market,
        "leverage": draw(st.integers(1, market.max_leverage)),
        "long": draw(st.booleans()),
        "notional": draw(st.decimals(Decimal(50), Decimal(2_000_000), places=0)),
        "funding": draw(st.decimals(Decimal("-0.004"), Decimal("0.004"), places=4)),
        "move": draw(st.decimals(Decimal("0.97"), Decimal("1.03"), places=4)),
        "action": draw(st.sampled_from(ACTIONS)),
        "fraction": draw(fractions),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(scenarios())
def test_card_liq_after_equals_the_exchange_liq_after(s: dict[str, object]) -> None:
    market = s["market"]
    assert isinstance(market, MarketInfo)
    fraction = s["fraction"]
    assert isinstance(fraction, Decimal)
    engine = make_engine("1000000")
    engine.set_leverage(ACCOUNT, int(str(s["leverage"])), market.symbol, MarginMode.ISOLATED)
    desk = Desk(engine, market)
    start = engine.mark(market.symbol)
    side = Side.BUY if s["long"] else Side.SELL
    size = max(market.base_min, on_step(Decimal(str(s["notional"])) / start, market.base_tick))
    assume(size * start > market.min_notional)

    desk.order(side, size)  # open
    engine.apply_funding(market.symbol, Decimal(str(s["funding"])) * start)
    moved = on_step(start * Decimal(str(s["move"])), market.quote_tick)
    engine.set_mark(market.symbol, moved)
    assume(engine.position(ACCOUNT, market.symbol, ISOLATED) is not None)  # not liquidated

    other = Side.SELL if side is Side.BUY else Side.BUY
    part = on_step(size * fraction, market.base_tick)
    action = s["action"]
    if action == "add":
        assume(part > 0 and part * moved > market.min_notional)
        desk.order(side, part)
    elif action == "reduce":
        assume(0 < part < size)
        desk.order(other, part)
    elif action == "close":
        desk.order(other, size)
    elif action == "flip":
        assume(part > 0 and part * moved > market.min_notional)
        desk.order(other, size + part)
    elif action in ("max", "over max"):  # the card's maximum is accepted, one step more is not
        most = desk.max_quantity(side)
        assume(most > 0 and most * moved > market.min_notional and most < market.base_max)
        if action == "max":
            desk.order(side, most)
        else:
            with pytest.raises(EngineError):
                engine.create_order(ACCOUNT, req(market.symbol, side, f"{most + market.base_tick}",
                                                 ISOLATED))
    else:
        position = engine.position(ACCOUNT, market.symbol, ISOLATED)
        assert position is not None
        if action == "margin add":
            bound = free_for_isolated(engine.holding(ACCOUNT), engine.positions(ACCOUNT))
            amount = on_step(bound * fraction, Decimal("0.01"))
            assume(amount > 0)
            desk.margin(amount)
        else:
            bound = m.max_reduce(position.margin, position.notional, position.imr,
                                 position.unsettled_pnl)
            amount = on_step(bound * fraction, Decimal("0.01"))
            assume(amount > 0)
            desk.margin(-amount)
