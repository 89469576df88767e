"""`/history` in a trader's words: every stored outcome and detail code said in plain words,
prices at the tick, sizes at the step, USDC to the cent."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.domain.algo import AlgoLeg, AlgoRequest, AlgoType
from bot.domain.models import MarginMode, Side
from bot.handlers import render
from bot.handlers.account.history import OUTCOMES, REFUSALS
from bot.services.trading.actions import AlgoAction
from storage.approvals import ClaimFailure
from storage.audit import AuditEntry
from tests.handlers.render_samples import BTC, ETH, rendered

AT = datetime(2025, 3, 5, 14, 3, tzinfo=UTC).timestamp()
MARKETS = {ETH.symbol: ETH, BTC.symbol: BTC}
ORDER = {"kind": "order", "symbol": "PERP_ETH_USDC", "side": "BUY", "order_type": "MARKET",
         "quantity": "0.5", "price": None, "margin_mode": "ISOLATED", "reduce_only": False,
         "expect_qty": None}
CODES = ("settled:", "refused:", "_", "ISOLATED", "BUY", "SELL", "MARKET", "FILLED", "True")


def line(command: str, params: dict[str, object], outcome: str, detail: str = "") -> str:
    text = rendered(render.history([AuditEntry(1, 1, 42, command, params, outcome, detail, AT)],
                                   MARKETS))
    head, body = text.split("\n")
    assert head == "Recent actions (UTC)" and body.startswith("14:03 05 Mar ")
    return body.removeprefix("14:03 05 Mar ")


def test_a_filled_market_order_shows_size_at_the_step_and_the_fill_at_the_tick() -> None:
    filled = ORDER | {"order_id": 12, "status": "FILLED", "filled_qty": "0.5",
                      "avg_price": "2500.125"}
    assert line("order", filled, "done") == (
        "✅ Buy 0.5000 ETH (isolated, market): filled 0.5000 at 2,500.12 · order #12")


def test_a_resting_limit_order_and_a_reduce_only_close() -> None:
    resting = ORDER | {"order_type": "LIMIT", "price": "2400", "order_id": 7, "status": "NEW",
                       "filled_qty": "0"}
    assert line("order", resting, "done") == (
        "✅ Buy 0.5000 ETH (isolated, limit 2,400.00): placed, resting · order #7")
    close = ORDER | {"side": "SELL", "reduce_only": True, "quantity": "0.25"}
    assert line("order", close, "failed", "the position is already closed; nothing was sent") \
        == ("❌ Close isolated ETH: sell 0.2500 ETH (market, reduce-only): not done; "
            "the position is already closed; nothing was sent")


def test_every_refusal_code_is_said_in_words_with_the_card_it_was_about() -> None:
    for failure in ClaimFailure:
        shown = line("press", {"token_known": True, **ORDER}, f"refused:{failure}")
        assert shown.startswith("🚫 Buy 0.5000 ETH (isolated, market): Confirm refused, ")
        assert shown.endswith("; nothing was sent") and REFUSALS[failure.value] in shown
        assert not any(code in shown for code in CODES), shown
    unknown = line("press", {"token_known": False}, "refused:unknown")
    assert unknown == ("🚫 A Confirm button: Confirm refused, the button was not recognised; "
                       "nothing was sent")


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_every_outcome_code_reads_as_words(outcome: str) -> None:
    shown = line("order", ORDER, outcome)
    assert not any(code in shown for code in CODES), shown


def test_margin_topup_and_settled_outcomes() -> None:
    add = {"kind": "margin", "symbol": "PERP_ETH_USDC", "action": "ADD", "amount": "261.004",
           "source": "command", "margin_after": "511.004"}
    assert line("margin", add, "done") == (
        "✅ Add 261.004 USDC margin to ETH isolated: done, margin now 511.00 USDC")
    topup = add | {"source": "alert", "amount": "57.5"}
    del topup["margin_after"]
    assert line("topup", topup, "settled:done", "57.5 USDC (PERP_ETH_USDC) was added") == (
        "✅ Top-up from an alert: add 57.50 USDC margin to ETH isolated: confirmed afterwards; "
        "57.5 USDC (PERP_ETH_USDC) was added")
    reduce = add | {"action": "REDUCE", "amount": "10"}
    assert line("margin", reduce, "cancelled").startswith(
        "✖️ Reduce ETH isolated margin by 10.00 USDC: cancelled; nothing was sent")


def test_a_liquidation_with_its_price_the_margin_lost_and_the_pnl() -> None:
    liq = {"symbol": "PERP_ETH_USDC", "margin_mode": "ISOLATED", "position_qty": "1",
           "margin": "251.5", "liq_price": "2262.575", "price": "2262.58",
           "margin_lost": "251.5", "realized_pnl": "-237.424", "estimated": None}
    assert line("liquidation", liq, "liquidated") == (
        "💥 ETH isolated long 1.0000: liquidated at 2,262.58, margin lost 251.50 USDC, "
        "realized PnL −237.42 USDC")
    guess = liq | {"estimated": "yes", "realized_pnl": None}
    assert "liquidated at ≈ 2,262.58, margin lost 251.50 USDC" in line("liquidation", guess,
                                                                       "liquidated")


def test_a_liquidation_without_its_outcome_gives_the_liq_price_and_margin() -> None:
    liq = {"symbol": "PERP_BTC_USDC", "margin_mode": "ISOLATED", "position_qty": "-0.5",
           "margin": "3000.456", "liq_price": "66012.34"}
    assert line("liquidation", liq, "liquidated") == (
        "💥 BTC isolated short 0.50000: liquidated, liq price 66,012.3, isolated margin was "
        "3,000.46 USDC")


def test_settings_commands_read_as_sentences() -> None:
    assert line("leverage", {"symbol": "PERP_ETH_USDC", "leverage": 20,
                             "margin_mode": "ISOLATED"}, "done") == (
        "✅ Set ETH isolated leverage to 20x: done")
    assert line("leverage", {"symbol": "all", "leverage": 5, "margin_mode": "CROSS"}, "done",
                "3 changed") == "✅ Set every symbol cross leverage to 5x: done; 3 changed"
    assert line("mode", {"symbol": "PERP_ETH_USDC", "margin_mode": "CROSS"}, "done") == (
        "✅ Set ETH's default margin mode to cross: done")
    assert line("snooze", {"symbol": "PERP_ETH_USDC", "seconds": 3600}, "done", "button") == (
        "✅ Snooze ETH reminders for 1 h: done; from an alert's button")
    assert line("alert", {"symbol": "default", "warn_pct": "5", "critical_pct": "2.5"},
                "done") == "✅ Set the default alert levels: warning 5 %, critical 2.5 %: done"
    assert line("limits", {"per_action": "200", "per_day": "off"}, "done") == (
        "✅ Set top-up limits: per action 200.00 USDC, per day off: done")
    assert line("cancel", {"order_id": 9, "symbol": "PERP_ETH_USDC"}, "done") == (
        "✅ Cancel order #9 (ETH): done")


def test_newest_first_empty_and_escaped() -> None:
    entries = [AuditEntry(1, 1, 42, "mode", {"symbol": "PERP_ETH_USDC", "margin_mode": "CROSS"},
                          "done", "", AT),
               AuditEntry(2, 1, 42, "<cmd>", {"symbol": "PERP_<B&D>_USDC"}, "<o>", "<d&>",
                          AT + 3600)]
    lines = rendered(render.history(entries)).split("\n")
    assert lines[1] == "15:03 05 Mar • <cmd> PERP_<B&D>_USDC: recorded; <d&>"
    assert lines[2].startswith("14:03 05 Mar ✅ Set ETH's")
    assert render.history([]) == "No actions recorded in this chat yet."


def test_tp_sl_stop_orders_and_their_cancels_in_plain_words() -> None:
    pair = AlgoRequest(symbol="PERP_ETH_USDC", algo_type=AlgoType.TP_SL, side=Side.SELL,
                       margin_mode=MarginMode.ISOLATED, quantity=Decimal(1),
                       legs=(AlgoLeg(AlgoType.TAKE_PROFIT, Decimal(2600)),
                             AlgoLeg(AlgoType.STOP_LOSS, Decimal(2400))))
    placed = AlgoAction(pair, Decimal(1)).to_json() | {"algo_order_id": 3}
    assert line("algo", placed, "done") == (
        "✅ TP/SL on ETH (isolated): take-profit 2,600.00, stop-loss 2,400.00: "
        "placed · algo order 3")
    stop = AlgoRequest(symbol="PERP_ETH_USDC", algo_type=AlgoType.STOP, side=Side.BUY,
                       margin_mode=MarginMode.ISOLATED, quantity=Decimal("0.5"),
                       trigger_price=Decimal(2600))
    assert line("algo", AlgoAction(stop, Decimal(0)).to_json(), "done").startswith(
        "✅ Stop BUY 0.5000 ETH at 2,600.00 (isolated, market)")
    assert line("cancel", {"algo_order_id": 3, "symbol": "PERP_ETH_USDC"}, "done") == (
        "✅ Cancel algo order 3 (ETH): done")
