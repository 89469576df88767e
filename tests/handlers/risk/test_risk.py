"""/risk, /budget and /chart: parsing (a clear refusal for bad input) and what the replies say."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.domain.models import AccountSummary
from bot.domain.risk import risk_budget
from bot.domain.topup import suggest_topup
from bot.errors import UserInputError
from bot.handlers.alerts import alert_text as ra
from bot.handlers.parsing import USAGE, parse_command
from bot.handlers.risk import render
from bot.handlers.risk.parsing import BudgetSet, BudgetShow, Chart, Risk
from bot.services.risk.budget import BudgetView
from tests.domain.test_topup import ETH, LONG
from tests.handlers.render_samples import rendered


@pytest.mark.parametrize(("text", "command"), [
    ("/risk", Risk()),
    ("/risk picture", Risk(picture=True)),
    ("/budget", BudgetShow()),
    ("/budget eth 150", BudgetSet("eth", D(150))),
    ("/budget ETH-PERP 150.25", BudgetSet("ETH-PERP", D("150.25"))),
    ("/budget eth OFF", BudgetSet("eth", None)),
    ("/chart eth", Chart("eth", "1h")),
    ("/chart eth 24H", Chart("eth", "24h")),
])
def test_commands_parse(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(("text", "reason"), [
    ("/risk now", "'picture'"),
    ("/budget eth", "symbol and an amount"),
    ("/budget eth -5", "must be positive"),
    ("/budget eth 1e3", "without exponent notation"),
    ("/budget eth 0", "greater than 0"),
    ("/budget eth 10.001", "more than 2 decimals"),
    ("/chart", "name the symbol"),
    ("/chart eth 2h", "1h, 6h or 24h"),
    ("/chart eth 1h extra", "too many"),
])
def test_bad_input_is_refused_with_the_reason_and_the_usage(text: str, reason: str) -> None:
    with pytest.raises(UserInputError) as raised:
        parse_command(text)
    assert reason in raised.value.reason
    name = text.split()[0][1:]
    assert raised.value.usage == USAGE[name]


def test_the_alert_says_when_the_budget_caps_the_add_amount() -> None:
    s = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.05"), D(10_000),
                      budget_headroom=D("48.50"))
    line = ra.topup_line(s, ETH)
    assert line is not None and line.startswith("➕ Capped by the ETH budget (/budget): Add 48.50")
    assert "needs 57.23 USDC" in line
    none = suggest_topup(ETH, LONG, D(2450), D("0.5"), D("0.05"), D(10_000),
                         budget_headroom=D(0))
    assert ra.topup_line(none, ETH) == ("➕ No top-up offered: the ETH budget leaves 0.00 USDC "
                                        "(/budget).")


def test_budget_replies() -> None:
    assert "top-ups may add 48.50 USDC more" in render.budget_set(
        BudgetView("PERP_ETH_USDC", "ETH", D(300), D("251.5"), D("48.50")))
    assert "nothing more may be added" in render.budget_set(
        BudgetView("PERP_ETH_USDC", "ETH", D(200), D("251.5"), D(0)))
    assert "off" in render.budget_set(BudgetView("PERP_ETH_USDC", "ETH", None, None, None))
    assert "No budgets set" in render.budgets_list({})


def test_the_risk_screen_fits_a_phone_and_names_every_figure() -> None:
    figures = risk_budget(AccountSummary(D(4000), D(4300), account_value=D(5000)), [LONG],
                          {"PERP_ETH_USDC": D(300), "PERP_BTC_USDC": D(50)})
    text = render.risk_screen(figures, {"PERP_ETH_USDC": ETH})
    plain = rendered(text)
    assert "equity 5,000.00 USDC" in plain and "251.50 USDC" in plain
    assert "5.03 %" in plain  # 251.5 / 5000
    assert "300.00 · 48.50 left" in plain
    assert "Budgets without a position: BTC 50.00 USDC" in plain
    tables = [block.split("</pre>")[0] for block in text.split("<pre>")[1:]]
    assert len(tables) == 3  # the position, cross, totals: monospace, phone-width
    assert max(len(line) for t in tables for line in t.splitlines()) <= 40
