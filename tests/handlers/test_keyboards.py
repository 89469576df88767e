import secrets
from decimal import Decimal as D

import pytest

from bot.botapi.strict import check_reply_markup
from bot.domain.models import MarginMode, Order, OrderType, Side
from bot.handlers import keyboards as kb
from bot.handlers.keyboards import CallbackData, parse_callback

TOKEN = secrets.token_urlsafe(12)  # what storage/approvals.py issues: 16 characters
LONGEST_SYMBOL = "PERP_1000000BABYDOGE_USDC"  # longer than any Orderly listing today
MAX_ID = 2**63 - 1


def _buttons(markup):
    return [b for row in markup.inline_keyboard for b in row]


def _labels_and_data(markup):
    return [(b.text, b.callback_data) for b in _buttons(markup)]


def _order(order_id: int) -> Order:
    return Order(order_id, "PERP_ETH_USDC", Side.BUY, OrderType.LIMIT, D(2400), D("0.5"),
                 D(0), "NEW", MarginMode.ISOLATED)


def test_confirm_carries_only_the_token():
    assert _labels_and_data(kb.confirm(TOKEN)) == [("Confirm", f"a:{TOKEN}"),
                                                   ("Cancel", f"x:{TOKEN}")]


def test_position_actions_for_isolated_and_cross():
    iso = _labels_and_data(kb.position_actions("PERP_ETH_USDC", MarginMode.ISOLATED))
    assert iso == [("Add margin", "pa:PERP_ETH_USDC:I"), ("Reduce margin", "pr:PERP_ETH_USDC:I"),
                   ("Close", "pc:PERP_ETH_USDC:I"), ("Refresh", "pf:PERP_ETH_USDC:I")]
    cross = _labels_and_data(kb.position_actions("PERP_ETH_USDC", MarginMode.CROSS))
    assert cross == [("Close", "pc:PERP_ETH_USDC:C"), ("Refresh", "pf:PERP_ETH_USDC:C")]


def test_order_cancel_buttons_one_per_order():
    markup = kb.order_cancel_buttons([_order(1), _order(22), _order(MAX_ID)])
    assert _labels_and_data(markup) == [("Cancel #1", "oc:1"), ("Cancel #22", "oc:22"),
                                        (f"Cancel #{MAX_ID}", f"oc:{MAX_ID}")]
    assert [len(row) for row in markup.inline_keyboard] == [2, 1]


def test_alert_actions_offer_a_top_up_only_with_a_token():
    with_top_up = _labels_and_data(kb.alert_actions(TOKEN, D("261.00"), "PERP_ETH_USDC"))
    assert with_top_up == [("Add 261 USDC", f"a:{TOKEN}"),
                           ("Snooze 1h", "sz:PERP_ETH_USDC:3600"), ("Refresh", "ar:PERP_ETH_USDC")]
    without = _labels_and_data(kb.alert_actions(None, None, "PERP_ETH_USDC", 900))
    assert without == [("Snooze 15m", "sz:PERP_ETH_USDC:900"), ("Refresh", "ar:PERP_ETH_USDC")]
    assert _buttons(kb.alert_actions(TOKEN, D("1234.5"), "PERP_ETH_USDC"))[0].text == \
        "Add 1,234.50 USDC"  # to the cent, like the line it stands for


def test_every_keyboard_fits_telegram_for_the_longest_symbol():
    markups = [
        kb.confirm(secrets.token_urlsafe(36)),  # 48 characters: the longest token accepted
        kb.position_actions(LONGEST_SYMBOL, MarginMode.ISOLATED),
        kb.position_actions(LONGEST_SYMBOL, MarginMode.CROSS),
        kb.order_cancel_buttons([_order(MAX_ID)]),
        kb.alert_actions(TOKEN, D("99999.99"), LONGEST_SYMBOL, 24 * 3600),
    ]
    for markup in markups:
        assert check_reply_markup(markup.to_dict())  # the fake Bot API's strict check
        for button in _buttons(markup):
            assert len(button.callback_data.encode()) <= 64
            assert parse_callback(button.callback_data) is not None


def test_a_symbol_too_long_for_callback_data_is_refused_not_truncated():
    with pytest.raises(ValueError):
        kb.position_actions("PERP_" + "X" * 60 + "_USDC", MarginMode.ISOLATED)
    with pytest.raises(ValueError):
        kb.position_actions("perp_eth_usdc", MarginMode.ISOLATED)  # never user text


@pytest.mark.parametrize(
    "press",
    [
        CallbackData(kb.APPROVE, token=TOKEN),
        CallbackData(kb.DECLINE, token="abc-DEF_123xyz00"),
        *[CallbackData(k, symbol="PERP_ETH_USDC", mode=m)
          for k in kb.POSITION_KINDS for m in MarginMode],
        CallbackData(kb.ORDER_CANCEL, order_id=123456789),
        CallbackData(kb.SNOOZE, symbol="PERP_1000PEPE_USDC", seconds=86400),
        CallbackData(kb.ALERT_REFRESH, symbol="PERP_BTC_USDC"),
    ],
)
def test_parse_callback_round_trips(press):
    assert parse_callback(press.data) == press


@pytest.mark.parametrize(
    "data",
    [
        None, b"a:" + TOKEN.encode(), 42, "", ":", "a", "a:", "a:short", f"a:{TOKEN}:extra",
        f"A:{TOKEN}", f"a: {TOKEN}", f"a:{TOKEN}\n", "a:<script>alert(1)</script>",
        f"zz:{TOKEN}", "pa:PERP_ETH_USDC", "pa:PERP_ETH_USDC:X", "pa:perp_eth_usdc:I",
        "pa::I", "pa:PERP ETH:I", "pa:PERP_ETH_USDC:I:", "oc:", "oc:0", "oc:-1", "oc:12a",
        "oc:" + "9" * 21, "sz:PERP_ETH_USDC:0", "sz:PERP_ETH_USDC:86401",
        "sz:PERP_ETH_USDC:1e3", "sz:PERP_ETH_USDC", "ar:", "ar:ÉTH", "a:" + "A" * 63,
        "pa:PERP_" + "X" * 60 + ":I", "x:" + "é" * 10,
    ],
)
def test_parse_callback_rejects_garbage(data):
    assert parse_callback(data) is None


def test_callback_pattern_matches_every_kind_built_here():
    import re

    for kind in (kb.APPROVE, kb.DECLINE, *kb.POSITION_KINDS, kb.ORDER_CANCEL, kb.SNOOZE,
                 kb.ALERT_REFRESH):
        assert re.match(kb.CALLBACK_PATTERN, f"{kind}:x")
