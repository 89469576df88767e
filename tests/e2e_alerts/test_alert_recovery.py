"""A recovery message names the zone the position left, with that zone's level, and says where
its distance stands now — from the same figures, so the text never contradicts the level; a
liquidation is kept in /history with the figures of its message."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.e2e.harness import money, row
from tests.e2e_alerts.harness import ALICE, ETH, AlertDesk, kind_of

D = Decimal


async def test_critical_back_to_warning_says_which_zone_it_left_and_where_it_is(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))  # critical at once (≤ 2.5 %)
        await desk.flush()
        back = desk.price_above(ETH, D("0.035"))  # above 1.25 × 2.5 %, inside the 5 % warning
        for _ in range(3):
            await desk.move(ETH, back)
            await desk.advance(25)
        await desk.flush()
        recovered = desk.sent(ALICE, since, "recovered")
        assert len(recovered) == 1, [kind_of(m) for m in desk.sent(ALICE, since)]
        assert recovered[0].text.splitlines()[0] == (
            "✅ ETH isolated long is back to 3.50 % from liquidation: out of the critical zone "
            "(2.5 %), still inside the warning zone (5 %)")


async def test_warning_back_to_none_names_the_warning_level(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position()
        since = desk.emulator.mark()
        warn = desk.price_at(ETH, D("0.04"))
        await desk.move(ETH, warn)
        await desk.move(ETH, warn)
        await desk.flush()
        back = desk.price_above(ETH, D("0.07"))  # above 1.25 × 5 %
        for _ in range(3):
            await desk.move(ETH, back)
            await desk.advance(25)
        await desk.flush()
        recovered = desk.sent(ALICE, since, "recovered")
        assert len(recovered) == 1
        assert recovered[0].text.splitlines()[0] == (
            "✅ ETH isolated long is back to 7.00 % from liquidation: out of the warning zone "
            "(5 %)")


async def test_a_liquidation_is_in_history_with_the_figures_of_its_message(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        before = desk.position(ETH)
        assert before is not None
        since = desk.emulator.mark()
        await desk.move(ETH, desk.price_at(ETH, D("0.02")))
        await desk.next_alert(ALICE, "critical", since=since)
        liq = desk.liq(ETH)
        await desk.move(ETH, liq - 5, seen=False)  # through the liquidation price
        message = (await desk.next_alert(ALICE, "liquidated", since=since)).text
        line = (await desk.say("/history 1")).text.splitlines()[1]
        # the same figures as the liquidation message, in words
        assert line.endswith(
            f"💥 ETH isolated long 1.0000: liquidated at {row(message, 'liq price')}, margin lost "
            f"{row(message, 'margin lost')}, realized PnL {row(message, 'realized PnL')}")
        assert row(message, "margin lost") == f"{money(before.margin)} USDC"
        assert "liquidated:" not in line and "LIQUIDATED" not in line
