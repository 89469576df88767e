"""Golden vectors of orderly-api.md §2.5, produced by the official connector."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.orderly import signing
from bot.orderly.signing import Signer, message, verify

SECRET = "ed25519:DAbXSmm9AVLDFg7aeuCFbRUcb8m5WutRNt9GYHw5D9Qv"
SEED_HEX = "b4c182011d9d75ee734c5a0b3210649c0a2c02e5b9ac115170fcd1f7369c48eb"
KEY = "ed25519:FsSarm1hyETr23BSuGJw5CPoVFtVfwQjRzJnVHxFgLHK"
ACCOUNT = "0xe5f543091345a99506cd77a113baff8e8e4f5e88851ef3ee5a819d33d86a6064"
TS = 1700000000000

BODY_2 = (
    '{"symbol": "PERP_ETH_USDC", "order_type": "LIMIT", "side": "BUY", '
    '"order_price": 2000, "order_quantity": 0.01, "margin_mode": "ISOLATED"}'
)
BODY_2B = (
    '{"margin_mode":"ISOLATED","order_price":2000,"order_quantity":0.01,'
    '"order_type":"LIMIT","side":"BUY","symbol":"PERP_ETH_USDC"}'
)

# (name, method, path, body, standard base64 signature exactly as published)
VECTORS = [
    ("1 GET positions", "GET", "/v1/positions", "",
     "aRZQFmlL9uPhDXa7zt0g0HWJbHC1FH1xfqwWfNXHToriH/ZNWnrrZjGzaXQUTmymwNJvwdEBgf64g9O6npnWBA=="),
    ("2 POST order", "POST", "/v1/order", BODY_2,
     "bqdzFFcGOHU58adoa4eQKwDfo2S9PWpwVvuuEL3YE3unb8aK0uD4zYS7sDn3iqjinAEepAPHoIEgDp0YzFE1AA=="),
    ("2b POST order compact", "POST", "/v1/order", BODY_2B,
     "/Zs9RFCEAkzWZAzWCjdGMVuBvEeiDDMHxn0XFtKGl3F/bQW4pw+EtQllKhyCLsZ9gfRjq2YjNuWOjhmbwvVzDA=="),
    ("3 GET position isolated", "GET", "/v1/position/PERP_ETH_USDC?margin_mode=ISOLATED", "",
     "xeQjZu1ZZU8JZoXf9tikLZMdFTUeIMnpemeBwl8nd2hEKaDbwM0kt1N8frDNXFXEvWvO0z6ftcBDQIsnewnBDQ=="),
]
WS_SIGN = "uVcFhz0pYueMeGO1uMrntrGyT96sRgldmI2MNnKilj8wT827AKwDsnMlWYuMihKBed8O89sGpf5rL69LsbD7BA=="


def urlsafe(std: str) -> str:
    return std.replace("+", "-").replace("/", "_")


@pytest.fixture
def signer() -> Signer:
    return Signer(ACCOUNT, KEY, SECRET)


def test_vector_urlsafe_forms_as_published() -> None:
    # the document's own url-safe strings for vectors 1 and 2b, copied verbatim
    assert urlsafe(VECTORS[0][4]) == (
        "aRZQFmlL9uPhDXa7zt0g0HWJbHC1FH1xfqwWfNXHToriH_ZNWnrrZjGzaXQUTmymwNJvwdEBgf64g9O6npnWBA=="
    )
    assert urlsafe(VECTORS[2][4]).rstrip("=") == (
        "_Zs9RFCEAkzWZAzWCjdGMVuBvEeiDDMHxn0XFtKGl3F_bQW4pw-EtQllKhyCLsZ9gfRjq2YjNuWOjhmbwvVzDA"
    )


@pytest.mark.parametrize(("name", "method", "path", "body", "std"), VECTORS)
def test_golden_vector_all_encodings(
    signer: Signer, name: str, method: str, path: str, body: str, std: str
) -> None:
    msg = message(TS, method, path, body)
    assert msg == f"{TS}{method}{path}{body}".encode()
    assert signer.sign(msg, urlsafe=False) == std
    assert signer.sign(msg) == urlsafe(std)  # url-safe, padded (what we send)
    assert signer.sign(msg).rstrip("=") == urlsafe(std).rstrip("=")  # CCXT form


@pytest.mark.parametrize(("name", "method", "path", "body", "std"), VECTORS)
def test_headers_match_vector(
    signer: Signer, name: str, method: str, path: str, body: str, std: str
) -> None:
    headers = signer.headers(TS, method, path, body)
    assert headers["orderly-timestamp"] == "1700000000000"
    assert headers["orderly-account-id"] == ACCOUNT
    assert headers["orderly-key"] == KEY
    assert headers["orderly-signature"] == urlsafe(std)
    expected_type = "application/json" if method == "POST" else "application/x-www-form-urlencoded"
    assert headers["Content-Type"] == expected_type


def test_vector_4_ws_auth(signer: Signer) -> None:
    assert signer.sign(b"1700000000000", urlsafe=False) == WS_SIGN
    params = signer.ws_auth(TS)
    assert params == {"orderly_key": KEY, "sign": urlsafe(WS_SIGN), "timestamp": TS}


def test_secret_without_prefix_gives_same_key() -> None:
    bare = Signer(ACCOUNT, KEY, SECRET.removeprefix("ed25519:"))
    assert bare.orderly_key == KEY
    assert bare.sign(b"x") == Signer(ACCOUNT, KEY, SECRET).sign(b"x")


def test_key_may_be_omitted_and_is_derived() -> None:
    assert Signer(ACCOUNT, "", SECRET).orderly_key == KEY


def test_secret_of_another_key_is_config_error() -> None:
    _, other_secret = signing.generate_keypair()
    with pytest.raises(ConfigError, match="does not belong"):
        Signer(ACCOUNT, KEY, other_secret)


def test_garbage_secret_is_config_error_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as info:
        Signer(ACCOUNT, KEY, "not-base58-0OIl")
    assert "0OIl" not in str(info.value)


@pytest.mark.parametrize(("name", "method", "path", "body", "std"), VECTORS)
def test_verify_accepts_four_flavours(
    name: str, method: str, path: str, body: str, std: str
) -> None:
    msg = message(TS, method, path, body)
    for sig in (std, std.rstrip("="), urlsafe(std), urlsafe(std).rstrip("=")):
        assert verify(KEY, msg, sig), sig


def test_verify_rejects_tampered_message_and_garbage() -> None:
    _, method, path, body, std = VECTORS[1]
    tampered = message(TS, method, path, body.replace("0.01", "0.02"))
    assert not verify(KEY, tampered, std)
    assert not verify(KEY, message(TS + 1, method, path, body), std)
    assert not verify(KEY, message(TS, method, path, body), "not base64 !!")
    assert not verify("ed25519:short", message(TS, method, path, body), std)


def test_repr_never_contains_the_secret(signer: Signer) -> None:
    text = repr(signer) + str(signer)
    assert SECRET.removeprefix("ed25519:") not in text
    assert SEED_HEX not in text
    assert ACCOUNT in repr(signer)
