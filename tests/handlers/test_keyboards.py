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
    amounts = [(f"Add {n} USDC", f"pm:PERP_ETH_USDC:I:{n}") for n in (25, 50, 100)]
    closes = [(f"Close {n} %", f"pk:PERP_ETH_USDC:I:{n}") for n in (25, 50, 100)]
    assert iso == [("Add margin", "pa:PERP_ETH_USDC:I"), ("Reduce margin", "pr:PERP_ETH_USDC:I"),
                   ("Close", "pc:PERP_ETH_USDC:I"), ("Refresh", "pf:PERP_ETH_USDC:I"),
                   *amounts, *closes]
    cross = _labels_and_data(kb.position_actions("PERP_ETH_USDC", MarginMode.CROSS))
    assert cross == [("Close", "pc:PERP_ETH_USDC:C"), ("Refresh", "pf:PERP_ETH_USDC:C"),
                     *[(f"Close {n} %", f"pk:PERP_ETH_USDC:C:{n}") for n in (25, 50, 100)]]


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


@pytest.mark.parametrize("data", [
    "pm:PERP_ETH_USDC:I:50", "pk:PERP_ETH_USDC:C:25", "pk:PERP_ETH_USDC:I:100",
    "po:PERP_SOL_USDC:C", "mn:positions", "mn:menu", "nt:reminders:0", "nt:fills:1", "nq:0",
])  # fmt: skip
def test_new_callback_forms_round_trip(data: str) -> None:
    press = kb.parse_callback(data)
    assert press is not None and press.data == data


@pytest.mark.parametrize("data", [
    "pm:PERP_ETH_USDC:C:50",  # cross has no own margin to add to
    "pk:PERP_ETH_USDC:I:101", "pk:PERP_ETH_USDC:I:0", "pm:PERP_ETH_USDC:I:0",
    "pm:PERP_ETH_USDC:I:1000000", "mn:Positions", "mn:", "nt:reminders:2", "nt:reminders",
    "nq:1", "pk:eth:I:25",
])  # fmt: skip
def test_malformed_new_forms_are_refused(data: str) -> None:
    assert kb.parse_callback(data) is None


def test_the_longest_amount_button_fits_in_64_bytes() -> None:
    longest = "A" * 48
    data = kb.CallbackData(kb.POS_CLOSE_PCT, symbol=longest, mode=MarginMode.ISOLATED,
                           amount=100).data  # fmt: skip
    assert len(data.encode()) <= kb.MAX_CALLBACK_BYTES


def test_notify_toggles_carry_the_state_they_set() -> None:
    markup = kb.notify_toggles([("fills", "Fills", True), ("daily", "Daily", False)], quiet=True)
    assert _labels_and_data(markup) == [("Fills: on", "nt:fills:0"), ("Daily: off", "nt:daily:1"),
                                        ("Quiet hours off", "nq:0")]


def test_menu_keyboard_and_the_way_back() -> None:
    from bot.handlers.menus import keyboards as menu

    items = [menu.MENU_ITEMS[0], menu.MENU_ITEMS[1], menu.MENU_ITEMS[2]]
    markup = menu.menu_keyboard(items)
    assert _labels_and_data(markup) == [("Positions", "mn:positions"), ("Balance", "mn:balance"),
                                        ("Orders", "mn:orders")]
    assert [len(r) for r in markup.inline_keyboard] == [2, 1]
    back = menu.with_back(kb.confirm("tok_1234567"))
    assert _labels_and_data(back)[-1] == ("« Menu", "mn:menu")
    assert menu.has_back(back) and not menu.has_back(markup) and not menu.has_back(None)
    assert [i.key for i in menu.available(lambda cmd: cmd != "/risk")][:4] == [
        "positions", "balance", "orders", "alerts"]
    assert "risk" not in [i.key for i in menu.available(lambda cmd: cmd != "/risk")]
