"""`margin-desk demo` with piped input: one line per message, buttons pressed by number."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.botapi.png import png_size
from bot.config import Settings
from bot.demo import run_demo
from bot.handlers.menus.keyboards import available
from bot.handlers.menus.screens import runs
from bot.handlers.register import HANDLERS

SCRIPT = """/start
/balance
/buy eth 0.5 isolated
1
/position eth
/sell eth 1e3
/notify
/buy eth 0.2 2400 isolated
18
!price eth 2300
/mode eth
/history
!funding eth 0.0002
/tz Europe/Berlin
/pnl eth
/budget eth 100
/risk
/chart eth
"""


@pytest.mark.timeout(120)
async def test_piped_demo_runs_every_line_and_exits_at_end_of_input(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, bot_db_path=tmp_path / "ignored.db")  # type: ignore[call-arg]
    out = io.StringIO()
    pictures = tmp_path / "pictures"
    assert await run_demo(settings, stdin=io.StringIO(SCRIPT), out=out, pictures=pictures) == 0
    text = out.getvalue()
    assert "Mode: PAPER" in text and "Your Telegram user id: 4242" in text
    assert "holding                10,000.00" in text
    assert "[1] Confirm  [2] Cancel" in text  # buttons are numbered
    assert "✅ Order 1 FILLED: bought 0.5000 ETH" in text  # typing 1 pressed Confirm
    assert "position_qty     LONG 0.5000" in text
    assert "without exponent notation" in text  # bad input answered, nothing sent
    assert "paper mark of PERP_ETH_USDC is now 2300" in text
    assert "ETH default margin mode: isolated (the desk's default" in text
    assert "✅ Buy 0.5000 ETH (isolated, market): filled 0.5000 at " in text
    assert "Fills of orders (audible): on" in text  # /notify
    assert "✅ FILLED — BUY 0.2000 ETH at 2,400.00 (isolated)" in text  # the resting limit
    assert "paper funding of PERP_ETH_USDC paid at rate 0.0002" in text
    assert "Time zone set to Europe/Berlin" in text
    assert "PnL · ETH · today" in text and "Europe/Berlin" in text
    # every input line was echoed as the user's message, in order
    said = [line[5:] for line in text.splitlines() if line.startswith("you> ")]
    assert said == SCRIPT.strip().splitlines()
    assert "Budget for ETH: 100.00 USDC" in text and "margin = max loss" in text
    saved = re.search(r"\[photo 1000×600 saved to (\S+)\]", text)  # /chart: a saved PNG
    assert saved is not None and "ETH</b>" not in text and "ETH mark, last 1h" in text
    assert _png_size_of(Path(saved.group(1))) == (1000, 600)
    assert _files(tmp_path) == [pictures]  # the demo keeps its state in a temporary folder


def _png_size_of(path: Path) -> tuple[int, int] | None:
    return png_size(path.read_bytes())


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir())


TPSL_SCRIPT = """/start
/buy eth 1 isolated
1
/tpsl eth 2600 2400
3
/orders
!price eth 2610
/stop eth 0.5 2700
6
/orders
"""


@pytest.mark.timeout(120)
async def test_piped_demo_places_a_tpsl_the_mark_fires_and_a_stop(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, bot_db_path=tmp_path / "ignored.db")  # type: ignore[call-arg]
    out = io.StringIO()
    assert await run_demo(settings, stdin=io.StringIO(TPSL_SCRIPT), out=out) == 0
    text = out.getvalue()
    assert "Confirm take-profit / stop-loss on ETH long 1" in text, text
    assert "TP/SL placed: algo order 1" in text, text
    assert "Cancel algo 1" in text  # /orders lists it with its button
    assert "TAKE-PROFIT fired — ETH: sold 1" in text and "stop-loss was cancelled" in text, text
    assert "Confirm stop BUY 0.5 ETH" in text and "stop placed: algo order 4" in text, text


def menu_script() -> tuple[str, int]:
    """The script and the number of /menu entries k (buttons are numbered in order of
    appearance: Confirm/Cancel 1-2, the menu 3..k+2, then each screen's buttons)."""
    k = len(available(lambda text: runs(text, HANDLERS)))
    script = "\n".join([
        "/start", "/buy eth 0.5 isolated", "1", "/menu", "3",  # 3: Positions
        "/position eth", str(k + 10),  # the card's buttons start at k+5: Add 50 USDC is 6th
        "/notify", str(k + 19),  # after the margin card's Confirm/Cancel: Reminders, 3rd toggle
        "/notify quiet 23:00-07:00", "",
    ])
    return script, k


@pytest.mark.timeout(120)
async def test_piped_demo_presses_menu_amount_and_notify_buttons_by_number(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, bot_db_path=tmp_path / "ignored.db")  # type: ignore[call-arg]
    script, k = menu_script()
    out = io.StringIO()
    assert await run_demo(settings, stdin=io.StringIO(script), out=out) == 0
    text = out.getvalue()
    assert "[3] Positions  [4] Balance  [5] Orders  [6] Alerts" in text  # /menu
    assert "bot (edited)> Open positions (1)" in text  # 3 pressed Positions: the menu edited
    assert f"[{k + 3}] ETH iso  [{k + 4}] « Menu" in text
    assert f"[{k + 10}] Add 50 USDC" in text and f"[{k + 12}] Close 25 %" in text
    assert "bot> Confirm: add 50 USDC to ETH isolated" in text  # it drew the margin card
    assert f"[{k + 15}] Confirm  [{k + 16}] Cancel" in text
    assert f"[{k + 19}] Reminders: on" in text
    assert "Alert reminders while a position stays in its level: off" in text  # it was pressed
    assert "Quiet hours: 23:00-07:00 (UTC)" in text
