"""Funding payments: every funding epoch gives each open position a history row (qty · Δsuf,
Orderly's shape and sign), served by GET /v1/funding_fee/history with Orderly's filters and
pages, kept across a snapshot, and read back by the client."""

from __future__ import annotations

import httpx

from bot.orderly.client import OrderlyClient
from bot.paper.engine import PaperEngine
from bot.paper.server import create_app
from tests.paper.engine_fixtures import (
    ACCOUNT,
    BUY,
    CROSS,
    ETH,
    ISOLATED,
    SELL,
    SOL,
    D,
    make_engine,
    req,
)
from tests.paper.server_kit import Desk, error_of


def test_a_funding_epoch_charges_longs_and_pays_shorts() -> None:
    engine = make_engine("10000")
    engine.create_order(ACCOUNT, req(ETH, BUY, "2", ISOLATED))
    engine.create_order(ACCOUNT, req(SOL, SELL, "10", CROSS))
    engine.apply_funding(ETH, D("0.5"))  # a long of 2 pays 2·0.5
    engine.apply_funding(SOL, D("0.01"))  # a short of 10 receives 10·0.01
    sol, eth = engine.funding_fees(ACCOUNT)  # newest first
    assert (eth.symbol, eth.funding_fee, eth.payment_type, eth.status) == (ETH, 1, "Pay", "Accrued")
    assert eth.funding_rate == D("0.5") / 2500 and eth.mark_price == 2500
    assert (sol.funding_fee, sol.payment_type) == (D("-0.1"), "Receive")
    # the row is what the position's unsettled PnL moved by
    assert engine.position(ACCOUNT, ETH, ISOLATED).unsettled_pnl == -1
    assert engine.funding_fees(ACCOUNT, SOL) == [sol]
    assert engine.funding_fees(ACCOUNT, start=eth.created_time + 1) == []


def test_no_position_no_row_and_rows_survive_a_snapshot() -> None:
    engine = make_engine("10000")
    engine.apply_funding(ETH, D(1))
    assert engine.funding_fees(ACCOUNT) == []
    engine.create_order(ACCOUNT, req(ETH, SELL, "1", CROSS))
    engine.apply_funding(ETH, D("0.25"))
    restored = PaperEngine.restore(engine.snapshot(), engine._clock)
    assert restored.funding_fees(ACCOUNT) == engine.funding_fees(ACCOUNT)
    assert restored.funding_fees(ACCOUNT)[0].funding_fee == D("-0.25")


async def test_the_endpoint_has_orderlys_shape_filters_and_pages() -> None:
    desk = Desk()
    try:
        engine, account = desk.engine, desk.creds.account_id
        engine.create_order(account, req(ETH, BUY, "1", CROSS))
        for _ in range(3):
            engine.apply_funding(ETH, D("0.1"))
            desk.clock.advance(3600)
        data = await desk.ok("GET", "/v1/funding_fee/history", query=f"symbol={ETH}&size=2")
        assert data["meta"] == {"total": 3, "records_per_page": 2, "current_page": 1}
        assert len(data["rows"]) == 2
        assert set(data["rows"][0]) == {
            "symbol",
            "funding_rate",
            "mark_price",
            "funding_fee",
            "payment_type",
            "status",
            "created_time",
            "updated_time",
        }
        second = await desk.ok("GET", "/v1/funding_fee/history", query="page=2&size=2")
        assert len(second["rows"]) == 1
        newest = data["rows"][0]["created_time"]
        assert (await desk.ok("GET", "/v1/funding_fee/history", query=f"start_t={newest}"))["meta"][
            "total"
        ] == 1
        bad = await desk.call("GET", "/v1/funding_fee/history", query="symbol=PERP_NOPE_USDC")
        assert error_of(bad) == (400, -1005)
        assert (
            error_of(await desk.call("GET", "/v1/funding_fee/history", query="size=501"))[0] == 400
        )
        trades = await desk.ok("GET", "/v1/trades", query="page=1&size=1")
        assert trades["meta"]["total"] == 1 and len(trades["rows"]) == 1
    finally:
        await desk.http.aclose()


async def test_the_client_reads_every_page_of_both_histories() -> None:
    desk = Desk()
    engine, account = desk.engine, desk.creds.account_id
    for _ in range(3):
        engine.create_order(account, req(ETH, BUY, "0.1", CROSS))
    for _ in range(600):  # more than one page of 500
        engine.apply_funding(ETH, D("0.001"))
    app = create_app(engine, desk.clock, limits={})
    try:
        async with OrderlyClient(
            "http://paper",
            desk.creds.signer(),
            clock=desk.clock,
            transport=httpx.ASGITransport(app=app),
        ) as client:
            fees = await client.get_funding_fees(ETH)
            assert len(fees) == 600
            assert sum(f.funding_fee for f in fees) == sum(
                f.funding_fee for f in engine.funding_fees(account)
            )
            trades = await client.get_trades()
            assert [t.trade_id for t in trades] == [t.trade_id for t in engine.trades(account)]
    finally:
        await desk.http.aclose()
