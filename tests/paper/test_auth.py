"""Private-request verification against the golden vectors of orderly-api.md §2.5."""

from __future__ import annotations

import pytest

from bot.paper.auth import require_scope, verify_request, verify_ws_auth
from bot.paper.engine import EngineError, KeyRecord

ACCOUNT = "0xe5f543091345a99506cd77a113baff8e8e4f5e88851ef3ee5a819d33d86a6064"
KEY = "ed25519:FsSarm1hyETr23BSuGJw5CPoVFtVfwQjRzJnVHxFgLHK"
TS = 1700000000000
SKEW = 300_000
V1_STD = "aRZQFmlL9uPhDXa7zt0g0HWJbHC1FH1xfqwWfNXHToriH/ZNWnrrZjGzaXQUTmymwNJvwdEBgf64g9O6npnWBA=="
V1_URL = V1_STD.replace("/", "_")
V2_BODY = (
    '{"symbol": "PERP_ETH_USDC", "order_type": "LIMIT", "side": "BUY", "order_price": 2000, '
    '"order_quantity": 0.01, "margin_mode": "ISOLATED"}'
)
V2_SIG = "bqdzFFcGOHU58adoa4eQKwDfo2S9PWpwVvuuEL3YE3unb8aK0uD4zYS7sDn3iqjinAEepAPHoIEgDp0YzFE1AA=="
V3_SIG = "xeQjZu1ZZU8JZoXf9tikLZMdFTUeIMnpemeBwl8nd2hEKaDbwM0kt1N8frDNXFXEvWvO0z6ftcBDQIsnewnBDQ=="
V4_SIGN = "uVcFhz0pYueMeGO1uMrntrGyT96sRgldmI2MNnKilj8wT827AKwDsnMlWYuMihKBed8O89sGpf5rL69LsbD7BA=="


class Keys:
    """The one method auth needs from the engine."""

    def __init__(self, *records: KeyRecord) -> None:
        self._records = {r.orderly_key: r for r in records}

    def key(self, orderly_key: str) -> KeyRecord | None:
        return self._records.get(orderly_key)


def record(**overrides: object) -> KeyRecord:
    values: dict[str, object] = {
        "account_id": ACCOUNT, "orderly_key": KEY, "scope": frozenset({"read", "trading"}),
        "expiration_ms": TS + 10**10,
    }
    values.update(overrides)
    return KeyRecord(**values)  # type: ignore[arg-type]


def headers(signature: str, ts: int = TS, key: str = KEY, account: str = ACCOUNT) -> dict[str, str]:
    return {"orderly-timestamp": str(ts), "orderly-account-id": account, "orderly-key": key,
            "orderly-signature": signature}


def check(hdrs: dict[str, str], path: str = "/v1/positions", query: str = "", body: str = "",
          method: str = "GET", now: int = TS, engine: Keys | None = None) -> KeyRecord:
    return verify_request(engine or Keys(record()), hdrs, method, path, query, body, now, SKEW)


def refused(code: int, **kwargs: object) -> EngineError:
    with pytest.raises(EngineError) as info:
        check(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == code
    assert info.value.http_status == 401
    return info.value


@pytest.mark.parametrize("sig", [V1_STD, V1_URL, V1_URL.rstrip("="), V1_STD.rstrip("=")])
def test_every_base64_flavour_of_the_golden_signature_is_accepted(sig: str) -> None:
    assert check(headers(sig)).account_id == ACCOUNT


def test_post_body_and_query_are_part_of_the_signed_message() -> None:
    assert check(headers(V2_SIG), "/v1/order", body=V2_BODY, method="POST").orderly_key == KEY
    assert check(headers(V3_SIG), "/v1/position/PERP_ETH_USDC", "margin_mode=ISOLATED")
    # the same signature over a body with different whitespace, or without the query, is refused
    refused(-1001, hdrs=headers(V2_SIG), path="/v1/order", body=V2_BODY.replace(", ", ","),
            method="POST")
    refused(-1001, hdrs=headers(V3_SIG), path="/v1/position/PERP_ETH_USDC")


def test_a_tampered_or_garbage_signature_is_a_format_error() -> None:
    assert "verification" in refused(-1001, hdrs=headers(V1_STD[:10] + "A" + V1_STD[11:])).message
    refused(-1001, hdrs=headers("not base64 !!"))
    refused(-1001, hdrs=headers("aGVsbG8="))  # valid base64 but not 64 bytes


def test_timestamp_more_than_300_seconds_off_is_refused_either_way() -> None:
    assert check(headers(V1_STD), now=TS + 299_000)
    assert "timestamp expired" in refused(-1002, hdrs=headers(V1_STD), now=TS + 301_000).message
    refused(-1002, hdrs=headers(V1_STD), now=TS - 301_000)
    refused(-1001, hdrs=headers(V1_STD, ts="soon"))  # type: ignore[arg-type]


def test_unknown_foreign_expired_or_revoked_keys_are_refused() -> None:
    refused(-1002, hdrs=headers(V1_STD), engine=Keys())
    refused(-1002, hdrs=headers(V1_STD), engine=Keys(record(account_id="0x" + "0" * 64)))
    refused(-1002, hdrs=headers(V1_STD), engine=Keys(record(expiration_ms=TS - 1)))
    refused(-1002, hdrs=headers(V1_STD), engine=Keys(record(status="REVOKED")))


def test_malformed_key_or_missing_header_is_a_format_error() -> None:
    refused(-1001, hdrs=headers(V1_STD, key="ed25519:0OIl"))
    refused(-1001, hdrs=headers(V1_STD, key="ed25519:abc"))
    hdrs = headers(V1_STD)
    del hdrs["orderly-signature"]
    assert "orderly-signature" in refused(-1001, hdrs=hdrs).message


def test_ws_auth_signs_only_the_timestamp() -> None:
    engine = Keys(record())
    params = {"orderly_key": KEY, "sign": V4_SIGN, "timestamp": TS}
    assert verify_ws_auth(engine, ACCOUNT, params, TS, SKEW).orderly_key == KEY  # type: ignore[arg-type]
    for bad in ({**params, "timestamp": TS + 1}, {**params, "sign": V1_STD}, {"orderly_key": KEY}):
        with pytest.raises(EngineError):
            verify_ws_auth(engine, ACCOUNT, bad, TS, SKEW)  # type: ignore[arg-type]
    with pytest.raises(EngineError):
        verify_ws_auth(engine, "0x" + "1" * 64, params, TS, SKEW)  # type: ignore[arg-type]


def test_trading_scope_is_required_where_asked() -> None:
    require_scope(record(), "trading")
    with pytest.raises(EngineError) as info:
        require_scope(record(scope=frozenset({"read"})), "trading")
    assert (info.value.code, info.value.http_status) == (-1002, 401)
