from decimal import Decimal as D

import pytest

from bot.domain.models import (
    AccountSummary,
    Holding,
    LeverageSetting,
    MarginAction,
    MarginMode,
    Order,
    OrderType,
    Side,
)
from bot.domain.views import BalanceView, BatchLeverageResult, LeveragePair, StatusView
from bot.errors import (
    AuthFailed,
    ExchangeRejected,
    ExchangeUnavailable,
    OutcomeUnknown,
    RateLimited,
    UserInputError,
)
from bot.handlers import render
from bot.handlers.parsing import USAGE
from bot.services.trading.modes import DefaultMode
from storage.audit import AuditEntry
from tests.handlers.render_samples import (
    DOGE,
    ETH,
    assert_phone_width,
    eth_position,
    market,
    pre_lines,
    rendered,
    view_of,
)

EVIL = "PERP_<B&D>_USDC"


def _order(order_id=7, symbol="PERP_ETH_USDC", price=D("2400.5"), qty=D("0.5"), **kw) -> Order:
    fields = dict(order_id=order_id, symbol=symbol, side=Side.BUY, order_type=OrderType.LIMIT,
                  price=price, quantity=qty, executed_quantity=D(0), status="NEW",
                  margin_mode=MarginMode.ISOLATED)
    fields.update(kw)
    return Order(**fields)


def test_welcome_shows_mode_account_and_id():
    text = rendered(render.welcome("paper", "0xabc", 42, True))
    assert "Mode: PAPER" in text and "0xabc" in text and "42" in text and "allowed" in text
    main = render.welcome("mainnet", None, 42, False)
    assert "<b>MAINNET</b>" in main and "REAL MONEY" in rendered(main)
    assert "not allowed" in rendered(main) and "/help" in main


def test_stranger_reply_is_exactly_the_refusal():
    assert rendered(render.stranger(123)) == (
        "Margin Desk is private. Your Telegram user id is 123. "
        "Ask the owner to add it to BOT_ALLOWED_USER_IDS."
    )
    assert "<code>123</code>" in render.stranger(123)
    toast = render.stranger_toast(123)
    assert "<" not in toast and "123" in toast and len(toast) <= 200


def test_help_lists_every_command_with_an_example():
    text = rendered(render.help_all(USAGE))
    for name in USAGE:
        assert f"/{name}" in text
    assert "e.g. /buy ETH" in text
    assert rendered(render.help_one("buy", USAGE)).startswith("/buy SYMBOL QTY")
    unknown = render.help_one("<nope>", USAGE)
    assert "&lt;nope&gt;" in unknown and "/positions" in rendered(unknown)


def test_positions_table_shows_every_figure_at_phone_width():
    text = render.positions([view_of(eth_position()),
                             view_of(eth_position(margin_mode=MarginMode.CROSS, margin=D(0),
                                                  position_qty=D("-2.5"), est_liq_price=None))])
    shown = rendered(text)
    assert "ETH isolated · LONG 1.0000 · 10x" in shown
    assert "ETH cross · SHORT 2.5000 · 10x" in shown
    for figure in ("2,500.00", "2,450.00", "2,262.58", "7.65 %", "251.50", "−50.50"):
        assert figure in shown
    assert_phone_width(text)
    assert render.positions([]) == "No open positions."


def test_position_has_every_field_of_the_isolated_guide():
    text = render.position(view_of(eth_position()))
    shown = rendered(text)
    for label, figure in [("margin_mode", "ISOLATED"), ("position_qty", "LONG 1.0000"),
                          ("leverage", "10x"), ("margin", "251.50"),
                          ("est_liq_price", "2,262.58"), ("distance to liq", "7.65 %"),
                          ("unsettled_pnl", "−50.50"), ("imr", "10.00 %"), ("mmr", "0.60 %"),
                          ("entry", "2,500.00"), ("mark", "2,450.00")]:
        line = next(row for row in pre_lines(text) if row.startswith(label + " "))
        assert line.endswith(figure), line
    assert "PERP_ETH_USDC" in shown
    assert_phone_width(text)
    assert render.position_missing("PERP_ETH_USDC", MarginMode.ISOLATED) == \
        "No isolated ETH position."


