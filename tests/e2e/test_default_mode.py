"""One default margin mode per chat and symbol (isolated unless /mode says otherwise), used by
every command that omits the mode — through PTB, the emulator and the paper exchange.

A fresh paper account, like a fresh Orderly account, has CROSS as the exchange's own default:
the bot must never fall back to it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.models import MarginMode
from tests.e2e.harness import ALICE, BOB, ETH, GROUP, Desk, num, row

pytestmark = pytest.mark.asyncio(loop_scope="module")

ISO, CROSS = MarginMode.ISOLATED, MarginMode.CROSS


def headline(text: str) -> str:
    return text.splitlines()[0]


async def test_leverage_then_buy_without_a_mode_is_one_isolated_20x_card(desk: Desk) -> None:
    assert desk.paper.engine.default_margin_modes(desk.account_id).get(ETH) is CROSS
    assert (await desk.say("/leverage eth 20")).text == "✅ ETH isolated leverage is now 20x."
    card = (await desk.say("/buy eth 0.1")).text
    assert headline(card) == "Confirm BUY 0.1 ETH (isolated)"
    assert row(card, "leverage") == "20x"
    # 250 / 20 and a small fee buffer, not 250 / 10
    assert Decimal("12.5") <= num(row(card, "to lock")) < 13
    cross = desk.paper.engine.get_leverage(desk.account_id, ETH, CROSS).leverage
    assert cross == 10  # the cross leverage was left alone


async def test_mode_cross_then_buy_builds_a_cross_card_and_leverage_follows(desk: Desk) -> None:
    reply = (await desk.say("/mode eth cross")).text
    assert reply.startswith("✅ ETH now defaults to cross margin in this chat")
    assert headline((await desk.say("/buy eth 0.1")).text) == "Confirm BUY 0.1 ETH (cross)"
    assert (await desk.say("/leverage eth 7")).text == "✅ ETH cross leverage is now 7x."
    assert desk.paper.engine.get_leverage(desk.account_id, ETH, ISO).leverage == 10
    # an explicit mode still wins over the default
    assert headline((await desk.say("/buy eth 0.1 isolated")).text) == (
        "Confirm BUY 0.1 ETH (isolated)")
    # the exchange's account-wide default is neither used nor changed
    assert desk.exchange.count("POST", "/v1/client/margin_mode") == 0
    await desk.say("/mode eth isolated")
    assert headline((await desk.say("/sell eth 0.1")).text) == "Confirm SELL 0.1 ETH (isolated)"


async def test_mode_show_says_the_default_and_where_it_comes_from(desk: Desk) -> None:
    shown = (await desk.say("/mode ETH-PERP")).text
    assert headline(shown) == (
        "ETH default margin mode: isolated (the desk's default: nothing set yet).")
    assert "/mode ETH cross" in shown
    await desk.say("/mode eth cross")
    assert headline((await desk.say("/mode eth")).text) == (
        "ETH default margin mode: cross (set with /mode).")
    assert (await desk.say("/leverage eth")).text.endswith("Default mode: cross (/mode ETH)")


async def test_the_default_is_per_chat_and_survives_a_restart(desk: Desk) -> None:
    await desk.say("/mode eth cross")
    await desk.say("/start", chat=GROUP)
    assert "isolated" in headline((await desk.say("/mode eth", chat=GROUP, user=BOB)).text)
    await desk.restart()
    assert "cross (set with /mode)" in headline((await desk.say("/mode eth")).text)
    assert headline((await desk.say("/buy eth 0.1", user=ALICE)).text).endswith("(cross)")


@pytest.mark.parametrize("text", [
    "/mode eth portfolio", "/mode", "/mode eth cross isolated", "/mode eth cross btc",
    "/mode eth iso",
])
async def test_bad_input_to_mode_gets_the_usage_and_changes_nothing(desk: Desk, text: str) -> None:
    await desk.say("/mode eth cross")
    reply = (await desk.say(text)).text
    assert reply.startswith("⚠️ ")
    assert "Usage: /mode SYMBOL [cross|isolated] — e.g. /mode ETH cross" in reply
    assert "cross (set with /mode)" in headline((await desk.say("/mode eth")).text)


async def test_mode_for_an_unknown_symbol_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    reply = (await desk.say("/mode xyz cross")).text
    assert reply.startswith("⚠️ ") and "XYZ" in reply.upper()
    assert list(desk.db.query("SELECT * FROM default_modes")) == []


async def test_close_without_a_mode_uses_the_default_and_names_the_other_position(
    desk: Desk,
) -> None:
    await desk.open_position("/buy eth 1 cross")
    cards = len(desk.approvals())
    refused = await desk.say("/close eth")
    assert refused.text.startswith(
        "⚠️ No open isolated ETH position (isolated is your default mode for ETH)")
    assert "you hold a cross ETH position" in refused.text
    assert "/close ETH [PERCENT] cross" in refused.text
    assert not refused.buttons and len(desk.approvals()) == cards  # the cross one is not offered
    explicit = await desk.say("/close eth cross")
    assert headline(explicit.text) == "Confirm close: SELL 1 ETH (cross, reduce-only)"
    await desk.say("/mode eth cross")
    defaulted = await desk.say("/close eth 50")
    assert headline(defaulted.text) == "Confirm close: SELL 0.5 ETH (cross, reduce-only)"
    position = desk.position(ETH, CROSS)
    assert position is not None and position.position_qty == 1  # nothing closed without Confirm


async def test_close_with_no_position_in_either_mode_says_so(desk: Desk) -> None:
    assert (await desk.say("/close eth")).text.startswith(
        "⚠️ No open isolated ETH position to close")
