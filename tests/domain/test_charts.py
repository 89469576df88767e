"""Pictures: real PNGs of the promised size, drawn without pyplot and from any thread."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from bot.botapi.png import png_size
from bot.charts.model import BudgetBar, BudgetChart, MarkChart
from bot.charts.renderer import ChartRenderer
from bot.domain.bands import mark_at_distance, zone_bands

D = Decimal
POINTS = tuple((1000.0 + 10 * i, D(2400) + D(i % 7)) for i in range(360))
CHART = MarkChart("ETH isolated long 1 · last 1h", POINTS, D(2450), D("2262.58"), D(2381),
                  D(2320), D(2205), "liq after +57.23 USDC")  # fmt: skip


def test_zone_bands_sit_where_the_distance_equals_the_levels() -> None:
    b = zone_bands(D(1900), D("0.05"), D("0.025"), is_long=True)
    tiny = D("1e-20")  # Decimal division rounds at 28 digits
    assert abs((b.warning_edge - b.liq) / b.warning_edge - D("0.05")) < tiny
    assert abs((b.critical_edge - b.liq) / b.critical_edge - D("0.025")) < tiny
    short = mark_at_distance(D(2100), D("0.05"), is_long=False)
    assert abs((D(2100) - short) / short - D("0.05")) < tiny


async def test_pictures_are_pngs_at_least_800_px_wide_drawn_off_the_loop() -> None:
    renderer = ChartRenderer()
    try:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        task = asyncio.create_task(ticker())
        charts = await asyncio.gather(
            renderer.mark_chart(CHART),
            renderer.mark_chart(MarkChart("empty", ())),
            renderer.budget_chart(BudgetChart("budget", (BudgetBar("ETH", D(200), D(250), D(4)),
                                                         BudgetBar("cross", D(50))), D(5000))),
            renderer.budget_chart(BudgetChart("none", (), D(0))),
        )
        task.cancel()
        assert ticks > 3  # the loop kept running while the pictures were drawn
    finally:
        renderer.close()
    for png in charts:
        size = png_size(png)
        assert size is not None and size[0] >= 800 and size[0] * 6 == size[1] * 10
    assert "matplotlib.pyplot" not in sys.modules  # no global pyplot state


def test_png_size_refuses_what_is_not_a_png() -> None:
    assert png_size(b"GIF89a" + b"\0" * 30) is None and png_size(b"") is None
