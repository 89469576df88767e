"""Settling a TP/SL or stop approval whose answer never came: found by its client_order_id on
the paper exchange (done, never resent), or failed once the request can no longer land."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import httpx

from bot.domain.algo import AlgoLeg, AlgoRequest, AlgoType
from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from bot.orderly.client import OrderlyClient
from bot.services.trading.actions import ALGO, AlgoAction, client_order_id
from bot.services.trading.algo_orders import AlgoOrderService
from bot.services.trading.leverage import LeverageService
from bot.services.trading.margin import MarginService
from bot.services.trading.markets import MarketDirectory
from bot.services.trading.orders import TradingService
from bot.services.trading.settlement import Settler, describe
from bot.timing import Timings
from storage.approvals import ApprovalStore
from storage.audit import AuditLog
from storage.db import open_database
from storage.worker import Storage
from tests.paper.server_kit import Desk

ETH = "PERP_ETH_USDC"
D = Decimal
PAIR = AlgoRequest(
    symbol=ETH, algo_type=AlgoType.TP_SL, side=Side.SELL, margin_mode=MarginMode.ISOLATED,
    quantity=D(1), legs=(AlgoLeg(AlgoType.TAKE_PROFIT, D(2600)),
                         AlgoLeg(AlgoType.STOP_LOSS, D(2400))),
)


def unknown_row(store: ApprovalStore, now: float) -> str:
    """An algo approval pressed, its intent recorded, its answer missing (state unknown)."""
    row = store.create(ALGO, 1, 1, AlgoAction(PAIR, D(1)).to_json(), now, 60)
    assert store.claim(row.token, 1, 1, now).ok
    store.mark_intent(row.token, {"client_order_id": client_order_id(row.token)}, now,
                      lands_by=now + 10)
    store.finish(row.token, "unknown", {"unknown": "no answer"}, now)
    return row.token


async def test_an_algo_approval_is_settled_by_its_client_order_id() -> None:
    desk = Desk()
    db = open_database(":memory:")
    store, audit, timings = ApprovalStore(db), AuditLog(db), Timings(settle_interval=1.0)
    storage = Storage(db)
    now = desk.clock.time()
    client = OrderlyClient("http://paper", desk.creds.signer(), clock=desk.clock,
                           transport=httpx.ASGITransport(app=desk.app))
    async with client:
        markets = MarketDirectory(client)
        algos = AlgoOrderService(client, markets)
        settler = Settler(storage, store, audit,
                          TradingService(client, markets, LeverageService(client, markets)),
                          MarginService(client, markets), desk.clock, timings, algos=algos)
        await client.create_order(OrderRequest(ETH, Side.BUY, OrderType.MARKET, D(1),
                                               MarginMode.ISOLATED))
        landed, lost = unknown_row(store, now), unknown_row(store, now)
        await client.create_algo_order(replace(PAIR, client_order_id=client_order_id(landed)))
        first = dict((a.token, text) for a, text in await settler.settle(at_startup=False))
        assert first[landed].startswith("the TP/SL on ETH (isolated): take-profit 2600, "
                                        "stop-loss 2400 was placed (algo order 1, new)")
        assert lost not in first  # not found yet, but it may still land: keep checking
        desk.clock.advance(11)
        second = dict((a.token, text) for a, text in await settler.settle(at_startup=False))
        assert second[lost].endswith("never reached the exchange; nothing was placed")
        assert len(await client.get_algo_orders()) == 1  # nothing was placed by settling
        approval = store.get(landed)
        assert approval is not None and describe(approval).startswith("the TP/SL on ETH")
    storage.close()

