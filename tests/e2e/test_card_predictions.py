"""Cards predict what the exchange does (issue 8, parts 2 and 3), through PTB, the emulator and
the paper exchange: the liq price after a close or a partial sell is the exchange's liq price
after the fill, a reducing order locks nothing, and an order the account cannot carry is
refused up front with the maximum, without a Confirm button and without reaching the exchange.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.models import MarginMode, OrderRequest, OrderType, Side
from tests.e2e.harness import BTC, ETH, Desk, money, num, row

pytestmark = pytest.mark.asyncio(loop_scope="module")

ISO = MarginMode.ISOLATED
ORDER = ("POST", "/v1/order")


def liq_row(card_text: str) -> tuple[str, str]:
    before, after = row(card_text, "est. liq").split(" → ")
    return before, after


async def losing_long(desk: Desk) -> None:
    """1 ETH isolated long at 2,500 (10x), the mark down to 2,450, with funding owed."""
    await desk.open_position("/buy eth 1 isolated")
    desk.paper.set_price(ETH, Decimal(2450))
    desk.paper.engine.apply_funding(ETH, Decimal("0.5"))


async def test_close_half_of_a_losing_long_predicts_the_exchange_liq(desk: Desk) -> None:
    await losing_long(desk)
    before = desk.position()
    assert before is not None and before.unsettled_pnl < 0
    card = await desk.say("/close eth 50")
    liq_before, liq_after = liq_row(card.text)
    assert liq_before == money(before.est_liq_price)
    assert num(liq_after) < Decimal(2450)  # never above the mark of a long
    assert row(card.text, "to release") == f"{money(before.margin / 2)} USDC"
    assert row(card.text, "est. PnL").startswith("−")  # the half closes at a loss
    with pytest.raises(LookupError):
        row(card.text, "to lock")  # a reducing order locks nothing

    done = await desk.press(card, "Confirm")
    assert done.message is not None and "✅" in done.message.text
    after = desk.position()
    assert after is not None and after.position_qty == Decimal("0.5")
    assert liq_after == money(after.est_liq_price)
    assert after.margin == before.margin / 2


async def test_partial_sell_against_a_losing_long_locks_nothing(desk: Desk) -> None:
    await losing_long(desk)
    before = desk.position()
    assert before is not None
    card = await desk.say("/sell eth 0.3 isolated")
    assert row(card.text, "position") == "LONG 1.0000 → LONG 0.7000"
    assert row(card.text, "to release") == f"{money(before.margin * Decimal('0.3'))} USDC"
    with pytest.raises(LookupError):
        row(card.text, "to lock")
    _, liq_after = liq_row(card.text)

    done = await desk.press(card, "Confirm")
    assert done.message is not None and "✅" in done.message.text
    after = desk.position()
    assert after is not None and after.position_qty == Decimal("0.7")
    assert liq_after == money(after.est_liq_price)


async def test_a_flip_card_predicts_the_new_short(desk: Desk) -> None:
    await losing_long(desk)
    card = await desk.say("/sell eth 1.5 isolated")
    assert row(card.text, "position") == "LONG 1.0000 → SHORT 0.5000"
    assert row(card.text, "to lock") == "123.24 USDC"  # 0.5·2450·(1/10 + 0.0006)
    _, liq_after = liq_row(card.text)
    await desk.press(card, "Confirm")
    after = desk.position()
    assert after is not None and after.position_qty == Decimal("-0.5")
    assert liq_after == money(after.est_liq_price)


async def test_an_order_ten_times_too_large_is_refused_with_the_max(desk: Desk) -> None:
    big = await desk.say("/buy eth 400 isolated")  # the account carries ~39.76 ETH at 10x
    assert "BUY 400 ETH is refused: not enough margin — at most 39.7614 ETH now" in big.text
    assert big.buttons == []
    assert desk.exchange.count(*ORDER) == 0
    assert desk.paper.engine.orders(desk.account_id) == []  # the exchange saw no order
    assert desk.approvals() == []
    # what the refusal names as the maximum is what the exchange accepts
    card = await desk.say("/buy eth 39.7614 isolated")
    assert row(card.text, "max qty") == "39.7614 ETH"
    done = await desk.press(card, "Confirm")
    assert done.message is not None and "✅" in done.message.text
    position = desk.position()
    assert position is not None and position.position_qty == Decimal("39.7614")


async def test_notional_above_the_leverage_limit_is_refused(desk: Desk) -> None:
    await desk.say("/leverage eth 100 isolated")
    reply = await desk.say("/buy eth 370 isolated")  # 925,000 USDC > ≈900,000 at 100x
    assert "BUY 370 ETH is refused: at most 360." in reply.text
    assert "lower the leverage for more" in reply.text
    assert reply.buttons == [] and desk.exchange.count(*ORDER) == 0


async def test_press_time_refusal_when_the_margin_went_elsewhere(desk: Desk) -> None:
    card = await desk.say("/buy eth 30 isolated")  # needs 7,545 USDC of 10,000
    assert card.button("Confirm")
    # meanwhile another app spends most of the collateral on a BTC position
    desk.paper.engine.create_order(desk.account_id, OrderRequest(
        BTC, Side.BUY, OrderType.MARKET, Decimal("0.5"), ISO))
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    # 10,000 − 0.5·60,000·(1/10 + 0.0006) = 6,982 free; 6,982 / (2,500·0.1006) = 27.7614 ETH
    assert done.message.text.endswith(
        "⚠️ Not sent: BUY 30 ETH is refused: not enough margin — at most 27.7614 ETH now at "
        "10x isolated, price 2500 (6,982.00 USDC free for margin)")
    assert desk.exchange.count(*ORDER) == 0
    assert desk.position(ETH) is None
