from decimal import Decimal as D

import pytest

from bot.domain import margin as m
from bot.domain.models import (
    MarginAction,
    MarginMode,
    Order,
    OrderRequest,
    OrderType,
    Side,
)
from bot.domain.views import MarginQuote, MarginResult, OrderQuote, OrderResult
from bot.handlers.trading import cards
from bot.services.trading.approvals import PressOutcome
from storage.approvals import Approval, ClaimFailure
from tests.handlers.render_samples import (
    BTC,
    DOGE,
    ETH,
    assert_phone_width,
    eth_position,
    pre_lines,
    rendered,
)

EXAMPLE_LIQ = D("2262.575452716297786720321932")  # orderly-api.md §6 example A


def _row(text: str, label: str) -> str:
    return next(line for line in pre_lines(text) if line.startswith(label + " "))


def _order_quote(**changes) -> OrderQuote:
    request = OrderRequest("PERP_ETH_USDC", Side.BUY, OrderType.MARKET, D("0.5"),
                           MarginMode.ISOLATED)
    fields = dict(
        request=request, market=ETH, mark=D(2450), notional=D("1225"), leverage=10,
        margin_locked=m.order_margin(D("0.5"), D(2450), 10), liq_before=None,
        liq_after=D("2217.2131147540983606557"), position_before=None,
        max_quantity=D("3.9600"), note=None,
    )
    fields.update(changes)
    return OrderQuote(**fields)


def _margin_quote(amount: D, action=MarginAction.ADD) -> MarginQuote:
    pos = eth_position(est_liq_price=EXAMPLE_LIQ)
    after = pos.margin + amount if action is MarginAction.ADD else pos.margin - amount
    funding = D("0.5")  # F = Q·Δfunding of the example
    liq_after = m.isolated_liq_price(ETH, pos.position_qty, pos.cost_position, after,
                                     D(2450), funding)
    return MarginQuote(
        "PERP_ETH_USDC", action, amount, pos, ETH, D(2450), after, EXAMPLE_LIQ, liq_after,
        m.distance_to_liq(D(2450), EXAMPLE_LIQ), m.distance_to_liq(D(2450), liq_after),
        max_allowed=D("9748.505"),
    )


def _approval(action: dict) -> Approval:
    return Approval("tok", action.get("kind", "margin"), 1, 42, action, "done", 0.0, 120.0)


def test_market_order_card_shows_what_a_trader_checks():
    text = cards.order_card(_order_quote())
    shown = rendered(text)
    assert shown.startswith("Confirm BUY 0.5 ETH (isolated)")
    assert _row(text, "type").endswith("MARKET")
    assert _row(text, "price").endswith("market ≈ 2,450.00")
    assert _row(text, "notional").endswith("1,225.00 USDC")
    assert _row(text, "leverage").endswith("10x")
    assert _row(text, "to lock").endswith("123.24 USDC")  # 0.5·2450·(0.1 + 0.0006)
    assert _row(text, "position").endswith("FLAT → LONG 0.5000")
    assert _row(text, "est. liq").endswith("— → 2,217.21")
    assert _row(text, "max qty").endswith("3.9600 ETH")
    assert shown.endswith("Valid 60 s.")
    assert_phone_width(text)


def test_limit_price_and_quantity_are_shown_as_typed():
    request = OrderRequest("PERP_ETH_USDC", Side.SELL, OrderType.LIMIT, D("0.1234"),
                           MarginMode.CROSS, price=D("2500.5"))
    text = cards.order_card(_order_quote(request=request, note="<careful> & check"))
    shown = rendered(text)
    assert shown.startswith("Confirm SELL 0.1234 ETH (cross)")
    assert _row(text, "price").endswith("2,500.50")
    assert "<careful> & check" in shown


def test_big_numbers_still_fit_a_phone():
    request = OrderRequest("PERP_BTC_USDC", Side.SELL, OrderType.LIMIT, D("123.45678"),
                           MarginMode.ISOLATED, price=D("104250.5"))
    before = eth_position(symbol="PERP_BTC_USDC", position_qty=D("1234.56789"))
    text = cards.order_card(_order_quote(
        request=request, market=BTC, notional=D("12870470.11"), liq_before=D("95000.12"),
        liq_after=D("123456.78"), position_before=before, max_quantity=D("99999.99999")))
    assert_phone_width(text)
    assert "LONG 1,234.56789" in rendered(text) and "LONG 1,111.11111" in rendered(text)
    assert "95,000.1 → 123,456.8" in rendered(text)


