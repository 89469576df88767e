"""/pnl, /tz and /daily end to end: the figures equal the paper exchange's own trade and
funding-fee history, bad input changes nothing, and the morning summary goes out once a day
(not again after a restart)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from tests.e2e.harness import ALICE, BTC, ETH, Desk, money, row

pytestmark = pytest.mark.asyncio(loop_scope="module")
D = Decimal
USAGE = "/pnl [today|7d|30d] [SYMBOL]"


def signed(value: Decimal) -> str:
    """A figure as fmt.pnl prints it: `+12.30`, `−0.75`, `0.00`."""
    text = money(abs(value))
    return text if text.strip("0.,") == "" else ("+" if value > 0 else "−") + text


def order(symbol: str, side: Side, qty: str, mode: MarginMode,
          reduce_only: bool = False) -> OrderRequest:  # fmt: skip
    return OrderRequest(symbol, side, OrderType.MARKET, D(qty), mode, reduce_only=reduce_only)


async def trade_a_little(desk: Desk) -> None:
    """Fills with fees and realized PnL on two symbols, and a funding payment on ETH."""
    engine, account = desk.paper.engine, desk.account_id
    engine.create_order(account, order(ETH, Side.BUY, "2", MarginMode.ISOLATED))
    engine.create_order(account, order(BTC, Side.SELL, "0.01", MarginMode.CROSS))
    desk.paper.pay_funding(ETH, "0.0002")  # the long pays 2 · 0.0002 · 2500 = 1.00
    desk.paper.set_price(ETH, D(2600))
    desk.paper.set_price(BTC, D(59_000))
    engine.create_order(account, order(ETH, Side.SELL, "0.5", MarginMode.ISOLATED, True))
    engine.create_order(account, order(BTC, Side.BUY, "0.01", MarginMode.CROSS, True))


async def history(desk: Desk, symbol: str | None = None) -> tuple[Decimal, Decimal, Decimal]:
    """Σ realized_pnl, Σ fee and Σ funding_fee straight from the paper's endpoints."""
    trades = await desk.client.get_trades(symbol)
    funding = await desk.client.get_funding_fees(symbol)
    return (sum((t.realized_pnl for t in trades), D(0)), sum((t.fee for t in trades), D(0)),
            sum((f.funding_fee for f in funding), D(0)))


async def test_pnl_equals_the_exchanges_history(desk: Desk) -> None:
    await desk.say("/start")
    await trade_a_little(desk)
    realized, fees, funding = await history(desk)
    assert realized != 0 and fees > 0 and funding == D(1)
    text = (await desk.say("/pnl")).text
    assert "PnL · all symbols · today" in text and "since" in text and "UTC" in text
    assert row(text, "Realized") == signed(realized)
    assert row(text, "Fees") == signed(-fees)
    assert row(text, "Net realized") == signed(realized - fees)
    assert row(text, "Funding") == signed(-funding) == "−1.00"
    position = desk.position(ETH, MarginMode.ISOLATED)
    assert position is not None and desk.position(BTC, MarginMode.CROSS) is None
    assert row(text, "Open (unrealized)") == signed(position.unsettled_pnl)
    assert row(text, "Fills") == "4"
    # one row per symbol in the table
    eth_realized, eth_fees, _ = await history(desk, ETH)
    assert row(text, "ETH").split()[0] == signed(eth_realized - eth_fees)
    assert row(text, "BTC").split()[0] == signed(realized - fees - eth_realized + eth_fees)


async def test_pnl_of_one_symbol_and_windows(desk: Desk) -> None:
    await desk.say("/start")
    await trade_a_little(desk)
    realized, fees, funding = await history(desk, ETH)
    for command in ("/pnl eth", "/pnl 7d ETH", "/pnl PERP_ETH_USDC 30d"):
        text = (await desk.say(command)).text
        assert "PnL · ETH" in text, command
        assert row(text, "Realized") == signed(realized)
        assert row(text, "Fees") == signed(-fees)
        assert row(text, "Funding") == signed(-funding)
        assert row(text, "Fills") == "2"
        assert "BTC" not in text
    assert "last 7 days" in (await desk.say("/pnl 7d")).text


