import pytest

from storage.db import open_database
from storage.default_modes import DefaultModeStore

ETH, BTC = "PERP_ETH_USDC", "PERP_BTC_USDC"


def test_nothing_stored_reads_as_none():
    assert DefaultModeStore(open_database(":memory:")).get(1, ETH) is None


def test_set_survives_a_reopen_per_chat_and_symbol(tmp_path):
    path = tmp_path / "desk.db"
    store = DefaultModeStore(open_database(path))
    store.set(1, ETH, "CROSS", 10.0)
    store.set(1, ETH, "ISOLATED", 11.0)
    store.set(1, BTC, "CROSS", 12.0)
    store = DefaultModeStore(open_database(path))
    assert store.get(1, ETH) == "ISOLATED"
    assert store.get(1, BTC) == "CROSS"
    assert store.get(2, BTC) is None  # other chats unaffected


def test_an_unknown_mode_is_refused_and_nothing_stored():
    store = DefaultModeStore(open_database(":memory:"))
    with pytest.raises(ValueError):
        store.set(1, ETH, "PORTFOLIO", 1.0)
    assert store.get(1, ETH) is None