def test_close_card_is_reduce_only_with_the_rounding_note():
    request = OrderRequest("PERP_ETH_USDC", Side.SELL, OrderType.MARKET, D("0.3300"),
                           MarginMode.ISOLATED, reduce_only=True)
    quote = _order_quote(request=request, margin_locked=D(0), position_before=eth_position(),
                         liq_before=EXAMPLE_LIQ, liq_after=EXAMPLE_LIQ, max_quantity=D(1),
                         note="33% of 1 is 0.33, rounded down to the step 0.0001",
                         released=D("82.995"), realized_pnl=D("-16.665"))
    text = cards.close_card(quote)
    shown = rendered(text)
    assert shown.startswith("Confirm close: SELL 0.3300 ETH (isolated, reduce-only)")
    assert _row(text, "type").endswith("MARKET, reduce-only")
    assert _row(text, "to release").endswith("83.00 USDC")  # 33 % of the margin comes back
    assert _row(text, "est. PnL").endswith("−16.66 USDC")
    assert not [line for line in pre_lines(text) if line.startswith("to lock")]  # locks nothing
    assert _row(text, "position").endswith("LONG 1.0000 → LONG 0.6700")
    assert _row(text, "est. liq").endswith("2,262.58 → 2,262.58")
    assert "rounded down to the step 0.0001" in shown and shown.endswith("Valid 60 s.")
    assert_phone_width(text)


def test_flip_card_releases_the_old_margin_and_locks_the_new():
    request = OrderRequest("PERP_ETH_USDC", Side.SELL, OrderType.MARKET, D("1.5"),
                           MarginMode.ISOLATED)
    text = cards.order_card(_order_quote(
        request=request, position_before=eth_position(), released=D("251.5"),
        realized_pnl=D("-50.5"), liq_before=EXAMPLE_LIQ, liq_after=D("2678.93")))
    assert _row(text, "to release").endswith("251.50 USDC")
    assert _row(text, "to lock").endswith("123.24 USDC")
    assert _row(text, "est. PnL").endswith("−50.50 USDC")
    assert _row(text, "position").endswith("LONG 1.0000 → SHORT 0.5000")


def test_cross_reducing_order_locks_nothing():
    request = OrderRequest("PERP_ETH_USDC", Side.SELL, OrderType.MARKET, D("0.5"),
                           MarginMode.CROSS)
    text = cards.order_card(_order_quote(
        request=request, position_before=eth_position(margin_mode=MarginMode.CROSS),
        margin_locked=D(0), realized_pnl=D("-25"), liq_before=D(1900), liq_after=D(1900)))
    assert _row(text, "to lock").endswith("0.00 USDC")
    assert _row(text, "est. PnL").endswith("−25.00 USDC")
    assert _row(text, "est. liq").endswith("account-wide (cross)")


def test_margin_card_for_the_worked_example():
    text = cards.margin_card(_margin_quote(D("261")))
    shown = rendered(text)
    assert shown.startswith("Confirm: add 261 USDC to ETH isolated")
    assert _row(text, "margin").endswith("251.50 → 512.50")
    assert _row(text, "liq price").endswith("2,262.58 → 2,000.00")
    assert _row(text, "distance").endswith("7.65 % → 18.37 %")
    assert _row(text, "mark").endswith("2,450.00")
    assert _row(text, "max add").endswith("9,748.50 USDC")  # rounded down: always allowed
    assert shown.endswith("Valid 120 s.")
    assert_phone_width(text)


def test_margin_card_never_rounds_a_typed_amount():
    shown = rendered(cards.margin_card(_margin_quote(D("261.004"))))
    assert "add 261.004 USDC" in shown and "251.50 → 512.504" in shown
    reduce = rendered(cards.margin_card(_margin_quote(D("50"), MarginAction.REDUCE)))
    assert reduce.startswith("Confirm: reduce 50 USDC from ETH isolated")
    assert "max reduce" in reduce


def test_precision_follows_the_market_on_cards():
    request = OrderRequest("PERP_DOGE_USDC", Side.BUY, OrderType.LIMIT, D(1500),
                           MarginMode.ISOLATED, price=D("0.1234"))
    text = cards.order_card(_order_quote(request=request, market=DOGE, mark=D("0.12345"),
                                         liq_after=D("0.0987654321"), max_quantity=D(50000)))
    assert _row(text, "price").endswith("0.12340")
    assert _row(text, "est. liq").endswith("— → 0.09877")
    assert _row(text, "max qty").endswith("50,000 DOGE")


# ---- outcomes of a press -----------------------------------------------------------------

CARD = cards.order_card(_order_quote())


def _filled(status="FILLED", executed=D("0.5"), avg=D("2501.2"), position=True):
    order = Order(123, "PERP_ETH_USDC", Side.BUY, OrderType.MARKET, None, D("0.5"), executed,
                  status, MarginMode.ISOLATED, average_executed_price=avg)
    after = eth_position(position_qty=D("0.5"), est_liq_price=EXAMPLE_LIQ) if position else None
    return PressOutcome(None, order=OrderResult(order, "mdabc", after))


def test_executed_order_replaces_the_expiry_with_the_fill():
    text = cards.outcome_text(_filled(), CARD, ETH)
    shown = rendered(text)
    assert shown.startswith(rendered(CARD).removesuffix("Valid 60 s.").rstrip())
    assert "Valid 60 s." not in shown
    assert shown.endswith(
        "✅ Order 123 FILLED: bought 0.5000 ETH at 2,501.20. Position now: LONG 0.5000 ETH, "
        "est. liq 2,262.58 (7.65 % away)."
    )


