from decimal import Decimal as D

import pytest

from bot.handlers import fmt
from tests.handlers.render_samples import BTC, DOGE, ETH, market, pre_lines, rendered


@pytest.mark.parametrize(
    ("value", "mkt", "shown"),
    [
        (D("2262.575452716"), ETH, "2,262.58"),
        (D("2262.585"), ETH, "2,262.58"),  # half-even: display rounding is unbiased
        (D("2262.595"), ETH, "2,262.60"),
        (D("2000"), ETH, "2,000.00"),
        (D("104250.55"), BTC, "104,250.6"),
        (D("0.123456"), DOGE, "0.12346"),
        (D("0.1"), DOGE, "0.10000"),
        (D("1234567.891"), ETH, "1,234,567.89"),
    ],
)
def test_price_uses_the_market_tick(value, mkt, shown):
    assert fmt.price(value, mkt) == shown


def test_price_without_a_market_keeps_six_significant_digits():
    assert fmt.price(D("2000.000000000001")) == "2,000.00"
    assert fmt.price(D("0.0123456789")) == "0.0123457"


@pytest.mark.parametrize(
    ("value", "mkt", "shown"),
    [
        (D("1.25"), ETH, "1.2500"),
        (D("2"), market("PERP_SOL_USDC", "0.01", "0.01"), "2.00"),
        (D("15000"), DOGE, "15,000"),
        (D("0.00001"), BTC, "0.00001"),
    ],
)
def test_quantity_uses_the_size_step(value, mkt, shown):
    assert fmt.qty(value, mkt) == shown


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("261.004", "261.004"), ("261", "261"), ("261.00", "261.00"), ("1000", "1,000"),
     ("0.00000001", "0.00000001"), ("1E+3", "1,000"), ("12345.678901", "12,345.678901")],
)
def test_typed_amounts_are_never_rounded(typed, shown):
    assert fmt.exact(D(typed)) == shown


def test_exact_pads_but_never_cuts():
    assert fmt.exact(D("2500.5"), 2) == "2,500.50"
    assert fmt.exact(D("2500.505"), 2) == "2,500.505"


@pytest.mark.parametrize(
    ("value", "shown", "typed"),
    [("261", "261.00", "261.00"), ("251.5", "251.50", "251.50"),
     ("261.004", "261.00", "261.004"), ("9748.123456", "9,748.12", "9,748.123456"),
     ("0", "0.00", "0.00"), ("-12.5", "-12.50", "-12.50"), ("0.125", "0.12", "0.125")],
)
def test_usdc_is_to_the_cent_and_a_typed_amount_is_never_cut(value, shown, typed):
    assert fmt.usdc(D(value)) == shown
    assert fmt.usdc_typed(D(value)) == typed


def test_a_button_amount_is_bare_when_whole_else_to_the_cent():
    assert [fmt.usdc_label(D(v)) for v in ("261.00", "1234.5", "57.23", "0.1")] == [
        "261", "1,234.50", "57.23", "0.10"]


def test_usdc_estimates_and_maxima_round_to_cents():
    assert fmt.usdc_est(D("75.486216")) == "75.49"
    assert fmt.usdc_max(D("100.009")) == "100.00"  # a maximum is never shown above itself


def test_percent_sign_leverage_and_side():
    assert fmt.pct(D("0.0765306")) == "7.65 %"
    assert fmt.pct(D("0.18367346")) == "18.37 %"
    assert fmt.pnl(D("12.3")) == "+12.30"
    assert fmt.pnl(D("-50.5")) == "−50.50"
    assert fmt.pnl(D("-0.001")) == "0.00"
    assert fmt.leverage(10) == "10x"
    assert fmt.side_qty(D("1.25"), ETH) == "LONG 1.2500"
    assert fmt.side_qty(D("-2"), market("PERP_SOL_USDC", "0.01", "0.01")) == "SHORT 2.00"
    assert fmt.side_qty(D(0), ETH) == "FLAT"


def test_none_is_a_dash_everywhere():
    for f in (fmt.price, fmt.qty, fmt.exact, fmt.usdc, fmt.usdc_typed, fmt.usdc_label, fmt.usdc_est,
              fmt.usdc_max, fmt.pct, fmt.pnl, fmt.plain):
        assert f(None) == "—"
    assert fmt.leverage(None) == "—"


def test_escape_covers_html_specials():
    assert fmt.esc("<b>A&B</b>") == "&lt;b&gt;A&amp;B&lt;/b&gt;"


def test_table_is_aligned_escaped_and_in_pre():
    text = fmt.table([("entry", "2,500.00"), ("P&L <x>", "−50.50")], "lr")
    assert text.startswith("<pre>") and text.endswith("</pre>")
    assert pre_lines(text) == ["entry    2,500.00", "P&L <x>    −50.50"]
    assert "&lt;x&gt;" in text and "&amp;" in text


def test_table_never_exceeds_forty_columns_and_keeps_numbers_whole():
    rows = [("a very long label that would wrap on a phone", "104,250.50 → 100,000.00"),
            ("mark", "104,250.50")]
    text = fmt.table(rows, "lr")
    lines = pre_lines(text)
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].endswith("104,250.50 → 100,000.00")  # the text column gave way, not figures
    assert "…" in lines[0]


def test_table_of_many_wide_columns_still_fits():
    rows = [[f"column{i}-{'x' * 10}" for i in range(6)]]
    assert all(len(line) <= 40 for line in pre_lines(fmt.table(rows, "rrrrrr")))
    assert rendered(fmt.table(rows, "rrrrrr"))


def test_empty_table_is_empty():
    assert fmt.table([], "lr") == ""