def test_prices_follow_each_markets_tick():
    doge = eth_position(symbol="PERP_DOGE_USDC", average_open_price=D("0.123456"),
                        mark_price=D("0.12"), est_liq_price=D("0.1012345678"))
    shown = rendered(render.position(view_of(doge, DOGE)))
    assert "0.12346" in shown and "0.12000" in shown and "0.10123" in shown


def test_balance_lists_isolated_figures():
    holding = Holding("USDC", D("10000"), D("12.5"), D(0), D("251.5"), D("125.754"))
    view = BalanceView(holding, AccountSummary(D("9610.75"), D("9949.5")))
    text = render.balance(view)
    lines = pre_lines(text)
    assert lines == [
        "holding                10,000.00",
        "frozen                     12.50",
        "free collateral         9,610.75",
        "isolated margin           251.50",
        "isolated order frozen     125.75",  # to the cent, like every USDC figure
        "total collateral        9,949.50",
    ]


def test_leverage_replies():
    assert rendered(render.leverage_pair(LeveragePair("PERP_ETH_USDC", 5, 10, 50))) == \
        "ETH leverage: isolated 10x · cross 5x (max 50x)"
    assert rendered(render.leverage_set(
        LeverageSetting("PERP_ETH_USDC", MarginMode.ISOLATED, 20))) == \
        "✅ ETH isolated leverage is now 20x."
    result = BatchLeverageResult(
        MarginMode.ISOLATED, 20,
        changed=(LeverageSetting("PERP_BTC_USDC", MarginMode.ISOLATED, 20),
                 LeverageSetting("PERP_DOGE_USDC", MarginMode.ISOLATED, 10)),
        skipped=(("PERP_ETH_USDC", "open isolated position"),
                 ("PERP_SOL_USDC", "pending isolated order"), ("PERP_ARB_USDC", "already 20x"),
                 (EVIL, "a <weird> & reason")),
    )
    text = render.leverage_batch(result)
    shown = rendered(text)
    assert "• 20x: BTC" in shown and "• 10x (their maximum): DOGE" in shown
    assert "• open isolated position: ETH" in shown
    assert "• pending isolated order: SOL" in shown and "• already 20x: ARB" in shown
    assert "a <weird> & reason: PERP_<B&D>_USDC" in shown
    assert "Nothing changed." in rendered(render.leverage_batch(
        BatchLeverageResult(MarginMode.CROSS, 5, (), ())))
    assert rendered(render.mode_set(DefaultMode("PERP_ETH_USDC", MarginMode.CROSS, True))) \
        .startswith("✅ ETH now defaults to cross margin in this chat")
    shown = rendered(render.mode_show(DefaultMode("PERP_ETH_USDC", MarginMode.ISOLATED, False)))
    assert shown.startswith("ETH default margin mode: isolated (the desk's default")
    assert "/mode ETH cross" in shown
    pair = render.leverage_pair(LeveragePair("PERP_ETH_USDC", 5, 10, 50), MarginMode.CROSS)
    assert rendered(pair).endswith("Default mode: cross (/mode ETH)")


def test_orders_one_line_each_at_market_precision():
    orders = [
        _order(),
        _order(8, "PERP_DOGE_USDC", D("0.12345"), D(1500), side=Side.SELL,
               executed_quantity=D(500), status="PARTIAL_FILLED", margin_mode=MarginMode.CROSS),
        _order(9, price=None, order_type=OrderType.MARKET, reduce_only=True),
    ]
    text = render.orders(orders, {"PERP_ETH_USDC": ETH, "PERP_DOGE_USDC": DOGE})
    lines = rendered(text).split("\n")
    assert lines[1:] == [
        "#7 ETH BUY 0.5000 @ 2,400.50 · isolated · NEW",
        "#8 DOGE SELL 500/1,500 @ 0.12345 · cross · PARTIAL_FILLED",
        "#9 ETH BUY 0.5000 market · isolated · reduce-only · NEW",
    ]
    assert render.orders([], {}) == "No open orders."


def test_cancel_replies():
    assert rendered(render.cancel_done(_order(), ETH)) == \
        "✅ Cancelled #7 ETH BUY 0.5000 @ 2,400.50 · isolated"
    assert rendered(render.cancel_done(_order())) == \
        "✅ Cancelled #7 ETH BUY 0.5 @ 2,400.50 · isolated"
    assert render.cancel_all_done(3, None) == "✅ Cancelled 3 open orders across all symbols."
    assert render.cancel_all_done(1, "eth") == "✅ Cancelled 1 open ETH order."
    assert render.cancel_all_done(0, "PERP_ETH_USDC") == "No open ETH orders to cancel."


