"""The risk budget end to end on the paper exchange: /budget caps an alert's Add amount and a
/margin add (card, refusal, press time), /risk shows the exchange's figures, /chart sends a real
PNG drawn off the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import pytest

from bot.botapi.png import png_size
from bot.charts import renderer
from bot.domain.models import MarginMode
from tests.e2e.harness import BOB, Desk, money, num
from tests.e2e_alerts.harness import ALICE, BTC, ETH, AlertDesk

D = Decimal
CENT = D("0.01")
MARGIN_PATH = ("POST", "/v1/position_margin")


def _budget_leaving(desk: AlertDesk, left: Decimal) -> tuple[Decimal, Decimal]:
    """A budget (whole cents) that leaves about `left` over ETH's margin, and what it leaves."""
    margin = desk.margin(ETH)
    budget = margin.quantize(CENT, rounding=ROUND_FLOOR) + left
    return budget, (budget - margin).quantize(CENT, rounding=ROUND_FLOOR)


async def test_the_budget_caps_the_alerts_add_amount_and_the_press_adds_only_that(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        budget, left = _budget_leaving(desk, D(20))  # 2 % from liq needs ~150 USDC
        reply = await desk.say(f"/budget eth {budget}")
        assert f"Budget for ETH: {money(budget)} USDC" in reply.text, reply.text
        assert f"top-ups may add {money(left)} USDC more" in reply.text, reply.text

        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        alert = await desk.next_alert(ALICE, "critical", since=since)
        assert "Capped by the ETH budget (/budget)" in alert.text, alert.text
        assert num(alert.button("Add").text) == left

        before = desk.margin(ETH)
        pressed = await desk.press(alert, "Add")
        assert pressed.message is not None and "✅ Added" in pressed.message.text
        assert num(pressed.message.text.split("✅ Added ")[1]) == left
        assert desk.margin(ETH) == before + left  # only the capped amount moved
        assert desk.margin(ETH) <= budget
        assert desk.tap.count(*MARGIN_PATH) == 1


async def test_margin_add_beyond_the_budget_is_capped_or_refused_and_nothing_is_sent(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        budget, left = _budget_leaving(desk, D(30))
        await desk.say(f"/budget eth {budget}")

        card = await desk.say("/margin add eth 100")  # beyond: the card is for what is left
        assert f"Confirm: add {left} USDC</b>" in card.html or \
            f"Confirm: add {left} USDC to ETH" in card.text, card.text
        assert "Capped by the ETH budget" in card.text and "of the 100 USDC asked" in card.text

        # The budget shrinks before the press: the press is refused with the figures.
        await desk.say(f"/budget eth {budget - D(20)}")
        pressed = await desk.press(card, "Confirm")
        assert pressed.message is not None
        assert "budget is" in pressed.message.text and "nothing was sent" in \
            pressed.message.text, pressed.message.text

        # Nothing left at all: refused outright, no card.
        margin = desk.margin(ETH)
        await desk.say(f"/budget eth {margin.quantize(CENT, rounding=ROUND_FLOOR) - 1}")
        refused = await desk.say("/margin add eth 10")
        assert "nothing more may be added" in refused.text and "nothing was sent" in refused.text
        assert not refused.buttons
        assert desk.tap.count(*MARGIN_PATH) == 0
        assert desk.margin(ETH) == margin

        # Within the budget nothing changes: off again, the asked amount is offered.
        await desk.say("/budget eth off")
        card = await desk.say("/margin add eth 100")
        assert "Confirm: add 100 USDC" in card.text and "Capped" not in card.text


async def test_risk_shows_the_exchanges_positions_and_equity(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        await Desk.open_position(desk, "/buy btc 0.01 cross")  # cross: not watched
        await desk.say("/budget eth 300")
        screen = await desk.say("/risk")
        text = screen.text
        eth = desk.position(ETH)
        btc = desk.position(BTC, MarginMode.CROSS)
        assert eth is not None and btc is not None
        account = desk.paper.engine.account_summary(desk.account_id)
        assert account.account_value is not None
        assert f"equity {money(account.account_value)} USDC" in text, text
        assert f"{money(eth.margin)} USDC" in text
        assert money(eth.margin / account.account_value * 100) + " %" in text
        distance = (eth.mark_price - eth.est_liq_price) / eth.mark_price  # type: ignore[operator]
        assert money(distance * 100) + " %" in text
        assert f"{money(btc.notional)} USDC" in text  # cross notional
        cross_im = account.total_collateral_value - account.free_collateral  # no open orders
        assert f"{money(cross_im)} USDC" in text, (cross_im, text)  # the cross initial margin
        assert f"300.00 · {money(D(300) - eth.margin.quantize(CENT, rounding=ROUND_FLOOR))}" \
            in text or "300.00 · over by" in text

        since = desk.emulator.mark()
        desk.push("/risk picture")
        photo = await desk.emulator.wait_for_message(ALICE, lambda m: m.kind == "photo", 10.0,
                                                     since=since)  # fmt: skip
        assert photo.photo_size is not None and photo.photo_size[0] >= 800
        assert f"equity {money(account.account_value)}" in photo.text


async def test_chart_sends_a_png_drawn_off_the_loop_while_other_chats_are_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    drawing = threading.Event()
    real = renderer.mark_chart_png

    def slow_draw(chart: object) -> bytes:  # a slow picture: one second in the worker
        drawing.set()
        time.sleep(1.0)
        return real(chart)  # type: ignore[arg-type]

    monkeypatch.setattr(renderer, "mark_chart_png", slow_draw)
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin((ALICE, ALICE), (BOB, BOB))
        await desk.open_position("/buy eth 1 isolated")
        first = desk.paper.engine.mark(ETH)
        marks = [first - 5 * (step + 1) for step in range(3)]
        for mark in marks:  # a mark path for the history, one 10 s bucket each
            await desk.move(ETH, mark)
            await desk.advance(11)

        def stored() -> list[Decimal] | None:  # closed buckets reach SQLite (batched, ≤ 1 s)
            rows = desk.db.query("SELECT price FROM mark_history WHERE symbol = ? ORDER BY ts",
                                 [ETH])  # fmt: skip
            prices = [D(r["price"]) for r in rows]
            return prices if prices[-3:] == marks else None

        await desk.until(stored)

        since = desk.emulator.mark()
        desk.push("/chart eth 6h")
        await asyncio.to_thread(drawing.wait, 5.0)
        bob = await desk.say("/balance", user=BOB)  # answered while ALICE's chart is drawn
        assert "Balance" in bob.text
        assert not [m for m in desk.emulator.sent_messages(ALICE)
                    if m.kind == "photo"], "the chart came before the other chat's reply"
        photo = await desk.emulator.wait_for_message(ALICE, lambda m: m.kind == "photo", 10.0,
                                                     since=since)  # fmt: skip
        assert photo.photo is not None
        size = png_size(photo.photo)
        assert size == photo.photo_size and size is not None and size[0] >= 800
        assert "ETH</b> mark, last 6h" in photo.html or "ETH mark, last 6h" in photo.text
        liq = desk.liq(ETH)
        assert f"liq {money(liq)}" in photo.text, photo.text
        assert f"→ {money(marks[-1])}" in photo.text, photo.text  # the path ends at the mark
        calls = desk.emulator.calls_of("sendPhoto")
        assert calls and calls[-1].params["photo"]["filename"] == "eth-6h.png"

        bad = await desk.say("/chart eth 2h")
        assert "1h, 6h or 24h" in bad.text
