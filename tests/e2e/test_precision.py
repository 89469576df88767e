"""One precision everywhere a trader reads a figure: prices at the symbol's tick, sizes at its
step, USDC to the cent — on the card, the result of Confirm, /position, /history, /balance.

BTC on the paper exchange: tick 0.1, step 0.00001 (a 6-significant-digit fallback would show
60,000.00, and an exact size 0.01)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.harness import BTC, Desk, row

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_btc_order_reads_at_the_btc_tick_and_step_everywhere(desk: Desk) -> None:
    card = await desk.say("/buy btc 0.01")
    assert row(card.text, "price") == "market ≈ 60,000.0"
    assert row(card.text, "notional") == "600.00 USDC"
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    result = done.message.text.splitlines()[-1]
    assert ": bought 0.01000 BTC at 60,000.0. Position now: LONG 0.01000 BTC, est. liq " in result
    liq = re.search(r"est\. liq ([0-9,]+\.[0-9]+)", result)
    assert liq is not None and len(liq.group(1).split(".")[1]) == 1  # at the 0.1 tick

    position = (await desk.say("/position btc")).text
    assert row(position, "position_qty") == "LONG 0.01000"
    assert row(position, "entry") == "60,000.0"
    assert re.fullmatch(r"[0-9,]+\.[0-9]{2}", row(position, "margin"))  # USDC to the cent

    history = (await desk.say("/history 1")).text.splitlines()[1]
    order = desk.last_order()
    assert history.endswith(f"✅ Buy 0.01000 BTC (isolated, market): filled 0.01000 at 60,000.0 "
                            f"· order #{order.order_id}")
    assert desk.position(BTC) is not None


async def test_every_balance_figure_is_to_the_cent(desk: Desk) -> None:
    await desk.open_position("/buy sol 1.23")  # margins with more than two decimals
    text = (await desk.say("/balance")).text
    for label in ("holding", "frozen", "free collateral", "isolated margin", "total collateral"):
        assert re.fullmatch(r"[0-9,]+\.[0-9]{2}", row(text, label)), (label, text)


async def test_a_cancelled_btc_order_reads_at_the_btc_tick_and_step(desk: Desk) -> None:
    await desk.open_position("/buy btc 0.01 59000")  # rests below the mark
    (order,) = desk.open_orders()
    reply = (await desk.say(f"/cancel {order.order_id}")).text
    assert reply == f"✅ Cancelled #{order.order_id} BTC BUY 0.01000 @ 59,000.0 · isolated"
