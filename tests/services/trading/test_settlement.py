"""The pure parts of settlement: a request's lifetime, and how actions and outcomes are named."""

from __future__ import annotations

from bot.services.trading.reporting import recorded_outcome
from bot.services.trading.settlement import describe, lands_by
from bot.timing import Timings
from storage.approvals import Approval

T0 = 1_700_000_000.0
MARGIN_ACTION = {"kind": "margin", "symbol": "PERP_ETH_USDC", "expect_qty": "1",
                 "expect_margin": "250", "action": "ADD", "amount": "50", "source": "command"}
ORDER_ACTION = {"kind": "order", "symbol": "PERP_ETH_USDC", "side": "SELL",
                "order_type": "LIMIT", "quantity": "0.5", "price": "2600",
                "margin_mode": "ISOLATED", "reduce_only": True, "expect_qty": "1"}


def approval(action: dict[str, object], **kw: object) -> Approval:
    fields: dict[str, object] = {
        "token": "t", "kind": str(action["kind"]), "chat_id": 1, "user_id": 1,
        "action": action, "state": "unknown", "created_at": T0, "expires_at": T0 + 120,
        "claimed_at": T0 + 1, "intent": action, "intent_at": T0 + 2}
    fields.update(kw)
    return Approval(**fields)  # type: ignore[arg-type]


def test_a_request_can_land_for_the_timestamp_window_plus_the_client_timeout() -> None:
    timings = Timings(http_timeout=10.0, max_clock_skew_ms=300_000)
    assert timings.request_lifetime == 310.0
    recorded = approval(MARGIN_ACTION, lands_by=T0 + 999.0)
    assert lands_by(recorded, timings) == T0 + 999.0  # what the press wrote before sending
    legacy = approval(MARGIN_ACTION)  # a row from before lifetimes were recorded
    assert lands_by(legacy, timings) == T0 + 2 + 310.0  # from its intent, never sooner


def test_actions_are_named_as_the_trader_asked_for_them() -> None:
    assert describe(approval(MARGIN_ACTION)) == "the margin add of 50 USDC to ETH isolated"
    reduce = {**MARGIN_ACTION, "action": "REDUCE", "amount": "20.5"}
    assert describe(approval(reduce)) == "the margin reduce of 20.5 USDC from ETH isolated"
    assert describe(approval(ORDER_ACTION)) == (
        "the order SELL 0.5 ETH at 2600 (isolated, reduce-only)")


def test_a_recorded_outcome_is_retold_from_what_the_row_says() -> None:
    done = approval(ORDER_ACTION, state="done", detail={"order_id": 42})
    assert recorded_outcome(done).endswith("(isolated, reduce-only) was placed (id 42)")
    refused = approval(MARGIN_ACTION, state="failed", detail={"rejected": "-1101: no margin"})
    assert recorded_outcome(refused) == (
        "the exchange refused the margin add of 50 USDC to ETH isolated: -1101: no margin")
    settled = approval(MARGIN_ACTION, state="done", detail={"settled": "it applied"})
    assert recorded_outcome(settled) == "it applied"
