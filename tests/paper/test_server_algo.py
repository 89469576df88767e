"""Algo orders on the paper exchange's REST API: shapes, validation, triggering on the mark."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.paper.engine import AlgoEvent
from tests.paper.server_kit import Desk, error_of

ETH = "PERP_ETH_USDC"
D = Decimal


async def long_eth(desk: Desk, qty: str = "1", mode: str = "ISOLATED") -> None:
    desk.engine.set_mark(ETH, D("2500"))
    await desk.ok("POST", "/v1/order", {"symbol": ETH, "order_type": "MARKET", "side": "BUY",
                                        "order_quantity": D(qty), "margin_mode": mode})


def tpsl(tp: str, sl: str, qty: str | None = "1", kind: str = "TP_SL") -> dict[str, Any]:
    leg_type = "CLOSE_POSITION" if kind == "POSITIONAL_TP_SL" else "MARKET"
    body: dict[str, Any] = {
        "symbol": ETH, "algo_type": kind, "trigger_price_type": "MARK_PRICE",
        "margin_mode": "ISOLATED", "client_order_id": "pair-1",
        "child_orders": [
            {"symbol": ETH, "algo_type": "TAKE_PROFIT", "side": "SELL", "type": leg_type,
             "trigger_price": D(tp), "reduce_only": True},
            {"symbol": ETH, "algo_type": "STOP_LOSS", "side": "SELL", "type": leg_type,
             "trigger_price": D(sl), "reduce_only": True},
        ],
    }
    if qty is not None:
        body["quantity"] = D(qty)
    return body


async def test_tp_sl_pair_lists_with_children_and_fires_once_cancelling_the_sibling() -> None:
    desk = Desk()
    await long_eth(desk)
    placed = await desk.ok("POST", "/v1/algo/order", tpsl("2600", "2400"))
    root_id = placed["rows"][0]["order_id"]
    assert placed["rows"][0]["algo_type"] == "TP_SL"
    listed = await desk.ok("GET", "/v1/algo/orders", query="algo_type=TP_SL&status=INCOMPLETE")
    [row] = listed["rows"]
    assert row["algo_order_id"] == root_id and row["margin_mode"] == "ISOLATED"
    kinds = {c["algo_type"]: c for c in row["child_orders"]}
    assert set(kinds) == {"TAKE_PROFIT", "STOP_LOSS"}
    assert all(c["root_algo_order_id"] == root_id and c["parent_algo_order_id"] == root_id
               for c in row["child_orders"])
    desk.engine.drain_events()

    desk.engine.set_mark(ETH, D("2610"))  # the take-profit fires
    events = desk.engine.drain_events()
    positions = (await desk.ok("GET", "/v1/positions"))["rows"]
    assert all(p["position_qty"] == 0 for p in positions if p["symbol"] == ETH)
    closes = [o for o in (await desk.ok("GET", "/v1/orders", query="symbol=PERP_ETH_USDC"))["rows"]
              if o["reduce_only"]]
    assert len(closes) == 1 and closes[0]["status"] == "FILLED"
    got = await desk.ok("GET", f"/v1/algo/order/{root_id}")
    legs = {c["algo_type"]: c for c in got["child_orders"]}
    assert got["algo_status"] == "FILLED" and got["is_triggered"] is True
    assert legs["TAKE_PROFIT"]["algo_status"] == "FILLED"
    assert legs["STOP_LOSS"]["algo_status"] == "CANCELLED"
    algo_events = [e for e in events if isinstance(e, AlgoEvent)]
    fired = [e for e in algo_events if e.last_fill_qty > 0]
    assert len(fired) == 1 and fired[0].algo.algo_type.value == "TAKE_PROFIT"
    assert fired[0].trigger_status == "SUCCESS" and fired[0].last_fill_price == D("2610")

    desk.engine.set_mark(ETH, D("2300"))  # nothing left to fire
    assert not [e for e in desk.engine.drain_events() if isinstance(e, AlgoEvent)]


async def test_stop_loss_beyond_the_liquidation_price_never_fires() -> None:
    desk = Desk()
    await long_eth(desk)
    liq = next(p for p in (await desk.ok("GET", "/v1/positions"))["rows"]
               if p["symbol"] == ETH)["est_liq_price"]
    sl = (D(liq) - 50).quantize(D("0.01"))
    await desk.ok("POST", "/v1/algo/order", {**tpsl("2600", str(sl)), "client_order_id": None})
    desk.engine.set_mark(ETH, sl - 10)  # past both: the liquidation comes first
    events = desk.engine.drain_events()
    assert not [e for e in events if isinstance(e, AlgoEvent) and e.last_fill_qty > 0]
    rows = (await desk.ok("GET", "/v1/algo/orders"))["rows"]
    assert rows[0]["algo_status"] == "CANCELLED"  # the position is gone, so is its TP/SL


async def test_stop_order_opens_when_the_mark_reaches_it_and_cancel_works() -> None:
    desk = Desk()
    desk.engine.set_mark(ETH, D("2500"))
    stop = {"symbol": ETH, "algo_type": "STOP", "quantity": D("0.5"), "side": "BUY",
            "type": "MARKET", "trigger_price": D("2550"), "margin_mode": "ISOLATED",
            "child_orders": []}
    first = (await desk.ok("POST", "/v1/algo/order", stop))["rows"][0]["order_id"]
    second = (await desk.ok("POST", "/v1/algo/order", stop))["rows"][0]["order_id"]
    assert await desk.ok("DELETE", "/v1/algo/order",
                         query=f"order_id={second}&symbol={ETH}") == {"status": "CANCEL_SENT"}
    desk.engine.set_mark(ETH, D("2540"))
    assert (await desk.ok("GET", f"/v1/algo/order/{first}"))["algo_status"] == "NEW"
    desk.engine.set_mark(ETH, D("2551"))
    assert (await desk.ok("GET", f"/v1/algo/order/{first}"))["algo_status"] == "FILLED"
    pos = next(p for p in (await desk.ok("GET", "/v1/positions"))["rows"] if p["symbol"] == ETH)
    assert pos["position_qty"] == D("0.5")
    assert (await desk.ok("GET", f"/v1/algo/order/{second}"))["algo_status"] == "CANCELLED"


async def test_edit_and_cancel_all() -> None:
    desk = Desk()
    await long_eth(desk)
    root = (await desk.ok("POST", "/v1/algo/order", tpsl("2600", "2400")))["rows"][0]["order_id"]
    row = await desk.ok("GET", f"/v1/algo/order/{root}")
    sl_id = next(c["algo_order_id"] for c in row["child_orders"] if c["algo_type"] == "STOP_LOSS")
    edit = {"order_id": root, "child_orders": [{"order_id": sl_id, "trigger_price": D("2450")}]}
    assert await desk.ok("PUT", "/v1/algo/order", edit) == {"status": "EDIT_SENT"}
    row = await desk.ok("GET", f"/v1/algo/order/{root}")
    assert D(str(next(c["trigger_price"] for c in row["child_orders"]
                      if c["algo_type"] == "STOP_LOSS"))) == D("2450")
    assert await desk.ok("DELETE", "/v1/algo/orders", query=f"symbol={ETH}") == {
        "status": "CANCEL_ALL_SENT"}
    row = await desk.ok("GET", "/v1/algo/client/order/pair-1")
    assert row["algo_status"] == "CANCELLED"
    assert {c["algo_status"] for c in row["child_orders"]} == {"CANCELLED"}


async def test_positional_tp_sl_closes_the_whole_position_and_is_one_per_symbol_side() -> None:
    desk = Desk()
    await long_eth(desk, "2")
    await desk.ok("POST", "/v1/algo/order", tpsl("2600", "2400", None, "POSITIONAL_TP_SL"))
    again = await desk.call("POST", "/v1/algo/order",
                            {**tpsl("2700", "2300", None, "POSITIONAL_TP_SL"),
                             "client_order_id": "pair-2"})
    assert error_of(again) == (400, -1005)
    desk.engine.set_mark(ETH, D("2390"))
    pos = [p for p in (await desk.ok("GET", "/v1/positions"))["rows"] if p["symbol"] == ETH]
    assert not pos or pos[0]["position_qty"] == 0


async def test_validation_errors_are_orderly_codes_and_change_nothing() -> None:
    desk = Desk()
    no_position = await desk.call("POST", "/v1/algo/order", tpsl("2600", "2400"))
    assert error_of(no_position) == (400, -1006)
    await long_eth(desk)
    cases: list[tuple[dict[str, Any], int]] = [
        ({**tpsl("2600", "2400"), "algo_type": "WHATEVER"}, -1005),
        ({**tpsl("2600", "2400"), "trigger_price_type": "INDEX_PRICE"}, -1005),
        ({**tpsl("2600", "2400"), "surprise": 1}, -1004),
        (tpsl("2400", "2300"), -1005),  # take-profit already reached by the mark
        (tpsl("2600", "2550"), -1005),  # stop-loss already reached
        (tpsl("2600.001", "2400"), -1103),  # off the price grid
        (tpsl("2600", "2400", "0.00001"), -1104),  # below base_min
        ({**tpsl("2600", "2400"), "child_orders": []}, -1005),
        ({**tpsl("2600", "2400"), "algo_type": "TRAILING_STOP"}, -1005),
        ({"symbol": ETH, "algo_type": "STOP", "side": "BUY", "type": "LIMIT",
          "quantity": D(1), "trigger_price": D(2600)}, -1005),  # a LIMIT stop without price
    ]
    bad_side = tpsl("2600", "2400")
    for leg in bad_side["child_orders"]:
        leg["side"] = "BUY"
    cases.append((bad_side, -1005))
    for body, code in cases:
        response = await desk.call("POST", "/v1/algo/order", body)
        assert error_of(response)[1] == code, (body, response.text)
    assert (await desk.ok("GET", "/v1/algo/orders"))["rows"] == []
    missing = await desk.call("DELETE", "/v1/algo/order", query=f"order_id=999&symbol={ETH}")
    assert error_of(missing) == (400, -1006)
    await desk.ok("POST", "/v1/algo/order", tpsl("2600", "2400"))
    duplicate = await desk.call("POST", "/v1/algo/order", tpsl("2700", "2300"))
    assert error_of(duplicate) == (409, -1007)


async def test_algo_orders_survive_a_snapshot_restore() -> None:
    desk = Desk()
    await long_eth(desk)
    await desk.ok("POST", "/v1/algo/order", tpsl("2600", "2400"))
    restored = type(desk.engine).restore(desk.engine.snapshot(), desk.clock)
    [root] = restored.algo_orders(desk.creds.account_id)
    assert len(root.children) == 2 and root.is_open
    restored.set_mark(ETH, D("2390"))
    assert restored.algo_order(desk.creds.account_id, root.algo_order_id).status == "FILLED"
