"""Request bodies a stranger can send: malformed or deeply nested JSON gets Orderly's 400 shape,
never a 500; anything over 1 MiB gets 413 and is never read (tests/e2e_exchange measures RSS)."""

from __future__ import annotations

import pytest

from bot.orderly.jsoncodec import loads
from bot.paper.body import MAX_BODY_BYTES, MAX_JSON_DEPTH
from tests.paper.server_kit import Desk, error_of

ETH = "PERP_ETH_USDC"
ORDER = '{"symbol": "PERP_ETH_USDC", "order_type": "MARKET", "side": "BUY", "order_quantity": 1'


def nested(depth: int) -> str:
    """An order body whose extra field nests `depth` levels in all (the body itself is level 1)."""
    inner = "[" * (depth - 1) + "]" * (depth - 1)
    return ORDER + f', "x": {inner}}}'


@pytest.fixture
async def desk():
    d = Desk()
    yield d
    await d.http.aclose()


@pytest.mark.parametrize("body", [
    nested(MAX_JSON_DEPTH + 1),
    ORDER + ', "x": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
    "[" * 200_000 + "]" * 200_000,  # deeper than Python's parser can recurse
    '{"a": ' * 100_000 + "1" + "}" * 100_000,
    ORDER + ', "order_price": NaN}',  # Python's json would accept it; JSON does not
    ORDER + "}}",
])  # fmt: skip
async def test_malformed_or_too_deep_json_is_orderlys_400(desk: Desk, body: str) -> None:
    response = await desk.call("POST", "/v1/order", body)
    assert error_of(response) == (400, -1005), response.text
    payload = loads(response.text)
    assert set(payload) == {"success", "code", "message"}
    assert response.headers["content-type"] == "application/json"
    assert not desk.engine.orders(desk.creds.account_id)  # nothing was placed


async def test_depth_at_the_limit_reaches_the_endpoint(desk: Desk) -> None:
    response = await desk.call("POST", "/v1/order", nested(MAX_JSON_DEPTH))
    assert error_of(response) == (400, -1004)  # the endpoint's own verdict: unknown parameter
    assert "nests deeper" not in response.text


async def test_a_body_over_1_mib_is_413_in_orderlys_shape(desk: Desk) -> None:
    padding = " " * MAX_BODY_BYTES  # valid JSON, just too big
    response = await desk.call("POST", "/v1/order", ORDER + padding + "}")
    assert error_of(response) == (413, -1005)
    assert response.headers["connection"] == "close"
    assert not desk.engine.orders(desk.creds.account_id)
    exactly = ORDER + "}"
    fits = exactly + " " * (MAX_BODY_BYTES - len(exactly))
    assert (await desk.call("POST", "/v1/order", fits)).status_code == 200