async def test_bad_pnl_input_gets_the_usage(desk: Desk) -> None:
    await desk.say("/start")
    for bad in ("/pnl today 7d", "/pnl eth btc", "/pnl 7d eth extra", "/pnl nosuchcoin"):
        text = (await desk.say(bad)).text
        assert text.startswith("⚠️"), (bad, text)
    assert USAGE in (await desk.say("/pnl today 7d")).text


async def test_tz_bad_zone_is_refused_and_changes_nothing(desk: Desk) -> None:
    await desk.say("/start")
    assert "Time zone: UTC" in (await desk.say("/tz")).text
    text = (await desk.say("/tz Mars/Olympus_Mons")).text
    assert text.startswith("⚠️") and "not a time zone" in text and "/tz [ZONE]" in text
    assert "Time zone: UTC" in (await desk.say("/tz")).text
    assert "Time zone set to Europe/Berlin" in (await desk.say("/tz europe/berlin")).text
    assert "Time zone: Europe/Berlin" in (await desk.say("/tz")).text
    assert "Europe/Berlin" in (await desk.say("/pnl")).text


async def test_daily_bad_times_are_refused(desk: Desk) -> None:
    await desk.say("/start")
    for bad in ("/daily 25:00", "/daily 8", "/daily soon", "/daily 08:00 09:00"):
        text = (await desk.say(bad)).text
        assert text.startswith("⚠️") and "/daily [HH:MM|off]" in text, bad
    assert "No daily summary" in (await desk.say("/daily")).text


def summaries(desk: Desk) -> list[str]:
    return [m.text for m in desk.emulator.sent_messages(ALICE) if "Daily summary ·" in m.text]


async def test_daily_summary_once_a_day_also_across_a_restart(desk: Desk) -> None:
    await desk.say("/start")
    await trade_a_little(desk)
    await desk.say("/tz Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    local = datetime.fromtimestamp(desk.clock.time(), UTC).astimezone(berlin)
    at = (local + timedelta(hours=2)).strftime("%H:%M")
    reply = (await desk.say(f"/daily {at}")).text
    assert f"every day at {at} (Europe/Berlin)" in reply
    await asyncio.sleep(0.5)  # several scheduler rounds: not due yet
    assert summaries(desk) == []
    desk.clock.advance(2 * 3600 + 60)
    since = desk.emulator.mark()
    message = await desk.emulator.wait_for_message(
        ALICE, lambda m: "Daily summary ·" in m.text, 8.0, since=since)
    text = message.text
    assert "ETH L iso" in text and "No open positions" not in text
    realized, fees, funding = await history(desk)
    assert row(text, "Net realized") == signed(realized - fees)
    assert row(text, "Funding") == signed(-funding)
    await asyncio.sleep(0.5)
    assert len(summaries(desk)) == 1
    await desk.restart()
    await asyncio.sleep(0.5)
    assert len(summaries(desk)) == 1  # the day is recorded as sent in SQLite
    assert f"every day at {at}" in (await desk.say("/daily")).text
    assert "Daily summary off" in (await desk.say("/daily off")).text
    desk.clock.advance(24 * 3600)
    await asyncio.sleep(0.5)
    assert len(summaries(desk)) == 1


def silent(desk: Desk, message_id: int) -> bool:
    """True when the sendMessage that carried this message asked for no notification."""
    (sent,) = [e for e in desk.emulator.events if e.method == "sendMessage"
               and e.message is not None and e.message.message_id == message_id]  # fmt: skip
    return sent.params.get("disable_notification") in (True, "true", "True")


async def test_the_daily_summary_follows_notify_daily_and_quiet_hours(desk: Desk) -> None:
    await desk.say("/start")
    local = datetime.fromtimestamp(desk.clock.time(), UTC)
    at = (local + timedelta(hours=1)).strftime("%H:%M")
    await desk.say(f"/daily {at}")
    await desk.say("/notify daily off")
    desk.clock.advance(3600 + 60)
    await asyncio.sleep(1.0)  # several scheduler rounds: due, but switched off
    assert summaries(desk) == []
    await desk.say("/notify daily on")
    quiet = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=30)):%H:%M}"
    await desk.say(f"/notify quiet {quiet}")  # the next day's summary falls in quiet hours
    desk.clock.advance(24 * 3600)
    since = desk.emulator.mark()
    summary = await desk.emulator.wait_for_message(
        ALICE, lambda m: "Daily summary ·" in m.text, 8.0, since=since)
    assert silent(desk, summary.message_id)
