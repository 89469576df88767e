"""Every command of product.md (except /alert, /snooze, /limits) through PTB, the emulator and
the paper exchange, checking the numbers a trader reads against the exchange's own state."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.models import MarginMode, Position
from tests.e2e.harness import ALICE, BTC, ETH, SOL, Desk, money, num, row

pytestmark = pytest.mark.asyncio(loop_scope="module")

ISO, CROSS = MarginMode.ISOLATED, MarginMode.CROSS


def pct(value: Decimal) -> str:
    return f"{money(value * 100)} %"


def distance(p: Position) -> str:
    """Distance from mark to liquidation in % of mark, as the bot prints it."""
    assert p.est_liq_price is not None
    return pct((p.mark_price - p.est_liq_price) / p.mark_price)


async def test_start_shows_mode_account_and_the_users_id(desk: Desk) -> None:
    text = (await desk.say("/start")).text
    assert "Mode: PAPER" in text
    assert desk.account_id in text
    assert f"Your Telegram user id: {ALICE}" in text
    assert "allowed to use this bot" in text


async def test_help_lists_commands_and_help_buy_gives_one_usage(desk: Desk) -> None:
    everything = (await desk.say("/help")).text
    for example in ("/buy ETH 0.1 2500", "/margin add ETH 100", "/close ETH 50%"):
        assert example in everything
    one = (await desk.say("/help buy")).text
    assert one.startswith("/buy SYMBOL QTY [PRICE] [cross|isolated]")
    assert "/margin" not in one


async def test_positions_lists_isolated_and_cross_with_the_exchange_figures(desk: Desk) -> None:
    assert (await desk.say("/positions")).text == "No open positions."
    await desk.open_position("/buy eth 1 isolated")
    await desk.open_position("/sell btc 0.01 cross")
    text = (await desk.say("/positions")).text
    eth, btc = desk.position(ETH, ISO), desk.position(BTC, CROSS)
    assert eth is not None and btc is not None
    assert "Open positions (2)" in text
    assert "ETH isolated · LONG 1.0000 · 10x" in text
    assert "BTC cross · SHORT 0.01000 · 10x" in text
    eth_block, btc_block = text.split("ETH isolated")[1].split("BTC cross")[0], text.split(
        "BTC cross")[1]  # fmt: skip
    assert row(eth_block, "entry") == "2,500.00"
    assert row(eth_block, "mark") == "2,500.00"
    assert row(eth_block, "est. liq") == money(eth.est_liq_price)
    assert row(eth_block, "distance") == distance(eth)
    assert row(eth_block, "iso. margin") == money(eth.margin) == "250.00"
    assert row(btc_block, "entry") == "60,000.0"
    assert row(btc_block, "iso. margin") == "—"  # cross positions have no own margin


async def test_position_isolated_by_default_with_every_guide_field(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    reply = await desk.say("/position eth")
    p = desk.position(ETH, ISO)
    assert p is not None
    text = reply.text
    assert text.startswith("ETH isolated · PERP_ETH_USDC")
    assert row(text, "margin_mode") == "ISOLATED"
    assert row(text, "position_qty") == "LONG 1.0000"
    assert row(text, "leverage") == f"{p.leverage}x" == "10x"
    assert row(text, "margin") == money(p.margin) == "250.00"
    assert row(text, "est_liq_price") == money(p.est_liq_price)
    assert row(text, "distance to liq") == distance(p)
    assert row(text, "unsettled_pnl") == "0.00"
    assert row(text, "imr") == pct(p.imr) == "10.00 %"
    assert row(text, "mmr") == pct(p.mmr)
    assert [b.text for b in reply.buttons] == [
        "Add margin", "Reduce margin", "Close", "Refresh", "Add 25 USDC", "Add 50 USDC",
        "Add 100 USDC", "Close 25 %", "Close 50 %", "Close 100 %"]

    desk.paper.set_price(ETH, "2400")  # the market moves; Refresh edits the card in place
    pressed = await desk.press(reply, "Refresh")
    assert pressed.message is not None
    moved = desk.position(ETH, ISO)
    assert moved is not None
    assert row(pressed.message.text, "mark") == "2,400.00"
    assert row(pressed.message.text, "unsettled_pnl") == "−100.00"
    assert row(pressed.message.text, "distance to liq") == distance(moved)

    hint = await desk.press(pressed.message, "Add margin", then="reply")
    assert hint.message is not None
    assert "/margin add ETH AMOUNT" in hint.message.text


async def test_position_cross_has_no_margin_buttons(desk: Desk) -> None:
    assert (await desk.say("/position eth cross")).text == "No cross ETH position."
    await desk.open_position("/buy eth 1 cross")
    reply = await desk.say("/position ETH-PERP cross")
    assert row(reply.text, "margin_mode") == "CROSS"
    assert row(reply.text, "margin") == "—"
    assert [b.text for b in reply.buttons] == ["Close", "Refresh", "Close 25 %", "Close 50 %",
                                               "Close 100 %"]
    # the default mode (isolated) is shown, and the position in the other mode is named
    assert (await desk.say("/position eth")).text == (
        "No isolated ETH position. You hold a cross ETH position: /position ETH cross")
    assert (await desk.say("/position eth isolated")).text == "No isolated ETH position."


async def test_balance_matches_the_exchange(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    text = (await desk.say("/balance")).text
    engine = desk.paper.engine
    holding = engine.holding(desk.account_id)
    summary = engine.account_summary(desk.account_id)
    assert row(text, "holding") == money(holding.holding)
    assert row(text, "free collateral") == money(summary.free_collateral)
    assert row(text, "isolated margin") == money(holding.isolated_margin) == "250.00"
    assert row(text, "isolated order frozen") == money(holding.isolated_order_frozen)


async def test_leverage_show_and_set_per_mode(desk: Desk) -> None:
    assert (await desk.say("/leverage eth")).text == (
        "ETH leverage: isolated 10x · cross 10x (max 100x)\nDefault mode: isolated (/mode ETH)")
    assert (await desk.say("/leverage eth 5")).text == "✅ ETH isolated leverage is now 5x."
    assert (await desk.say("/leverage eth 7 cross")).text == "✅ ETH cross leverage is now 7x."
    engine, account = desk.paper.engine, desk.account_id
    assert engine.get_leverage(account, ETH, ISO).leverage == 5
    assert engine.get_leverage(account, ETH, CROSS).leverage == 7
    assert (await desk.say("/leverage eth")).text.splitlines()[0] == (
        "ETH leverage: isolated 5x · cross 7x (max 100x)")


async def test_leverage_all_isolated_skips_busy_symbols_and_says_why(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    await desk.open_position("/buy sol 1 140 isolated")  # a resting isolated order on SOL
    text = (await desk.say("/leverage all 5 isolated")).text
    engine, account = desk.paper.engine, desk.account_id
    assert "• open isolated position: ETH" in text
    assert "• pending isolated order: SOL" in text
    assert "• 5x: ARB, BTC, DOGE" in text
    assert engine.get_leverage(account, ETH, ISO).leverage == 10  # skipped, unchanged
    assert engine.get_leverage(account, SOL, ISO).leverage == 10
    assert engine.get_leverage(account, BTC, ISO).leverage == 5

    text = (await desk.say("/leverage all 3 cross")).text  # cross: all or nothing
    assert "• 3x: ARB, BTC, DOGE, ETH, SOL" in text
    assert all(engine.get_leverage(account, s, CROSS).leverage == 3 for s in (ETH, SOL, BTC))


async def test_buy_market_card_shows_notional_and_fills(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    text = card.text
    assert text.splitlines()[0] == "Confirm BUY 0.5 ETH (isolated)"
    assert row(text, "type") == "MARKET"
    assert row(text, "price") == "market ≈ 2,500.00"
    assert row(text, "notional") == "1,250.00 USDC"  # 0.5 × 2,500
    assert row(text, "leverage") == "10x"
    assert row(text, "to lock") == "125.75 USDC"  # notional / 10 + the fee buffer
    assert row(text, "position") == "FLAT → LONG 0.5000"
    assert text.endswith("Valid 60 s.")
    assert [b.text for b in card.buttons] == ["Confirm", "Cancel"]

    done = await desk.press(card, "Confirm")
    assert done.toast == "Working on it…"
    assert done.message is not None and not done.message.buttons
    p = desk.position(ETH, ISO)
    assert p is not None and p.position_qty == Decimal("0.5")
    assert desk.filled() + ": bought 0.5000 ETH at 2,500.00" in done.message.text
    assert f"est. liq {money(p.est_liq_price)}" in done.message.text
    # the card's estimate is the exchange's figure within a fee buffer's worth
    estimate = num(row(text, "est. liq").split("→")[1])
    assert p.est_liq_price is not None
    assert abs(estimate - p.est_liq_price) / p.est_liq_price < Decimal("0.001")


async def test_buy_limit_then_orders_and_its_cancel_button(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 2450")
    assert row(card.text, "type") == "LIMIT"
    assert row(card.text, "price") == "2,450.00"
    assert row(card.text, "notional") == "1,225.00 USDC"  # 0.5 × 2,450, not the mark
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    [order] = desk.open_orders()
    assert f"✅ Order {order.order_id} placed: BUY 0.5000 ETH @ 2,450.00, open" in done.message.text

    listing = await desk.say("/orders")
    assert f"#{order.order_id} ETH BUY 0.5000 @ 2,450.00 · " in listing.text
    assert "· NEW" in listing.text
    assert (await desk.say("/orders btc")).text == "No open orders."
    cancelled = await desk.press(listing, f"Cancel #{order.order_id}", then="reply")
    assert cancelled.message is not None
    assert cancelled.message.text.startswith(f"✅ Cancelled #{order.order_id} ETH BUY")
    assert desk.open_orders() == []


async def test_sell_opens_a_short(desk: Desk) -> None:
    card = await desk.say("/sell btc 0.01 cross")
    assert card.text.splitlines()[0] == "Confirm SELL 0.01 BTC (cross)"
    assert row(card.text, "notional") == "600.00 USDC"
    await desk.press(card, "Confirm")
    p = desk.position(BTC, CROSS)
    assert p is not None and p.position_qty == Decimal("-0.01")


async def test_close_half_then_the_rest(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    card = await desk.say("/close eth 50")
    assert card.text.splitlines()[0] == "Confirm close: SELL 0.5 ETH (isolated, reduce-only)"
    assert row(card.text, "position") == "LONG 1.0000 → LONG 0.5000"
    await desk.press(card, "Confirm")
    p = desk.position(ETH, ISO)
    assert p is not None and p.position_qty == Decimal("0.5")

    card = await desk.say("/close eth")
    assert row(card.text, "position") == "LONG 0.5000 → FLAT"
    done = await desk.press(card, "Confirm")
    assert done.message is not None and "Position now: closed" in done.message.text
    assert desk.position(ETH, ISO) is None
    order = desk.paper.engine.orders(desk.account_id)[-1]
    assert order.reduce_only and order.quantity == Decimal("0.5")


async def test_cancel_by_id_and_cancel_all(desk: Desk) -> None:
    await desk.open_position("/buy eth 0.5 2450")
    await desk.open_position("/sell sol 1 155")
    eth_order, sol_order = desk.open_orders()
    text = (await desk.say(f"/cancel {eth_order.order_id}")).text
    assert text.startswith(f"✅ Cancelled #{eth_order.order_id} ETH BUY")
    assert [o.order_id for o in desk.open_orders()] == [sol_order.order_id]
    again = (await desk.say(f"/cancel {eth_order.order_id}")).text
    assert again == f"⚠️ Order {eth_order.order_id} is already cancelled"
    assert (await desk.say("/cancel all")).text == (
        "✅ Cancelled 1 open order across all symbols.")
    assert desk.open_orders() == []
    assert (await desk.say("/cancel all eth")).text == "No open ETH orders to cancel."


async def test_margin_add_and_reduce_move_liq_exactly_as_the_card_said(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    before = desk.position(ETH, ISO)
    assert before is not None
    card = await desk.say("/margin add eth 100")
    assert card.text.splitlines()[0] == "Confirm: add 100 USDC to ETH isolated"
    assert row(card.text, "margin") == "250.00 → 350.00"
    liq_before, liq_after = row(card.text, "liq price").split(" → ")
    assert liq_before == money(before.est_liq_price)
    assert card.text.endswith("Valid 120 s.")
    done = await desk.press(card, "Confirm")
    after = desk.position(ETH, ISO)
    assert after is not None and after.margin == before.margin + 100
    assert money(after.est_liq_price) == liq_after
    assert done.message is not None and f"Liq price now {liq_after}" in done.message.text
    assert row((await desk.say("/position eth")).text, "est_liq_price") == liq_after

    card = await desk.say("/margin reduce eth 50")
    assert row(card.text, "margin") == "350.00 → 300.00"
    liq_after = row(card.text, "liq price").split(" → ")[1]
    await desk.press(card, "Confirm")
    reduced = desk.position(ETH, ISO)
    assert reduced is not None and reduced.margin == Decimal(300)
    assert money(reduced.est_liq_price) == liq_after


async def test_status_reports_paper_and_a_reachable_exchange(desk: Desk) -> None:
    text = (await desk.say("/status")).text
    assert text.startswith("Status · PAPER")
    assert "Exchange: ✅ reachable (normal)" in text
    assert desk.account_id in text
    assert "Version: " in text


async def test_history_lists_this_chats_actions_newest_first(desk: Desk) -> None:
    assert (await desk.say("/history")).text == "No actions recorded in this chat yet."
    await desk.say("/leverage eth 5")
    await desk.open_position("/buy eth 0.5 isolated")
    lines = (await desk.say("/history 5")).text.splitlines()
    assert lines[0] == "Recent actions (UTC)"
    order = desk.last_order()
    assert lines[1].endswith(
        f"✅ Buy 0.5000 ETH (isolated, market): filled 0.5000 at "
        f"{money(order.average_executed_price)} · order #{order.order_id}")
    assert lines[2].endswith("✅ Set ETH isolated leverage to 5x: done")


async def test_position_close_button_draws_a_close_card(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    card = await desk.say("/position eth")
    hint = await desk.press(card, "Reduce margin", then="reply")
    assert hint.message is not None and "/margin reduce ETH AMOUNT" in hint.message.text
    closing = await desk.press(card, "Close", then="reply")
    assert closing.message is not None
    assert closing.message.text.splitlines()[0] == (
        "Confirm close: SELL 1 ETH (isolated, reduce-only)")
    assert desk.exchange.count("POST", "/v1/order") == 1  # drawing the card sent nothing
    await desk.press(closing.message, "Confirm")
    assert desk.position(ETH, ISO) is None
