"""Orderly's official Python connector (orderly-evm-connector 0.2.9) against the paper exchange.

The connector pulls web3/eth-account, so it is not installed here; these requests are built the
way its `rest/_trade.py` algo methods and `api.py:_sign_request` build them: payload None values
dropped; GET/DELETE parameters joined as `k=v&…` in the payload's order into the path (no URL
encoding); POST/PUT bodies `json.dumps(payload)` with default separators (what `requests` sends for
`json=`); the message `timestamp + METHOD + path + body`, signed with the seed taken from
`secret.split(":")[1]`, standard base64; its Content-Type values. create_algo_order always sends
`child_orders` (default `[]`) and `trigger_price_type="MARK_PRICE"`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import base58
from nacl.signing import SigningKey

from bot.orderly.jsoncodec import loads
from bot.timing import now_ms
from tests.paper.server_kit import Desk

ETH = "PERP_ETH_USDC"


def _clean(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


class ConnectorShaped:
    """`Rest._sign_request` + `_dispatch_request`, request for request."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        secret = desk.creds.orderly_secret
        self.secret = secret if ":" in secret else f"ed25519:{secret}"

    async def sign_request(self, method: str, url_path: str,
                           payload: dict[str, Any] | None = None) -> Any:
        body: dict[str, Any] | str = ""
        if payload:
            cleaned = _clean(payload)
            if cleaned and method in ("GET", "DELETE"):
                url_path += "?" + "&".join(f"{k}={v}" for k, v in cleaned.items())
            elif cleaned:
                body = cleaned
        text = json.dumps(body) if body else ""
        stamp = str(now_ms(self.desk.clock))
        key = SigningKey(base58.b58decode(self.secret.split(":")[1])[0:32])
        signature = base64.b64encode(
            key.sign(f"{stamp}{method}{url_path}{text}".encode()).signature).decode()
        json_body = method in ("POST", "PUT")
        headers = {
            "orderly-timestamp": stamp, "orderly-account-id": self.desk.creds.account_id,
            "orderly-key": self.desk.creds.orderly_key, "orderly-signature": signature,
            "Content-Type": "application/json;charset=utf-8" if json_body
            else "application/x-www-form-urlencoded;charset=utf-8",
        }
        response = await self.desk.http.request(
            method, url_path, content=text.encode() if json_body else b"", headers=headers)
        assert response.status_code == 200, response.text
        return loads(response.text)

    # orderly_evm_connector/rest/_trade.py, same parameter order and defaults
    async def create_algo_order(self, algo_type: str, quantity: Any, side: str, symbol: str,
                                type: str, trigger_price: Any,
                                child_orders: list[Any] | None = None,
                                client_order_id: str | None = None, order_tag: str | None = None,
                                price: Any = None, reduce_only: bool | None = None,
                                visible_quantity: Any = None,
                                trigger_price_type: str = "MARK_PRICE") -> Any:
        payload = {
            "algo_type": algo_type, "client_order_id": client_order_id, "order_tag": order_tag,
            "price": price, "quantity": quantity, "reduce_only": reduce_only, "side": side,
            "symbol": symbol, "trigger_price": trigger_price,
            "trigger_price_type": trigger_price_type, "type": type,
            "child_orders": child_orders if child_orders is not None else [],
            "visible_quantity": visible_quantity,
        }
        return await self.sign_request("POST", "/v1/algo/order", payload=payload)

    async def get_algo_orders(self, algo_type: str, symbol: str | None = None,
                              status: str | None = None) -> Any:
        payload = {"symbol": symbol, "order_type": None, "side": None, "status": status,
                   "start_t": None, "end_t": None, "page": None, "size": None,
                   "algo_type": algo_type, "is_triggered": None, "order_tag": None}
        return await self.sign_request("GET", "/v1/algo/orders", payload=payload)

    async def get_algo_order(self, order_id: Any) -> Any:
        return await self.sign_request("GET", f"/v1/algo/order/{order_id}")

    async def edit_algo_order(self, order_id: Any, price: Any = None, quantity: Any = None,
                              trigger_price: Any = None) -> Any:
        payload = {"order_id": order_id, "price": price, "quantity": quantity,
                   "trigger_price": trigger_price}
        return await self.sign_request("PUT", "/v1/algo/order", payload=payload)

    async def cancel_algo_order(self, order_id: Any, symbol: str) -> Any:
        path = f"/v1/algo/order?order_id={order_id}&symbol={symbol}"
        return await self.sign_request("DELETE", path)

    async def cancel_algo_all_pending_order(self, symbol: str | None = None,
                                            algo_type: str | None = None) -> Any:
        url = "/v1/algo/orders"
        if symbol and algo_type:
            url += f"?symbol={symbol}&algo_type={algo_type}"
        elif symbol:
            url += f"?symbol={symbol}"
        elif algo_type:
            url += f"?algo_type={algo_type}"
        return await self.sign_request("DELETE", url)


