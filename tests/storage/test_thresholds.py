from decimal import Decimal

from bot.domain.records import SymbolOverride
from bot.domain.records import ThresholdPercents as Thresholds
from storage.db import open_database
from storage.thresholds import ThresholdStore

ETH, BTC = "PERP_ETH_USDC", "PERP_BTC_USDC"


def test_defaults_are_5_and_2_5_percent_when_nothing_is_stored():
    store = ThresholdStore(open_database(":memory:"))
    assert store.default(1) == Thresholds(Decimal("5"), Decimal("2.5"), True, "builtin")
    assert store.effective(1, ETH) == Thresholds(Decimal("5"), Decimal("2.5"), True, "builtin")
    assert store.overrides(1) == []


def test_chat_default_then_symbol_override(tmp_path):
    path = tmp_path / "desk.db"
    store = ThresholdStore(open_database(path))
    store.set_default(1, Decimal("4"), Decimal("1.75"))
    store.set_symbol(1, ETH, Decimal("8.125"), Decimal("3.0000001"))
    store = ThresholdStore(open_database(path))
    assert store.effective(1, BTC) == Thresholds(Decimal("4"), Decimal("1.75"), True, "chat")
    eth = store.effective(1, ETH)
    assert eth == Thresholds(Decimal("8.125"), Decimal("3.0000001"), True, "symbol")
    assert str(eth.critical_pct) == "3.0000001"
    assert store.effective(2, ETH).source == "builtin"  # other chats unaffected


def test_symbol_off_and_on_keeps_its_override():
    store = ThresholdStore(open_database(":memory:"))
    store.set_symbol(1, ETH, Decimal("6"), Decimal("3"))
    store.set_enabled(1, ETH, False)
    store.set_enabled(1, BTC, False)
    assert store.effective(1, ETH) == Thresholds(Decimal("6"), Decimal("3"), False, "symbol")
    assert store.effective(1, BTC) == Thresholds(Decimal("5"), Decimal("2.5"), False, "builtin")
    store.set_enabled(1, ETH, True)
    assert store.effective(1, ETH).enabled and store.effective(1, ETH).warn_pct == Decimal("6")
    assert store.overrides(1) == [
        SymbolOverride(BTC, None, None, False),
        SymbolOverride(ETH, Decimal("6"), Decimal("3"), True),
    ]


def test_clear_symbol_inherits_default_but_keeps_off():
    store = ThresholdStore(open_database(":memory:"))
    store.set_symbol(1, ETH, Decimal("6"), Decimal("3"))
    store.set_symbol(1, BTC, Decimal("7"), Decimal("3"))
    store.set_enabled(1, BTC, False)
    store.clear_symbol(1, ETH)
    store.clear_symbol(1, BTC)
    assert store.effective(1, ETH).source == "builtin"
    assert store.effective(1, BTC) == Thresholds(Decimal("5"), Decimal("2.5"), False, "builtin")
    assert [o.symbol for o in store.overrides(1)] == [BTC]