@pytest.mark.parametrize(
    ("outcome", "line"),
    [
        (_filled("PARTIAL_FILLED", D("0.2")),
         "bought 0.2000 of 0.5000 ETH at 2,501.20; the rest is open"),
        (_filled("NEW", D(0), None, False), "✅ Order 123 placed: BUY 0.5000 ETH at market, open."),
        (_filled("CANCELLED", D(0), None, False), "⚠️ Order 123 CANCELLED: nothing filled."),
        (PressOutcome(None, order=OrderResult(None, "md<x>", None)), "client id md<x>"),
    ],
)
def test_other_order_states(outcome, line):
    assert line in rendered(cards.outcome_text(outcome, CARD, ETH))


def _margin_outcome(applied=True, reconciled=False, amount="261"):
    approval = _approval({"kind": "margin", "symbol": "PERP_ETH_USDC", "action": "ADD",
                          "amount": amount})
    result = MarginResult(applied, eth_position(margin=D("512.5")), D("2000.000000001"),
                          m.distance_to_liq(D(2450), D(2000)), reconciled)
    return PressOutcome(approval, margin=result)


def test_margin_applied_shows_the_new_liq_price():
    card = cards.margin_card(_margin_quote(D("261")))
    shown = rendered(cards.outcome_text(_margin_outcome(), card))
    assert shown.endswith("✅ Added 261 USDC. Liq price now 2,000.00 (18.37 % away).")
    assert "2,262.58 → 2,000.00" in shown and "Valid 120 s." not in shown
    typed = rendered(cards.outcome_text(_margin_outcome(amount="261.004"), card))
    assert "Added 261.004 USDC" in typed


def test_margin_reconciled_after_a_timeout_says_so():
    shown = rendered(cards.outcome_text(_margin_outcome(reconciled=True), "card"))
    assert "Added 261 USDC" in shown and "after the exchange did not answer" in shown
    lost = rendered(cards.outcome_text(_margin_outcome(False, True), "card"))
    assert "did not apply. Nothing changed." in lost


@pytest.mark.parametrize(
    ("failure", "line"),
    [
        (ClaimFailure.ALREADY_USED, "Already done — each card works once."),
        (ClaimFailure.EXPIRED, "Expired — nothing was sent. Ask again."),
        (ClaimFailure.WRONG_USER, "This button is for the person who asked."),
        (ClaimFailure.WRONG_CHAT, "nothing done"),
        (ClaimFailure.UNKNOWN, "Unknown or forged button; nothing done."),
        (ClaimFailure.CANCELLED, "Cancelled — nothing was sent."),
    ],
)
def test_refusals_explain_briefly(failure, line):
    assert line in rendered(cards.outcome_text(PressOutcome(None, refused=failure), CARD))
    assert line in rendered(cards.refused_card(CARD, failure))
    toast = cards.refusal_toast(failure)
    assert line in toast and len(toast) <= 200 and "<" not in toast


def test_failures_before_and_at_the_exchange():
    pre = PressOutcome(None, precondition="the position is <closed>; nothing was sent")
    assert rendered(cards.outcome_text(pre, CARD)).endswith(
        "⚠️ Not sent: the position is <closed>; nothing was sent")
    rej = PressOutcome(None, rejected="-1101: not enough margin after this change")
    assert rendered(cards.outcome_text(rej, CARD)).endswith(
        "❌ The exchange refused: -1101: not enough margin after this change")
    unk = PressOutcome(None, unknown="unreachable (https://x?orderly-key=SECRET)")
    shown = rendered(cards.outcome_text(unk, CARD))
    assert "⏳ No answer from the exchange" in shown and "not be sent again" in shown
    assert "SECRET" not in shown


def test_cancelled_expired_and_settled_notices():
    assert rendered(cards.cancelled_card(CARD)).endswith("✖️ Cancelled — nothing was sent.")
    expired = rendered(cards.expired_card(CARD))
    assert expired.endswith("⌛ Expired — nothing was sent. Ask again.")
    assert "Valid 60 s." not in expired
    notice = cards.settled_notice("the order was placed (id 5, <filled>)")
    assert "&lt;filled&gt;" in notice and "id 5" in rendered(notice)


def test_outcomes_survive_ptb_text_html_of_the_card():
    # PTB rebuilds the card's HTML from entities; the expiry line comes back as <i>…</i>.
    from telegram import Message, MessageEntity

    from bot.botapi.strict import parse_html

    plain, entities = parse_html(CARD)
    message = Message.de_json({"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                               "text": plain, "entities": entities}, None)
    assert all(isinstance(e, MessageEntity) for e in message.entities)
    shown = rendered(cards.outcome_text(_filled(), message.text_html, ETH))
    assert "Valid 60 s." not in shown and "FILLED" in shown
