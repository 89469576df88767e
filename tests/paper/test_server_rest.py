"""The paper server's REST face: envelopes, auth, defaults, validation, rate limits, fault hook."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.orderly.jsoncodec import loads
from bot.paper.engine import KeyRecord
from bot.paper.limits import DEFAULT_LIMITS
from bot.timing import now_ms
from tests.paper.server_kit import Desk, error_of

ETH = "PERP_ETH_USDC"


@pytest.fixture
async def desk():
    d = Desk()
    yield d
    await d.http.aclose()


async def test_public_envelopes_and_single_object_shapes(desk: Desk) -> None:
    response = await desk.public("/v1/public/info")
    payload = loads(response.text)
    assert list(payload) == ["success", "data", "timestamp"]
    assert payload["timestamp"] == now_ms(desk.clock)
    assert ETH in [row["symbol"] for row in payload["data"]["rows"]]
    one = loads((await desk.public(f"/v1/public/info/{ETH}")).text)["data"]
    assert one["symbol"] == ETH and one["base_imr"] == Decimal("0.01")
    ticker = loads((await desk.public(f"/v1/public/futures/{ETH}")).text)["data"]
    assert ticker["symbol"] == ETH and ticker["mark_price"] > 0
    rate = loads((await desk.public(f"/v1/public/funding_rate/{ETH}")).text)["data"]
    assert "sum_unitary_funding" in rate
    assert loads((await desk.public("/v1/public/system_info")).text)["data"]["status"] == 0
    assert error_of(await desk.public("/v1/public/info/PERP_NOPE_USDC")) == (400, -1005)
    assert error_of(await desk.public("/v1/nowhere"))[0] == 404


@pytest.mark.parametrize("urlsafe", [True, False])
async def test_standard_and_url_safe_signatures_are_both_accepted(desk: Desk, urlsafe) -> None:
    response = await desk.call("GET", "/v1/positions", urlsafe=urlsafe)
    assert response.status_code == 200
    assert loads(response.text)["data"]["rows"] == []


async def test_bad_signature_stale_timestamp_and_unknown_key_get_401(desk: Desk) -> None:
    other = "AAAA" + desk.signer.sign(b"something else")[4:]
    assert error_of(await desk.call("GET", "/v1/positions", signature=other)) == (401, -1001)
    stale = now_ms(desk.clock) - 301_000
    assert error_of(await desk.call("GET", "/v1/positions", ts=stale)) == (401, -1002)
    stranger = {"orderly-key": "ed25519:FsSarm1hyETr23BSuGJw5CPoVFtVfwQjRzJnVHxFgLHK"}
    assert error_of(await desk.call("GET", "/v1/positions", headers=stranger)) == (401, -1002)
    # the signature covers the query string: change it after signing and it fails
    response = await desk.call("GET", f"/v1/position/{ETH}", query="margin_mode=ISOLATED")
    assert response.status_code == 200
    no_auth = await desk.http.get("/v1/positions")
    assert error_of(no_auth) == (401, -1001)


async def test_read_only_key_cannot_trade(desk: Desk) -> None:
    from bot.paper.credentials import issue

    reader = issue(desk.clock, desk.creds.account_id)
    desk.engine.add_key(KeyRecord(reader.account_id, reader.orderly_key, frozenset({"read"}),
                                  reader.expiration_ms))
    desk.creds, desk.signer = reader, reader.signer()
    assert (await desk.call("GET", "/v1/positions")).status_code == 200
    order = {"symbol": ETH, "order_type": "MARKET", "side": "BUY", "order_quantity": Decimal("0.1")}
    assert error_of(await desk.call("POST", "/v1/order", order)) == (401, -1002)


async def test_margin_mode_defaults_to_cross_on_position_and_leverage(desk: Desk) -> None:
    flat = await desk.ok("GET", f"/v1/position/{ETH}")
    assert flat["margin_mode"] == "CROSS" and flat["position_qty"] == 0
    lev = await desk.ok("GET", "/v1/client/leverage", query=f"symbol={ETH}")
    assert lev["margin_mode"] == "CROSS"
    await desk.ok("POST", "/v1/client/leverages",
                  {"leverage": 20, "symbol": ETH, "margin_mode": "ISOLATED"})
    desk.clock.advance(1.5)
    iso = await desk.ok("GET", "/v1/client/leverage", query=f"symbol={ETH}&margin_mode=ISOLATED")
    assert (iso["margin_mode"], iso["leverage"]) == ("ISOLATED", 20)
    rows = (await desk.ok("GET", "/v1/client/leverages"))["rows"]
    assert {"symbol": ETH, "margin_mode": "ISOLATED", "leverage": 20} in rows


async def test_orders_without_margin_mode_use_the_symbols_default(desk: Desk) -> None:
    response = await desk.call("POST", "/v1/client/margin_mode",
                               {"symbol": ETH, "default_margin_mode": "ISOLATED"})
    assert list(loads(response.text)) == ["success", "timestamp"]
    modes = (await desk.ok("GET", "/v1/client/margin_modes"))["rows"]
    assert {"symbol": ETH, "default_margin_mode": "ISOLATED"} in modes
    ack = await desk.ok("POST", "/v1/order", {"symbol": ETH, "order_type": "MARKET",
                                             "side": "BUY", "order_quantity": Decimal("0.1")})
    assert ack["order_id"] > 0 and ack["error_message"] == "none"
    [row] = (await desk.ok("GET", "/v1/positions"))["rows"]
    assert (row["margin_mode"], row["position_qty"]) == ("ISOLATED", Decimal("0.1"))
    order = await desk.ok("GET", f"/v1/order/{ack['order_id']}")
    assert (order["status"], order["margin_mode"]) == ("FILLED", "ISOLATED")
    assert desk.saves >= 2  # every write was saved before it was answered


async def test_position_margin_amount_must_be_a_string(desk: Desk) -> None:
    await desk.ok("POST", "/v1/order", {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
                                        "order_quantity": Decimal("0.1"),
                                        "margin_mode": "ISOLATED"})
    before = (await desk.ok("GET", f"/v1/position/{ETH}", query="margin_mode=ISOLATED"))["margin"]
    as_number = {"symbol": ETH, "amount": 10, "type": "ADD"}
    assert error_of(await desk.call("POST", "/v1/position_margin", as_number)) == (400, -1005)
    response = await desk.call("POST", "/v1/position_margin",
                               {"symbol": ETH, "amount": "10", "type": "ADD"})
    assert list(loads(response.text)) == ["success", "timestamp"]
    after = (await desk.ok("GET", f"/v1/position/{ETH}", query="margin_mode=ISOLATED"))["margin"]
    assert after == before + 10
    holding = (await desk.ok("GET", "/v1/client/holding"))["holding"][0]
    assert holding["isolated_margin"] == after


async def test_order_lifecycle_by_id_and_client_id(desk: Desk) -> None:
    limit = {"symbol": ETH, "order_type": "LIMIT", "side": "BUY", "order_price": 2400,
             "order_quantity": Decimal("0.1"), "margin_mode": "ISOLATED",
             "client_order_id": "tok-1"}
    ack = await desk.ok("POST", "/v1/order", limit)
    assert error_of(await desk.call("POST", "/v1/order", limit)) == (409, -1007)
    mine = await desk.ok("GET", "/v1/client/order/tok-1")
    assert mine["order_id"] == ack["order_id"] and mine["status"] == "NEW"
    page = await desk.ok("GET", "/v1/orders", query="status=INCOMPLETE")
    assert page["meta"]["total"] == 1 and page["rows"][0]["client_order_id"] == "tok-1"
    edit = {"order_id": ack["order_id"], "symbol": ETH, "order_type": "LIMIT", "side": "BUY",
            "order_price": 2410}
    assert (await desk.ok("PUT", "/v1/order", edit))["status"] == "EDIT_SENT"
    query = f"order_id={ack['order_id']}&symbol={ETH}"
    assert (await desk.ok("DELETE", "/v1/order", query=query))["status"] == "CANCEL_SENT"
    assert (await desk.ok("GET", f"/v1/order/{ack['order_id']}"))["status"] == "CANCELLED"
    assert (await desk.ok("DELETE", "/v1/orders"))["status"] == "CANCEL_ALL_SENT"


async def test_trades_history_has_orderlys_row_shape_and_filters(desk: Desk) -> None:
    market = {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
              "order_quantity": Decimal("0.1"), "margin_mode": "ISOLATED"}
    ack = await desk.ok("POST", "/v1/order", market)
    (row,) = (await desk.ok("GET", "/v1/trades", query=f"symbol={ETH}"))["rows"]
    assert set(row) >= {"id", "symbol", "fee", "fee_asset", "side", "order_id", "executed_price",
                        "executed_quantity", "executed_timestamp", "is_maker", "realized_pnl",
                        "margin_mode"}
    assert (row["order_id"], row["side"], row["executed_quantity"]) == (
        ack["order_id"], "BUY", Decimal("0.1"))
    assert row["realized_pnl"] == 0 and row["margin_mode"] == "ISOLATED" and row["fee"] > 0
    later = row["executed_timestamp"] + 1
    assert (await desk.ok("GET", "/v1/trades", query=f"start_t={later}"))["rows"] == []
    assert error_of(await desk.call("GET", "/v1/trades", query="symbol=PERP_NOPE_USDC")) == (
        400, -1005)


async def test_account_reads(desk: Desk) -> None:
    assert (await desk.ok("GET", "/v1/client/info"))["account_id"] == desk.creds.account_id
    assert (await desk.ok("GET", "/v1/account_info"))["free_collateral"] == 10_000
    [key] = (await desk.ok("GET", "/v1/client/key_info"))["rows"]
    assert key["orderly_key"] == desk.creds.orderly_key and key["scope"] == "read,trading"
    [agg] = (await desk.ok("GET", "/v1/client/aggregate/holding"))["rows"]
    assert agg["account_id"] == desk.creds.account_id and agg["holding"] == 10_000


BAD_INPUT = [
    ("POST", "/v1/order", {"symbol": ETH, "order_type": "MARKET", "side": "UP",
                           "order_quantity": 1}, -1005),
    ("POST", "/v1/order", {"symbol": "PERP_NOPE_USDC", "order_type": "MARKET", "side": "BUY",
                           "order_quantity": 1}, -1005),
    ("POST", "/v1/order", {"symbol": ETH, "order_type": "LIMIT", "side": "BUY",
                           "order_quantity": 1}, -1005),
    ("POST", "/v1/order", {"symbol": ETH, "order_type": "MARKET", "side": "BUY"}, -1005),
    ("POST", "/v1/order", {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
                           "order_quantity": "lots"}, -1005),
    ("POST", "/v1/order", {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
                           "order_quantity": 1, "colour": "red"}, -1004),
    ("POST", "/v1/order", "[1, 2]", -1005),
    ("POST", "/v1/order", "{not json", -1005),
    ("POST", "/v1/client/leverages", {"leverage": 0}, -1005),
    ("POST", "/v1/client/leverages", {"leverage": "ten"}, -1005),
    ("POST", "/v1/client/leverages", {"leverage": 5, "margin_mode": "HEDGE"}, -1005),
    ("POST", "/v1/client/margin_mode", {"symbol": ETH}, -1005),
    ("POST", "/v1/position_margin", {"symbol": ETH, "amount": "1e3", "type": "ADD"}, -1005),
    ("POST", "/v1/position_margin", {"symbol": ETH, "amount": "5", "type": "TAKE"}, -1005),
    ("GET", "/v1/order/abc", None, -1005),
    ("GET", f"/v1/position/{ETH}?margin_mode=BOTH", None, -1005),
    ("GET", "/v1/orders?size=0", None, -1005),
    ("GET", "/v1/orders?status=DONE", None, -1005),
    ("DELETE", "/v1/order?order_id=x&symbol=" + ETH, None, -1005),
]


@pytest.mark.parametrize(("method", "target", "body", "code"), BAD_INPUT)
async def test_bad_input_is_a_clear_400_never_a_500(desk: Desk, method, target, body, code):
    path, _, query = target.partition("?")
    response = await desk.call(method, path, body, query=query)
    assert error_of(response) == (400, code), response.text


async def test_tight_rate_limits_answer_429_minus_1003(desk: Desk) -> None:
    assert DEFAULT_LIMITS[("POST", "/v1/client/leverages")] == (5, 60.0)
    body = {"leverage": 5, "symbol": ETH, "margin_mode": "ISOLATED"}
    for _ in range(5):
        assert (await desk.call("POST", "/v1/client/leverages", body)).status_code == 200
    assert error_of(await desk.call("POST", "/v1/client/leverages", body)) == (429, -1003)
    desk.clock.advance(60)
    assert (await desk.call("POST", "/v1/client/leverages", body)).status_code == 200
    query = f"symbol={ETH}"
    assert (await desk.call("GET", "/v1/client/leverage", query=query)).status_code == 200
    assert error_of(await desk.call("GET", "/v1/client/leverage", query=query)) == (429, -1003)
    desk.clock.advance(1)
    assert (await desk.call("GET", "/v1/client/leverage", query=query)).status_code == 200


async def test_fault_hook_forces_429s_without_applying_the_request(desk: Desk) -> None:
    desk.app.state.faults.fail_next(2)
    order = {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
             "order_quantity": Decimal("0.1"), "margin_mode": "ISOLATED"}
    assert error_of(await desk.call("POST", "/v1/order", order)) == (429, -1003)
    assert error_of(await desk.public("/v1/public/info")) == (429, -1003)
    assert (await desk.ok("GET", "/v1/positions"))["rows"] == []
    desk.app.state.faults.fail_next(1, status=500)
    assert error_of(await desk.public("/v1/public/info")) == (500, -1000)
    desk.app.state.faults.delay_next(1, 0.01)
    assert (await desk.call("POST", "/v1/order", order)).status_code == 200
    assert len((await desk.ok("GET", "/v1/positions"))["rows"]) == 1
