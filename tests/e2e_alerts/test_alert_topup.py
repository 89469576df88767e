"""The one-tap remedy through the running bot: the Add button of a live alert moves the paper
position's liquidation price to the target, edits the alert, and transfers exactly once."""

from __future__ import annotations

import asyncio
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import pytest

from bot.domain import margin
from tests.e2e.harness import money, num
from tests.e2e_alerts.harness import ALICE, ETH, AlertDesk, bounded, kind_of

D = Decimal
TARGET = D("0.10")  # 2 × the 5 % warning level
MARGIN_PATH = ("POST", "/v1/position_margin")


async def _critical(desk: AlertDesk) -> tuple[Decimal, object]:
    """An isolated ETH long 2 % from liquidation and its critical alert."""
    await desk.begin()
    await desk.open_position("/buy eth 1 isolated")
    since = desk.emulator.mark()
    mark = desk.price_at(ETH, D("0.02"))
    await desk.move(ETH, mark)
    return mark, await desk.next_alert(ALICE, "critical", since=since)


@pytest.mark.parametrize("websocket", [True, False], ids=["ws", "rest"])
async def test_add_moves_the_liq_price_to_the_target_and_edits_the_alert(
    tmp_path: Path, websocket: bool
) -> None:
    async with AlertDesk.open(tmp_path, websocket=websocket) as desk:
        mark, alert = await _critical(desk)
        before = desk.position(ETH)
        assert before is not None
        need = margin.margin_to_add_for_distance(desk.paper.engine.market(ETH),
                                                 before.position_qty, before.cost_position,
                                                 before.margin, mark, TARGET, D(0))  # fmt: skip
        amount = need.quantize(D("0.01"), rounding=ROUND_CEILING)
        assert alert.button("Add").text == f"Add {amount} USDC"

        pressed = await desk.press(alert, "Add")
        assert pressed.toast == "Working on it…"
        after = desk.position(ETH)
        assert after is not None and after.margin == before.margin + amount
        liq = desk.liq(ETH)
        away = (mark - liq) / mark
        assert TARGET <= away < TARGET + D("0.0001"), away  # the target, by at most a cent more
        edited = pressed.message
        assert edited is not None and edited.message_id == alert.message_id
        assert f"✅ Added {amount} USDC. Liq price now {money(liq)} " \
               f"({money(away * 100)} % away)." in edited.text, edited.text
        assert not edited.buttons or "Add" not in edited.buttons[0].text
        assert desk.tap.count(*MARGIN_PATH) == 1

        # The monitor takes the new liq price from the exchange: the position re-arms after 60 s.
        since = desk.emulator.mark()
        await desk.until(lambda: desk.state().rearm_since is not None or None)
        await desk.advance(61)
        await desk.flush()
        recovered = desk.sent(ALICE, since, "recovered")
        assert len(recovered) == 1 and f"back to {money(away * 100)} %" in recovered[0].text


async def test_a_double_press_transfers_once(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        _, alert = await _critical(desk)
        margin_before = desk.margin(ETH)
        data = alert.button("Add").callback_data
        assert data is not None
        queries = [desk.emulator.press(ALICE, ALICE, alert.message_id, data) for _ in range(2)]
        answers = await desk.until(lambda: [desk.emulator.callback_answer(q) for q in queries]
                                   if all(desk.emulator.callback_answer(q) for q in queries)
                                   else None)  # fmt: skip
        toasts = sorted(str(a.get("text")) for a in answers)
        assert toasts == ["Already done — each card works once.", "Working on it…"], toasts
        edited = await desk.emulator.wait_for_message(
            ALICE, lambda m: m.message_id == alert.message_id and "✅ Added" in m.text, 8.0,
            since=0)
        await bounded(desk.drained())
        await asyncio.sleep(0.2)
        assert desk.tap.count(*MARGIN_PATH) == 1
        added = num(edited.text.split("✅ Added ")[1])
        assert desk.margin(ETH) == margin_before + added
        assert [kind_of(m) for m in desk.sent(ALICE)].count("critical") == 1
