"""Symbol text a user types resolves to the exchange's PERP_<BASE>_USDC name, or is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.symbols import base_of, candidates, perp_symbol, resolve_symbol
from bot.errors import UserInputError

KNOWN = ["PERP_ETH_USDC", "PERP_BTC_USDC", "PERP_SOL_USDC", "PERP_1000PEPE_USDC"]


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("eth", "PERP_ETH_USDC"),
        ("ETH", "PERP_ETH_USDC"),
        ("Eth", "PERP_ETH_USDC"),
        ("ETH-PERP", "PERP_ETH_USDC"),
        ("eth-perp", "PERP_ETH_USDC"),
        ("eth_perp", "PERP_ETH_USDC"),
        ("ETHPERP", "PERP_ETH_USDC"),
        ("PERP_ETH_USDC", "PERP_ETH_USDC"),
        ("perp_eth_usdc", "PERP_ETH_USDC"),
        ("PERP-ETH-USDC", "PERP_ETH_USDC"),
        ("ETHUSDC", "PERP_ETH_USDC"),
        ("eth-usdc", "PERP_ETH_USDC"),
        ("ETH/USDC", "PERP_ETH_USDC"),
        ("1000PEPE", "PERP_1000PEPE_USDC"),
        ("1000pepe-perp", "PERP_1000PEPE_USDC"),
        ("btc", "PERP_BTC_USDC"),
    ],
)
def test_accepted_spellings(text: str, symbol: str) -> None:
    assert resolve_symbol(text, KNOWN) == symbol


def test_a_literal_base_wins_over_a_stripped_suffix() -> None:
    known = ["PERP_XUSDC_USDC", "PERP_X_USDC", "PERP_APERP_USDC", "PERP_A_USDC"]
    assert resolve_symbol("XUSDC", known) == "PERP_XUSDC_USDC"
    assert resolve_symbol("APERP", known) == "PERP_APERP_USDC"
    assert resolve_symbol("A-PERP", known) == "PERP_A_USDC"


def test_unknown_symbol_lists_the_known_bases() -> None:
    with pytest.raises(UserInputError) as caught:
        resolve_symbol("doge", ["PERP_ETH_USDC", "PERP_BTC_USDC", "PERP_SOL_USDC"])
    assert caught.value.reason == "unknown symbol DOGE — known: ETH, BTC, SOL"


def test_unknown_symbol_suggests_a_close_match() -> None:
    with pytest.raises(UserInputError, match=r"unknown symbol ETHH \(did you mean ETH\?\)"):
        resolve_symbol("ethh", KNOWN)


def test_known_set_is_listed_sorted_and_long_lists_are_cut() -> None:
    with pytest.raises(UserInputError, match=r"known: BTC, ETH$"):
        resolve_symbol("xyz", {"PERP_ETH_USDC", "PERP_BTC_USDC"})
    many = [perp_symbol(f"T{i:02d}") for i in range(40)]
    with pytest.raises(UserInputError, match=r"T14, …$"):
        resolve_symbol("xyz", many)
    with pytest.raises(UserInputError, match="known: none"):
        resolve_symbol("eth", [])


@pytest.mark.parametrize(
    "text", ["ÉTH", "ＥＴＨ", "eth usdc", "eth\x00", "", "-eth", "eth.usdc", "e" * 31, "ETH$"]
)
def test_malformed_symbol_text(text: str) -> None:
    with pytest.raises(UserInputError):
        resolve_symbol(text, KNOWN)


def test_ethusdt_is_not_silently_mapped() -> None:
    with pytest.raises(UserInputError, match="unknown symbol ETHUSDT"):
        resolve_symbol("ETHUSDT", KNOWN)


def test_helpers() -> None:
    assert perp_symbol("ETH") == "PERP_ETH_USDC"
    assert base_of("PERP_1000PEPE_USDC") == "1000PEPE"
    assert base_of("WEIRD") == "WEIRD"
    assert candidates("eth-perp") == ["PERP_ETH_USDC"]
    assert candidates("ethusdc") == ["PERP_ETHUSDC_USDC", "PERP_ETH_USDC"]


@given(st.text(max_size=50))
def test_any_text_resolves_or_raises_user_input_error(text: str) -> None:
    try:
        symbol = resolve_symbol(text, KNOWN)
    except UserInputError as error:
        assert error.reason
    else:
        assert symbol in KNOWN
