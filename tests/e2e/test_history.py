"""`/history` after a confirmed order, an expired card, a cancelled card and refused actions:
plain words with prices and amounts, never the audit log's internal codes."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ALICE, BOB, GROUP, Desk, money

pytestmark = pytest.mark.asyncio(loop_scope="module")

CODES = ("refused:", "settled:", "expired:", "already_used", "wrong_user", "token_known",
         "ISOLATED", "BUY", "SELL", "MARKET", "FILLED")


async def test_history_reads_in_plain_words_with_prices_and_amounts(desk: Desk) -> None:
    await desk.open_position("/buy eth 0.5 2550 isolated")  # a limit above the mark fills
    filled = desk.last_order()
    stale = await desk.say("/sell eth 0.1 isolated")
    desk.clock.advance(61)  # orders are valid 60 s
    await desk.press(stale, "Confirm")  # refused: expired, nothing sent
    declined = await desk.say("/margin add eth 25.5")
    await desk.press(declined, "Cancel")
    closing = await desk.say("/close eth")
    await desk.open_position("/close eth 100 isolated")  # closed by a second card first
    refused = await desk.press(closing, "Confirm")  # the position is gone: nothing sent
    assert refused.message is not None and "already closed" in refused.message.text

    lines = (await desk.say("/history 10")).text.splitlines()
    assert lines[0] == "Recent actions (UTC)"
    body = [line.split(" ", 3)[3] for line in lines[1:]]  # without `14:03 05 Mar`
    assert body[0] == ("❌ Close isolated ETH: sell 0.5000 ETH (market, reduce-only): not done; "
                       "the position is already closed; nothing was sent")
    close = desk.last_order()
    assert body[1] == (f"✅ Close isolated ETH: sell 0.5000 ETH (market, reduce-only): filled "
                       f"0.5000 at {money(close.average_executed_price)} · order "
                       f"#{close.order_id}")
    assert body[2] == "✖️ Add 25.50 USDC margin to ETH isolated: cancelled; nothing was sent"
    assert body[3] == ("🚫 Sell 0.1000 ETH (isolated, market): Confirm refused, the card had "
                       "expired; nothing was sent")
    assert body[4] == (f"✅ Buy 0.5000 ETH (isolated, limit 2,550.00): filled 0.5000 at "
                       f"{money(filled.average_executed_price)} · order #{filled.order_id}")
    assert len(body) == 5
    text = "\n".join(lines)
    assert not any(code in text for code in CODES), text


async def test_a_press_by_someone_else_is_recorded_in_words(desk: Desk) -> None:
    await desk.say("/start", chat=GROUP)
    card = await desk.say("/buy eth 0.2", chat=GROUP)
    await desk.press(card, "Confirm", user=BOB, then=None)
    await desk.barrier()
    lines = (await desk.say("/history", chat=GROUP)).text.splitlines()
    assert lines[1].endswith("🚫 Buy 0.2000 ETH (isolated, market): Confirm refused, only the "
                             "person who asked may confirm it; nothing was sent")
    assert desk.exchange.writes == []
    # another chat's history does not show it
    assert (await desk.say("/history", user=ALICE)).text == "No actions recorded in this chat yet."


async def test_a_card_left_to_expire_is_recorded_once_it_expires(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.3 2400")
    assert card.button("Confirm")
    desk.clock.advance(61)
    await desk.restart()  # start-up settles what is due, as the 30 s round does while running
    lines = (await desk.say("/history")).text.splitlines()
    assert lines[1].endswith("⌛ Buy 0.3000 ETH (isolated, limit 2,400.00): expired unpressed; "
                             "nothing was sent")
    assert len(lines) == 2 and desk.exchange.writes == []
