"""SimulatedMarket: a seeded, tick-rounded random walk that scripted prices override."""

from __future__ import annotations

import itertools
import math
import statistics
from decimal import Decimal

import pytest

from bot.paper.mark_prices import SimulatedMarket
from bot.paper.symbol_table import start_prices

D = Decimal
ETH, BTC = "PERP_ETH_USDC", "PERP_BTC_USDC"


def test_same_seed_same_path_other_seed_other_path() -> None:
    def path(seed: int) -> list[dict[str, Decimal]]:
        market = SimulatedMarket(start_prices(), seed=seed)
        return [market.step(1.0) for _ in range(20)]

    assert path(7) == path(7)
    assert path(7) != path(8)


def test_prices_stay_on_tick_and_positive() -> None:
    market = SimulatedMarket(start_prices(), seed=1)
    ticks = {ETH: D("0.01"), BTC: D("0.1"), "PERP_DOGE_USDC": D("0.00001")}
    for _ in range(200):
        prices = market.step(5.0)
        for symbol, tick in ticks.items():
            assert prices[symbol] > 0 and prices[symbol] % tick == 0


@pytest.mark.parametrize(("symbol", "vol"), [(ETH, 0.0006), (BTC, 0.0005)])
def test_volatility_per_second_is_realistic(symbol: str, vol: float) -> None:
    market = SimulatedMarket(start_prices(), seed=3)
    prices = [float(market.step(1.0)[symbol]) for _ in range(2000)]
    returns = [math.log(b / a) for a, b in itertools.pairwise(prices)]
    assert 0.8 * vol < statistics.pstdev(returns) < 1.2 * vol


def test_script_overrides_the_walk_then_the_walk_resumes_from_there() -> None:
    market = SimulatedMarket({ETH: D(2500), BTC: D(60000)}, seed=2)
    market.script(ETH, [D("2400"), D("2300.004"), D("2200")])
    seen = [market.step(1.0)[ETH] for _ in range(3)]
    assert seen == [D("2400"), D("2300.00"), D("2200")]  # rounded to the 0.01 tick
    assert market.scripted(ETH) == 0
    after = market.step(1.0)[ETH]
    assert after != D("2200") and abs(after - 2200) < 2200 * D("0.01")


def test_scripts_do_not_disturb_other_symbols() -> None:
    plain = SimulatedMarket({ETH: D(2500), BTC: D(60000)}, seed=4)
    scripted = SimulatedMarket({ETH: D(2500), BTC: D(60000)}, seed=4)
    scripted.script(ETH, [D(2000)] * 5)
    for _ in range(5):
        assert plain.step(1.0)[BTC] == scripted.step(1.0)[BTC]


def test_set_price_jumps_now_and_validates() -> None:
    market = SimulatedMarket({ETH: D(2500)}, seed=0, volatility=D(0))
    market.set_price(ETH, D("1999.999"))
    assert market.price(ETH) == D("2000.00")
    assert market.step(10.0)[ETH] == D("2000.00")  # zero volatility: stays put
    with pytest.raises(ValueError):
        market.set_price(ETH, D(0))
    with pytest.raises(KeyError):
        market.script("PERP_NOPE_USDC", [D(1)])
