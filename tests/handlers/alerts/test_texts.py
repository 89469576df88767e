"""Alert messages and the /alert, /limits, /snooze replies: the figures a trader checks."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.domain.alert_policy import DecisionKind, Level
from bot.domain.margin import distance_to_liq
from bot.domain.outcome import Outcome
from bot.domain.records import SymbolOverride
from bot.domain.records import ThresholdPercents as Thresholds
from bot.domain.topup import suggest_topup
from bot.domain.views import MarginResult
from bot.handlers.alerts import alert_text as ra
from bot.handlers.alerts import settings_text as rs
from bot.handlers.alerts.keyboards import AlertButtons, alert_keyboard, symbols_on
from bot.handlers.trading import cards
from bot.services.monitor.alert_views import (
    AlertOverview,
    LimitsView,
    SnoozeResult,
    ThresholdChange,
    TopupOffer,
    WatchedPosition,
)
from bot.services.trading.approvals import PressOutcome
from storage.approvals import Approval
from tests.handlers.render_samples import (
    BTC,
    ETH,
    assert_phone_width,
    eth_position,
    pre_lines,
    rendered,
    view_of,
)

LIQ = D("2262.575452716297786720321932")  # orderly-api.md §6 example A at mark 2450
NOON = 1_700_049_600.0  # 2023-11-15 12:00:00 UTC


def suggestion(mark: str = "2450", **caps: D):
    return suggest_topup(ETH, eth_position(), D(mark), D("0.5"), D("0.05"), D(10_000),
                         caps.get("per_action"), caps.get("per_day"))


def card(kind: DecisionKind | str = DecisionKind.ALERT, level: Level = Level.WARNING,
         mark: str = "2450", **changes: object) -> ra.AlertCard:
    fields: dict[str, object] = dict(
        kind=kind.value if isinstance(kind, DecisionKind) else kind, level=level,
        symbol="PERP_ETH_USDC", position=eth_position(), market=ETH, mark=D(mark), liq=LIQ,
        distance=distance_to_liq(D(mark), LIQ), warning=D("0.08"), critical=D("0.04"),
        suggestion=suggestion(mark),
    )
    fields.update(changes)
    return ra.AlertCard(**fields)  # type: ignore[arg-type]


def row(text: str, label: str) -> str:
    line = next(ln for ln in pre_lines(text) if ln.startswith(label + " "))
    return line[len(label):].strip()


def test_warning_alert_shows_the_numbers_and_the_section6_topup() -> None:
    text = ra.alert_message([card()], add_ttl=120)
    shown = rendered(text)
    assert shown.startswith("⚠️ WARNING — ETH isolated long is 7.65 % from liquidation")
    assert row(text, "position") == "LONG 1.0000"
    assert row(text, "mark") == "2,450.00"
    assert row(text, "liq price") == "2,262.58"
    assert row(text, "distance") == "7.65 %"
    assert row(text, "margin") == "251.50 USDC"
    assert row(text, "unsettled") == "−50.50 USDC"
    assert row(text, "leverage") == "10x"
    assert row(text, "alerts at") == "8 % / 4 %"
    # 2 × the 5 % warning = 10 %: liq 2205 = 2450 × 0.9, margin 308.73 − 251.50
    assert "➕ Add 57.23 USDC → liq 2,205.00, 10.00 % away" in shown
    assert shown.endswith("Valid 120 s.")
    assert_phone_width(text)


def test_unsettled_pnl_follows_the_alert_mark() -> None:
    text = ra.alert_message([card(mark="2400", suggestion=None)])
    assert row(text, "unsettled") == "−100.50 USDC"  # −50.50 at 2450, 1 ETH × −50 more
    assert "Valid" not in rendered(text)


def test_capped_topup_says_which_cap_and_what_the_target_needs() -> None:
    s = suggestion("2350", per_action=D(100))
    shown = rendered(ra.alert_message([card(DecisionKind.ALERT, Level.CRITICAL, "2350",
                                            suggestion=s)]))
    assert shown.startswith("🚨 CRITICAL — ETH isolated long is 3.72 % from liquidation")
    assert ("➕ Capped by your per-action limit: Add 100.00 USDC → liq 2,161.97, 8.00 % away "
            "(10 % needs 146.69 USDC)") in shown


@pytest.mark.parametrize(("caps", "max_add", "expected"), [
    ({"per_day": D("0.5")}, None, "No top-up offered: your per-day limit has 0.50 USDC left"),
    ({}, D("0.4"), "No top-up offered: the account can add only 0.40 USDC now"),
])
def test_no_offer_explains_why(caps: dict[str, D], max_add: D | None, expected: str) -> None:
    s = suggest_topup(ETH, eth_position(), D(2350), D("0.5"), D("0.05"), max_add or D(10_000),
                      caps.get("per_action"), caps.get("per_day"))
    assert expected in rendered(ra.alert_message([card(mark="2350", suggestion=s)]))


def test_no_line_when_no_topup_is_needed() -> None:
    s = suggest_topup(ETH, eth_position(), D(2450), D("0.5"), D("0.03"), D(10_000))
    assert "➕" not in rendered(ra.alert_message([card(suggestion=s)]))


@pytest.mark.parametrize(("kind", "level", "headline"), [
    (DecisionKind.REMINDER, Level.CRITICAL, "🔁 Still CRITICAL — ETH isolated long is 7.65 %"),
    (DecisionKind.RECOVERED, Level.NONE, "✅ ETH isolated long is back to 7.65 % from liquidation"),
    (DecisionKind.RECOVERED, Level.WARNING, "back to 7.65 % from liquidation: out of the critical "
                                            "zone (4 %), still inside the warning zone (8 %)"),
    (DecisionKind.DEEPENED, Level.CRITICAL, "🚨 CRITICAL, closer — ETH isolated long is 7.65 % "
                                            "from liquidation, was 20.00 %"),
    (DecisionKind.LIQUIDATED, Level.CRITICAL, "❌ LIQUIDATED — ETH isolated long was taken over"),
    (DecisionKind.CLOSED, Level.NONE, "⏹ ETH isolated long is closed"),
])
def test_headlines(kind: DecisionKind, level: Level, headline: str) -> None:
    shown = rendered(ra.alert_message([card(kind, level, suggestion=None, previous=D("0.2"))]))
    assert headline in shown.split("\n")[0]
    ended = kind in (DecisionKind.LIQUIDATED, DecisionKind.CLOSED)
    assert ("liq price" in shown) is not ended


def test_an_alert_about_a_new_position_says_it_opened_there() -> None:
    shown = rendered(ra.alert_message([card(level=Level.CRITICAL, opened=True)]))
    assert shown.startswith("🚨 CRITICAL — ETH isolated long opened 7.65 % from liquidation")
    assert "➕ Add " in shown


def test_a_liquidation_gives_its_price_the_margin_lost_and_the_realized_pnl() -> None:
    outcome = Outcome(D("2262.58"), D("-237.42"), D(0), D("251.5"))
    shown = ra.alert_message([card(DecisionKind.LIQUIDATED, Level.CRITICAL, suggestion=None,
                                   outcome=outcome)])
    assert row(shown, "liq price") == "2,262.58"
    assert row(shown, "margin lost") == "251.50 USDC"
    assert row(shown, "realized PnL") == "−237.42 USDC"
    assert "fees" not in shown and "mark" not in shown


def test_a_close_gives_its_price_fees_and_says_when_it_is_an_estimate() -> None:
    outcome = Outcome(D("2400.5"), D("-99.5"), D("1.44"), D("99.5"))
    shown = ra.alert_message([card(DecisionKind.CLOSED, Level.NONE, suggestion=None,
                                   outcome=outcome)])
    assert row(shown, "close price") == "2,400.50" and row(shown, "fees") == "1.44 USDC"
    assert row(shown, "realized PnL") == "−99.50 USDC" and "Estimated" not in shown
    guess = Outcome(D(2450), D(-50), D(0), D(50), estimated=True)
    shown = ra.alert_message([card(DecisionKind.CLOSED, Level.NONE, suggestion=None,
                                   outcome=guess)])
    assert row(shown, "close price") == "≈ 2,450.00" and "Estimated at the last mark" in shown


@pytest.mark.parametrize(("level", "left", "mark", "says"), [
    # warning 8 %, critical 4 %; the liq price is 2,262.58
    (Level.NONE, Level.WARNING, "2500", "is back to 9.50 % from liquidation: out of the warning "
                                        "zone (8 %)"),
    (Level.NONE, Level.CRITICAL, "2500", "is back to 9.50 % from liquidation: out of the "
                                         "critical (4 %) and warning (8 %) zones"),
    (Level.WARNING, Level.CRITICAL, "2400", "is back to 5.73 % from liquidation: out of the "
                                            "critical zone (4 %), still inside the warning zone "
                                            "(8 %)"),
    (Level.WARNING, Level.CRITICAL, "2480", "is back to 8.77 % from liquidation: out of the "
                                            "critical zone (4 %), and above the warning level "
                                            "(8 %) too"),
    (Level.WARNING, Level.NONE, "2400", "out of the critical zone (4 %), still inside the warning"),
    (Level.WARNING, Level.CRITICAL, "2330", "is back to 2.89 % from liquidation: out of the "
                                            "critical zone (4 %), but inside the critical zone "
                                            "(4 %) again"),
])
def test_a_recovery_says_the_level_it_left_and_agrees_with_its_distance(
    level: Level, left: Level, mark: str, says: str,
) -> None:
    shown = rendered(ra.alert_message([card(DecisionKind.RECOVERED, level, mark, left=left,
                                            suggestion=None)]))
    assert says in shown.split("\n")[0]


def test_short_position_and_unknown_market() -> None:
    short = eth_position(position_qty=D(-2), cost_position=D(-5000), margin=D(500))
    shown = rendered(ra.alert_message([card(position=short, market=None, suggestion=None)]))
    assert "ETH isolated short" in shown and "SHORT 2" in shown


def test_grouped_batch_is_one_message_with_buttons_per_position() -> None:
    btc = card(symbol="PERP_BTC_USDC", market=BTC, suggestion=None,
               position=eth_position(symbol="PERP_BTC_USDC"))
    text = ra.alert_message([card(), btc], add_ttl=120)
    shown = rendered(text)
    assert shown.count("WARNING —") == 2 and "BTC isolated long" in shown
    assert shown.endswith("Valid 120 s.") and shown.count("Valid") == 1
    keyboard = alert_keyboard([AlertButtons("PERP_ETH_USDC", "tok_abcdefgh1234", D("57.23")),
                               AlertButtons("PERP_BTC_USDC")])
    assert keyboard is not None
    labels = [b.text for r in keyboard.inline_keyboard for b in r]
    assert labels == ["Add 57.23 USDC · ETH", "Snooze 1h · ETH", "Refresh · ETH",
                      "Snooze 1h · BTC", "Refresh · BTC"]
    assert symbols_on(keyboard) == {"PERP_ETH_USDC", "PERP_BTC_USDC"}


def test_single_position_keyboard_is_add_snooze_refresh() -> None:
    keyboard = alert_keyboard([AlertButtons("PERP_ETH_USDC", "tok_abcdefgh1234", D("261.00"))])
    assert keyboard is not None
    data = [(b.text, b.callback_data) for r in keyboard.inline_keyboard for b in r]
    assert data == [("Add 261 USDC", "a:tok_abcdefgh1234"),
                    ("Snooze 1h", "sz:PERP_ETH_USDC:3600"), ("Refresh", "ar:PERP_ETH_USDC")]
    assert alert_keyboard([]) is None


def test_topup_outcome_edits_the_alert_with_the_new_liq_price() -> None:
    alert = ra.alert_message([card()], add_ttl=120)
    approval = Approval("tok_abcdefgh1234", "topup", 1, 1,
                        {"action": "ADD", "amount": "57.23", "symbol": "PERP_ETH_USDC"},
                        "done", 0.0, 120.0)
    after = eth_position(margin=D("308.73"), est_liq_price=D(2205))
    outcome = PressOutcome(approval, margin=MarginResult(True, after, D(2205), D("0.1")))
    shown = rendered(cards.outcome_text(outcome, alert))
    assert "Valid" not in shown
    assert shown.endswith("✅ Added 57.23 USDC. Liq price now 2,205.00 (10.00 % away).")


def test_snooze_note_replaces_the_previous_one_above_the_expiry() -> None:
    alert = ra.alert_message([card()], add_ttl=120)
    once = ra.with_snooze(alert, "PERP_ETH_USDC", NOON)
    twice = ra.with_snooze(once, "PERP_ETH_USDC", NOON + 3600)
    shown = rendered(twice)
    assert shown.count("😴") == 1 and "😴 ETH snoozed until 13:00 UTC" in shown
    assert shown.endswith("Valid 120 s.")


def test_everything_interpolated_is_escaped() -> None:
    text = ra.alert_message([card(note="<b>boom</b> & co", symbol="PERP_A<B_USDC")])
    shown = rendered(text)
    assert "<b>boom</b> & co" in shown and "A<B_USDC isolated long" in shown


def test_degraded_notices() -> None:
    assert "no fresh mark price for 17 s" in rendered(ra.degraded_notice(True, 17.4))
    assert "no mark price has arrived yet" in rendered(ra.degraded_notice(True, None))
    assert rendered(ra.degraded_notice(False, None)).startswith("✅ Monitoring is back")


def test_live_card_after_refresh() -> None:
    offer = TopupOffer(view_of(eth_position()), D(2450), Thresholds(D(5), D("2.5")),
                       suggestion())
    shown = rendered(ra.alert_message([ra.live_card(offer, NOON)]))
    assert shown.startswith("🔄 ETH isolated long: 7.65 % from liquidation (outside the alert "
                            "zones) · 12:00 UTC")
    assert "➕ Add 57.23 USDC → liq 2,205.00, 10.00 % away" in shown


# ---- settings replies ---------------------------------------------------------------------
def test_overview_table() -> None:
    near = eth_position(symbol="PERP_BTC_USDC", est_liq_price=D(2400))
    watched = (WatchedPosition(view_of(eth_position()), Thresholds(D(8), D(4)), NOON + 3600),
               WatchedPosition(view_of(near, BTC), Thresholds(D(5), D("2.5")), None))
    o = AlertOverview(Thresholds(D(5), D("2.5")),
                      (SymbolOverride("PERP_ETH_USDC", D(8), D(4), True),
                       SymbolOverride("PERP_SOL_USDC", None, None, False)),
                      watched, LimitsView(D(200), None, D(0), None), NOON)
    text = rs.overview(o)
    shown = rendered(text)
    assert "Default: warning 5 % · critical 2.5 %" in shown
    assert "Per symbol: ETH 8/4 % · SOL off" in shown
    lines = pre_lines(text)
    assert lines[1].split() == ["ETH", "LONG", "7.65", "%", "8/4", "WARNING"]
    assert lines[2].split() == ["BTC", "LONG", "2.04", "%", "5/2.5", "CRITICAL"]
    assert "😴 ETH snoozed until 13:00 UTC" in shown
    assert "Top-up caps: per action 200.00 USDC · per day off" in shown
    assert_phone_width(text)


def test_overview_without_positions() -> None:
    o = AlertOverview(Thresholds(D(5), D("2.5")), (), (), LimitsView(None, None, D(0), None), 0)
    assert "No isolated position is open" in rendered(rs.overview(o))


def test_settings_confirmations() -> None:
    t = Thresholds(D(8), D(4), source="symbol")
    assert rendered(rs.thresholds_set(ThresholdChange("PERP_ETH_USDC", t))) == \
        "✅ Alerts for ETH: warning at 8 % and critical at 4 % from liquidation."
    kept = rendered(rs.thresholds_set(ThresholdChange(None, Thresholds(D(6), D("2.5")), False)))
    assert kept.startswith("✅ Alerts by default") and "critical at 2.5 %" in kept
    off = ThresholdChange("PERP_ETH_USDC", Thresholds(D(5), D("2.5"), enabled=False))
    assert rendered(rs.toggled(off)) == "🔕 Alerts for ETH are off. /alert ETH on resumes them."
    assert "snoozed until 13:00 UTC" in rendered(
        rs.snoozed(SnoozeResult("PERP_ETH_USDC", NOON + 3600, 3600)))
    assert "cleared" in rendered(rs.snoozed(SnoozeResult("PERP_ETH_USDC", None, None)))


def test_limits_reply() -> None:
    shown = rendered(rs.limits(LimitsView(D(200), D(1000), D("57.23"), D("942.77")), True))
    assert shown.startswith("✅ Top-up caps set.")
    assert "Per action: 200.00 USDC" in shown
    assert "Per day: 1,000.00 USDC (57.23 used in the last 24 h, 942.77 left)" in shown
    assert "Per action: off" in rendered(rs.limits(LimitsView(None, None, D(0), None)))