async def test_the_connector_places_lists_edits_and_cancels_algo_orders() -> None:
    desk = Desk()
    conn = ConnectorShaped(desk)
    stop = await conn.create_algo_order("STOP", 0.5, "BUY", ETH, "LIMIT", 2600.5,
                                        client_order_id="conn-1", price=2601, reduce_only=False)
    assert stop["success"] is True
    [row] = stop["data"]["rows"]
    assert row["algo_type"] == "STOP" and row["client_order_id"] == "conn-1"
    stop_id = row["order_id"]
    await conn.create_algo_order("STOP", 1, "SELL", ETH, "MARKET", 2000)
    listed = await conn.get_algo_orders("STOP", symbol=ETH, status="INCOMPLETE")
    assert {r["algo_order_id"] for r in listed["data"]["rows"]} >= {stop_id}
    assert listed["data"]["meta"]["total"] == 2
    assert (await conn.edit_algo_order(stop_id, trigger_price=2650))["data"] == {
        "status": "EDIT_SENT"}
    one = await conn.get_algo_order(stop_id)
    assert str(one["data"]["trigger_price"]) == "2650" and one["data"]["algo_status"] == "NEW"
    assert (await conn.cancel_algo_order(stop_id, ETH))["data"] == {"status": "CANCEL_SENT"}
    assert (await conn.get_algo_order(stop_id))["data"]["algo_status"] == "CANCELLED"
    assert (await conn.cancel_algo_all_pending_order(symbol=ETH, algo_type="STOP"))["data"] == {
        "status": "CANCEL_ALL_SENT"}
    left = await conn.get_algo_orders("STOP", status="INCOMPLETE")
    assert left["data"]["rows"] == []


async def test_the_connector_places_a_tp_sl_pair_on_a_position() -> None:
    desk = Desk()
    conn = ConnectorShaped(desk)
    await conn.sign_request("POST", "/v1/order", {
        "symbol": ETH, "order_type": "MARKET", "side": "BUY", "order_quantity": 1})
    legs = [
        {"symbol": ETH, "algo_type": "TAKE_PROFIT", "side": "SELL", "type": "MARKET",
         "trigger_price": 2700, "reduce_only": True},
        {"symbol": ETH, "algo_type": "STOP_LOSS", "side": "SELL", "type": "MARKET",
         "trigger_price": 2300, "reduce_only": True},
    ]
    # The connector requires side, type and trigger_price even for a TP_SL root.
    placed = await conn.create_algo_order("TP_SL", 1, "SELL", ETH, "MARKET", 2700,
                                          child_orders=legs)
    root = placed["data"]["rows"][0]["order_id"]
    listed = await conn.get_algo_orders("TP_SL")
    [row] = listed["data"]["rows"]
    assert row["algo_order_id"] == root and len(row["child_orders"]) == 2
    await conn.cancel_algo_order(root, ETH)
    row = (await conn.get_algo_order(root))["data"]
    assert {c["algo_status"] for c in row["child_orders"]} == {"CANCELLED"}
