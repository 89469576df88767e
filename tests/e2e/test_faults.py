"""Faults: Telegram flood limits, lost exchange answers, crashes mid-action, exchange refusals,
and bad input that must never reach the exchange."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.models import MarginAction, MarginMode
from bot.domain.order_limits import OrderCapacity
from storage.approvals import ApprovalStore
from tests.e2e.harness import ALICE, ETH, Desk, token_of

# AIORateLimiter reads RetryAfter.retry_after, which PTB 22.2+ flags as deprecated.
pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

ORDER = ("POST", "/v1/order")
MARGIN = ("POST", "/v1/position_margin")
SETTLED = "ℹ️ An earlier action whose outcome was unknown has been checked: "
CHECKING = "⏳ After a restart, "


async def test_a_429_during_a_reply_is_retried_after_retry_after(desk: Desk) -> None:
    desk.emulator.fail_next("sendMessage", 429, retry_after=1)
    reply = await desk.say("/positions")
    assert reply.text == "No open positions."
    refused, delivered = desk.emulator.calls_of("sendMessage")[-2:]
    assert (refused.status, delivered.status) == (429, 200)
    assert delivered.at - refused.at >= 1.0


async def test_margin_answer_lost_but_applied_is_learned_by_reading_back(desk: Desk) -> None:
    await desk.open_position()
    before = desk.margin()
    card = await desk.say("/margin add eth 100")
    desk.exchange.lose_answer[MARGIN] = 1
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert "✅ Added 100 USDC." in done.message.text
    assert "Confirmed by reading the position back" in done.message.text
    assert desk.exchange.count(*MARGIN) == 1
    assert desk.margin() == before + 100  # applied exactly once
    assert desk.approvals()[-1]["state"] == "done"


async def test_margin_request_lost_is_unknown_then_settled_not_applied_never_resent(
    desk: Desk,
) -> None:
    await desk.open_position()
    before = desk.margin()
    card = await desk.say("/margin add eth 100")
    desk.exchange.lose_request[MARGIN] = 1
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    # Unchanged *so far* is not "not applied": a transfer with no answer may still land.
    assert "⏳ No answer from the exchange" in done.message.text
    assert desk.approvals()[-1]["state"] == "unknown"
    runtime = desk.runtime
    assert runtime is not None
    approvals, timings = runtime.services.approvals, runtime.services.timings
    assert await approvals.settle_unsettled(at_startup=False) == []  # too early
    desk.clock.advance(timings.request_lifetime - 1)  # its signed timestamp is still valid
    assert await approvals.settle_unsettled(at_startup=False) == []  # it could still land
    desk.clock.advance(2)  # now the exchange would refuse it as expired
    settled = await approvals.settle_unsettled(at_startup=False)
    assert [text for _, text in settled] == [
        "the margin add of 100 USDC to ETH isolated did not apply: margin still 250.00 USDC; "
        "nothing was resent"]  # fmt: skip
    await desk.barrier()
    assert desk.exchange.count(*MARGIN) == 1  # the lost attempt only: nothing resent
    assert desk.margin() == before
    assert desk.approvals()[-1]["state"] == "failed"


async def test_order_answer_lost_is_found_by_client_order_id_not_resent(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    desk.exchange.lose_answer[ORDER] = 1
    done = await desk.press(card, "Confirm")
    assert done.message is not None and desk.filled() in done.message.text
    assert desk.exchange.count(*ORDER) == 1
    assert desk.exchange.count("GET", f"/v1/client/order/{_cid(desk)}") == 1
    assert desk.position(ETH) is not None


def _cid(desk: Desk) -> str:
    from bot.services.trading.actions import client_order_id

    return client_order_id(desk.approvals()[-1]["token"])


async def test_a_too_old_button_query_still_runs_the_action_once(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    desk.emulator.fail_next("answerCallbackQuery", 400, description=(
        "query is too old and response timeout expired or query ID is invalid"))  # fmt: skip
    since = desk.emulator.mark()
    desk.emulator.press(ALICE, ALICE, card.message_id, card.button("Confirm").callback_data or "")
    edited = await desk.emulator.wait_for_message(
        ALICE, lambda m: m.message_id == card.message_id, 8.0, since=since)
    assert desk.filled() in edited.text
    await desk.barrier()
    assert desk.exchange.count(*ORDER) == 1
    assert not any("went wrong" in m.text for m in desk.messages())


# ---- a crash between "intent recorded" and "outcome recorded" ----------------------------------

async def _crash_mid_transfer(desk: Desk, *, applied: bool, intent: bool = True) -> str:
    """Draw a margin card, then stop the bot as if it died after claiming it."""
    await desk.open_position()
    card = await desk.say("/margin add eth 100")
    token = token_of(card)
    await desk.stop()
    store, now = ApprovalStore(desk.db), desk.clock.time()
    claim = store.claim(token, ALICE, ALICE, now)
    assert claim.ok and claim.approval is not None
    if intent:
        store.mark_intent(token, claim.approval.action, now)
    if applied:  # the exchange got it; the answer died with the process
        desk.paper.engine.adjust_margin(desk.account_id, ETH, Decimal(100),
                                        MarginAction.ADD)  # fmt: skip
    return token


async def _restart_and_read_notice(desk: Desk, prefix: str) -> str:
    calls_before, since = len(desk.emulator.calls), desk.emulator.mark()
    await desk.start()
    notice = await desk.emulator.wait_for_message(
        ALICE, lambda m: m.text.startswith(prefix), 8.0, since=since)
    def polls() -> list[int]:
        return [i for i, c in enumerate(desk.emulator.calls)
                if i >= calls_before and c.method == "getUpdates"]

    first_poll = (await desk._wait(lambda: polls() or None))[0]  # the polling task may lag
    reads = [r for r in desk.exchange.requests if r.seq >= calls_before]
    assert reads and all(r.method == "GET" for r in reads)
    assert reads[0].seq <= first_poll  # settled before the first poll, so before any press
    return notice.text


async def test_restart_settles_an_applied_transfer_before_polling(desk: Desk) -> None:
    token = await _crash_mid_transfer(desk, applied=True)
    text = await _restart_and_read_notice(desk, SETTLED)
    assert text == SETTLED + ("the margin add of 100 USDC to ETH isolated applied: margin "
                              "250.00 → 350.00 USDC, est. liq now 2162.98.")  # fmt: skip
    assert desk.margin() == Decimal(350)
    assert desk.exchange.count(*MARGIN) == 0  # settled by reading, never resent
    row = ApprovalStore(desk.db).get(token)
    assert row is not None and row.state == "done"


async def test_restart_never_calls_a_transfer_failed_while_it_could_still_land(
    desk: Desk,
) -> None:
    token = await _crash_mid_transfer(desk, applied=False)  # in flight when the bot died
    text = await _restart_and_read_notice(desk, CHECKING)
    assert text == CHECKING + ("the margin add of 100 USDC to ETH isolated is being checked "
                               "with the exchange; it was not resent. The result will be "
                               "reported here within 6 min at the latest.")  # fmt: skip
    store = ApprovalStore(desk.db)
    row = store.get(token)
    assert row is not None and row.state == "unknown"
    runtime = desk.runtime
    assert runtime is not None
    desk.clock.advance(runtime.services.timings.request_lifetime + 1)
    [(_, settled)] = await runtime.services.approvals.settle_unsettled(at_startup=False)
    assert settled == ("the margin add of 100 USDC to ETH isolated did not apply: margin still "
                       "250.00 USDC; nothing was resent")  # fmt: skip
    assert desk.exchange.count(*MARGIN) == 0  # never resent
    row = store.get(token)
    assert row is not None and row.state == "failed"


async def test_restart_settles_a_press_interrupted_before_sending(desk: Desk) -> None:
    token = await _crash_mid_transfer(desk, applied=False, intent=False)
    since = desk.emulator.mark()
    await desk.start()
    notice = await desk.emulator.wait_for_message(
        ALICE, lambda m: m.text.startswith(SETTLED), 8.0, since=since)
    assert notice.text == SETTLED + "was interrupted before anything was sent; nothing changed."
    assert desk.margin() == Decimal(250)
    row = ApprovalStore(desk.db).get(token)
    assert row is not None and row.state == "failed"


async def test_a_result_recorded_but_never_shown_is_told_after_a_restart(desk: Desk) -> None:
    await desk.open_position()
    shown = await desk.say("/margin add eth 10")
    await desk.press(shown, "Confirm")  # shown on its card: never told again
    card = await desk.say("/margin add eth 100")
    token = token_of(card)
    await desk.stop()
    store, now = ApprovalStore(desk.db), desk.clock.time()
    claim = store.claim(token, ALICE, ALICE, now)
    assert claim.ok and claim.approval is not None
    store.mark_intent(token, claim.approval.action, now)
    desk.paper.engine.adjust_margin(desk.account_id, ETH, Decimal(100), MarginAction.ADD)
    store.finish(token, "done", {"applied": True}, now)  # recorded; then the crash
    since = desk.emulator.mark()
    await desk.start()
    told = await desk.emulator.wait_for_message(
        ALICE, lambda m: m.text.startswith("ℹ️ The bot restarted"), 8.0, since=since)
    assert told.text == ("ℹ️ The bot restarted before showing this result: the margin add of "
                         "100 USDC to ETH isolated applied.")  # fmt: skip
    assert desk.exchange.count(*MARGIN) == 1  # the shown one; nothing resent
    await desk.barrier()
    assert ApprovalStore(desk.db).list_unreported() == []  # told once, never again
    assert sum(m.text.startswith("ℹ️ The bot restarted") for m in desk.messages()) == 1


# ---- exchange refusals in plain language -------------------------------------------------------

async def test_an_order_the_exchange_refuses_is_refused_in_plain_words(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # bypass the bot's own up-front check (tests/e2e/test_order_limits.py): the exchange refuses
    monkeypatch.setattr(OrderCapacity, "check", lambda self, qty: None)
    card = await desk.say("/buy eth 100 isolated")  # 250,000 USDC at 10x on a 10,000 account
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert done.message.text.endswith(
        "❌ The exchange refused: -1101: not enough margin after this change (risk too high)")
    assert desk.position(ETH) is None
    assert desk.approvals()[-1]["state"] == "failed"


async def test_margin_reduce_beyond_the_allowed_maximum(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.open_position()
    reply = await desk.say("/margin reduce eth 500")
    assert reply.text == ("⚠️ At most 0.00 USDC can be taken from this position now "
                          "(you asked 500)")  # fmt: skip
    assert desk.exchange.writes[-1].path == "/v1/order"  # only the opening order was written

    async def no_limit(*_: object) -> Decimal:
        return Decimal(10_000)

    assert desk.runtime is not None  # bypass the bot's own check: the exchange must refuse
    monkeypatch.setattr(desk.runtime.services.margin, "max_allowed", no_limit)
    card = await desk.say("/margin reduce eth 500")
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert done.message.text.endswith(
        "❌ The exchange refused: -1101: not enough margin after this change (risk too high)")
    assert desk.exchange.count(*MARGIN) == 1
    assert desk.margin() == Decimal(250)


async def test_exchange_refusals_of_commands_are_plain_words(desk: Desk) -> None:
    assert (await desk.say("/cancel 99")).text == (
        "❌ The exchange refused: -1006: not found (already cancelled or filled?)")
    await desk.open_position()
    reply = await desk.say("/leverage eth 5")  # isolated leverage with an isolated position
    assert reply.text == ("⚠️ ETH isolated leverage cannot change now (open isolated position); "
                          "the exchange allows it once no isolated position or order is open")
    assert desk.paper.engine.get_leverage(desk.account_id, ETH, MarginMode.ISOLATED).leverage == 10


async def test_an_unreachable_exchange_is_said_plainly(desk: Desk) -> None:
    desk.paper.faults.fail_next(10, 502)
    reply = await desk.say("/positions")
    assert reply.text == "The exchange did not answer; nothing was sent again. Try /status."
    desk.paper.faults.clear()
    assert (await desk.say("/positions")).text == "No open positions."


# ---- bad input: a specific reply, and nothing sent ---------------------------------------------

BUY_USAGE = "Usage: /buy SYMBOL QTY [PRICE] [cross|isolated] — e.g. /buy ETH 0.1 2500"
MARGIN_USAGE = "Usage: /margin add|reduce SYMBOL AMOUNT — e.g. /margin add ETH 100"
PARSE_ERRORS = [
    ("/buy eth 1e3", "Quantity 1e3: write it out in full, without exponent notation", BUY_USAGE),
    ("/buy eth 1_000", "Quantity 1_000: write it without underscores", BUY_USAGE),
    ("/buy eth ３", "Quantity ３: use plain digits 0-9 (no full-width or other digits)",
     BUY_USAGE),
    ("/buy eth inf", "Quantity inf is not a number", BUY_USAGE),
    ("/buy eth NaN", "Quantity NaN is not a number", BUY_USAGE),
    ("/buy eth -1", "Quantity must be positive, not -1", BUY_USAGE),
    ("/buy eth 0", "Quantity must be greater than 0", BUY_USAGE),
    ("/margin add eth 1e3", "Amount 1e3: write it out in full, without exponent notation",
     MARGIN_USAGE),
    ("/margin add eth 0", "Amount must be greater than 0", MARGIN_USAGE),
    ("/margin add eth 1,000", "Amount 1,000: use '.' for decimals and no thousands separators",
     MARGIN_USAGE),
    ("/mode eth portfolio", "Say which mode: cross or isolated",
     "Usage: /mode SYMBOL [cross|isolated] — e.g. /mode ETH cross"),
    ("/position eth portfolio", "Too many arguments",
     "Usage: /position SYMBOL [cross|isolated] — e.g. /position ETH"),
    ("/buy eth", "Missing arguments", BUY_USAGE),
    ("/buy eth 1 2 3 4", "Too many arguments", BUY_USAGE),
    ("/margin add eth", "Missing arguments", MARGIN_USAGE),
    ("/buy eth 99999999999999999999", "Quantity 99999999999999999999 is too large", BUY_USAGE),
    ("/buy eth " + "1" * 50, "Quantity is too long (50 characters)", BUY_USAGE),
    ("/buy ☃ 1", "☃ is not a symbol: write it like ETH or PERP_ETH_USDC", BUY_USAGE),
    ("/buy eth 1\u200b", "Quantity 1?: use plain digits 0-9 (no full-width or other digits)",
     BUY_USAGE),  # a zero-width space is shown, not hidden
    ("/buy e\u0301th 1", "E\u0301th is not a symbol: write it like ETH or PERP_ETH_USDC",
     BUY_USAGE),
    ("/buy <b>eth</b> 1", "<b>eth</b> is not a symbol: write it like ETH or PERP_ETH_USDC",
     BUY_USAGE),
    ("/buy eth 1 cross isolated", "Give the margin mode once: cross or isolated", BUY_USAGE),
    ("/leverage eth 2.5", "Leverage must be a whole number like 10, not 2.5",
     "Usage: /leverage SYMBOL|all [N] [cross|isolated] — e.g. /leverage ETH 10"),
    ("/close eth 150", "Percent to close must be at most 100 %, not 150",
     "Usage: /close SYMBOL [PERCENT] [cross|isolated] — e.g. /close ETH 50%"),
    ("/cancel 12abc", "The order id is a number, as shown by /orders",
     "Usage: /cancel ORDER_ID | /cancel algo ID | /cancel all [SYMBOL] — e.g. /cancel 12345"),
    ("/frobnicate", "Unknown command /frobnicate", "Send /help for the list of commands."),
]
MARKET_RULES = [  # need the market's rules (a read), still nothing written
    ("/buy eth 0.00005", "Quantity 0.00005 is below the minimum 0.0001 ETH"),
    ("/buy eth 0.00015", "Quantity 0.00015 is not a multiple of the step 0.0001 — try "
                         "0.0001 or 0.0002"),
    ("/buy eth 0.5 2450.005", "Price 2450.005 is not on the tick 0.01 — try 2450.00 or 2450.01"),
    ("/buy eth 0.001", "Order value 2.5 USDC is not above the minimum 10 USDC — at 2500 use at "
                       "least 0.0041 ETH"),
    ("/buy eth 1000000", "Quantity 1000000 is above the maximum 500 ETH"),
    ("/buy eth 0.5 2600", "A BUY at 2600 is more than 3 % above the mark 2500 — the highest "
                          "allowed now is 2575"),
    ("/buy doge2 1", "Unknown symbol DOGE2 (did you mean DOGE?) — known: BTC, ETH, SOL, ARB, "
                     "DOGE"),
    ("/margin add eth 100", "No isolated ETH position; margin can only be moved in isolated "
                            "mode"),
]


async def test_bad_input_gets_a_specific_reply_and_no_exchange_call(desk: Desk) -> None:
    for text, reason, usage in PARSE_ERRORS:
        reply = await desk.say(text)
        assert reply.text == f"⚠️ {reason}\n{usage}", text
    assert desk.exchange.requests == []  # refused before any exchange call
    for text, reason in MARKET_RULES:
        reply = await desk.say(text)
        assert reply.text == f"⚠️ {reason}", text
    assert desk.exchange.writes == []
    assert desk.approvals() == []


async def test_an_over_long_message_is_refused_short(desk: Desk) -> None:
    reply = await desk.say("/buy eth " + "9 " * 600)
    assert reply.text.startswith("⚠️ That message is too long for a command")
    assert len(reply.text) < 200
    assert desk.exchange.requests == []