def test_status_reports_every_health_figure():
    view = StatusView("PAPER", "0xabc", True, "normal", -120, 0.84, 3, "0.1.0")
    shown = rendered(render.status(view))
    for part in ("PAPER", "reachable (normal)", "0xabc", "-120 ms", "0.8 s ago",
                 "Positions watched: 3", "0.1.0"):
        assert part in shown
    down = StatusView("MAINNET", None, False, "connect <timeout>", None, None, 0, "0.1.0")
    shown = rendered(render.status(down))
    assert "not reachable (connect <timeout>)" in shown and "no mark price yet" in shown


def test_user_error_gives_reason_and_usage():
    text = render.user_error(UserInputError("unknown symbol <XYZ>", USAGE["buy"]))
    assert rendered(text) == (
        "⚠️ Unknown symbol <XYZ>\nUsage: /buy SYMBOL QTY [PRICE] [cross|isolated]"
        " — e.g. /buy ETH 0.1 2500"
    )
    assert "<code>/buy SYMBOL" in text
    assert rendered(render.user_error(UserInputError("missing arguments"))) == \
        "⚠️ Missing arguments"


def test_exchange_errors_in_plain_language():
    assert rendered(render.exchange_error(ExchangeRejected(-1101, "risk too high"))) == \
        "❌ The exchange refused: -1101: not enough margin after this change (risk too high)"
    odd = rendered(render.exchange_error(ExchangeRejected(-9999, "bad <thing> & more")))
    assert odd == "❌ The exchange refused: -9999: bad <thing> & more"
    assert "ORDERLY_KEY" in render.exchange_error(AuthFailed(-1002, "expired"))
    assert "try again in 3 s" in render.exchange_error(RateLimited(2.6))


@pytest.mark.parametrize(
    "exc",
    [ExchangeUnavailable("GET https://api/x?orderly-key=ed25519:SECRETSECRET failed"),
     OutcomeUnknown("POST", "/v1/order", "orderly-signature: SECRETSECRET")],
)
def test_unavailable_never_leaks_details(exc):
    for text in (render.unavailable(exc), render.exchange_error(exc)):
        assert text == "The exchange did not answer; nothing was sent again. Try /status."


def test_every_interpolated_string_is_escaped():
    evil_market = market(EVIL, "0.01", "0.01")
    position = eth_position(symbol=EVIL)
    texts = [
        render.positions([view_of(position, evil_market)]),
        render.position(view_of(position, evil_market)),
        render.position_missing(EVIL, MarginMode.ISOLATED),
        render.orders([_order(symbol=EVIL, status="<NEW>")], {}),
        render.cancel_done(_order(symbol=EVIL)),
        render.cancel_all_done(2, EVIL),
        render.leverage_pair(LeveragePair(EVIL, 1, 2, 3)),
        render.leverage_set(LeverageSetting(EVIL, MarginMode.CROSS, 3)),
        render.mode_set(DefaultMode(EVIL, MarginMode.ISOLATED, True)),
        render.mode_show(DefaultMode(EVIL, MarginMode.CROSS, True)),
        render.position_missing(EVIL, MarginMode.ISOLATED, MarginMode.CROSS),
        render.margin_hint(view_of(position, evil_market), MarginAction.ADD, D(5)),
        render.welcome("<paper>", "<acct&>", 1, True),
        render.status(StatusView("<x>", "<y>", False, "<z&>", None, None, 0, "<v>")),
        render.help_one("a&b<c>", {"x&": "/x& <y> — e.g. <z>"}),
        render.help_all({"x&": "/x& <y> — e.g. <z>"}),
        render.history([AuditEntry(1, 1, 1, "<cmd>", {"symbol": EVIL}, "<o>", "<d&>", 0.0)]),
    ]
    for text in texts:
        shown = rendered(text)  # raises if Telegram would refuse the HTML
        assert "<" in shown  # the escaped text is shown as typed


def test_margin_hint_says_what_to_type():
    shown = rendered(render.margin_hint(view_of(eth_position()), MarginAction.REDUCE,
                                        D("30.129")))
    assert "/margin reduce ETH AMOUNT" in shown and "At most 30.12 USDC" in shown
    assert "2,262.58 (7.65 % away)" in shown
