"""Review findings on approvals: nothing sent twice, no "try again" when the outcome is unknown,
every unknown outcome settled and told, and a clear answer when a write provably never left."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal

import httpx
import pytest

from bot.domain.models import MarginAction
from bot.orderly import jsoncodec
from bot.services.trading.actions import client_order_id
from storage.approvals import ApprovalStore
from tests.e2e.harness import ALICE, ETH, GROUP, Desk, row, token_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

ORDER = ("POST", "/v1/order")
MARGIN = ("POST", "/v1/position_margin")
Handle = Callable[[httpx.Request], Awaitable[httpx.Response]]


def intercept(desk: Desk, wrap: Callable[[Handle, httpx.Request], Awaitable[httpx.Response]],
              match: Callable[[httpx.Request], bool], times: int = 1) -> None:
    """Route the next `times` matching exchange requests through `wrap(forward, request)`."""
    tap = desk.exchange
    forward: Handle = type(tap).handle_async_request.__get__(tap)  # the recording original
    left = [times]

    async def handle(request: httpx.Request) -> httpx.Response:
        if left[0] > 0 and match(request):
            left[0] -= 1
            return await wrap(forward, request)
        return await forward(request)

    tap.handle_async_request = handle  # type: ignore[method-assign]


def is_(method: str, path: str) -> Callable[[httpx.Request], bool]:
    return lambda r: r.method == method and (r.url.path == path or r.url.path.startswith(path))


def envelope(status: int, body: dict[str, object]) -> httpx.Response:
    return httpx.Response(status, content=jsoncodec.dumps(body).encode(),
                          headers={"content-type": "application/json"})


def arrives_late(seconds: float) -> Callable[[Handle, httpx.Request], Awaitable[httpx.Response]]:
    """The request reaches the exchange `seconds` after the client already gave up on it."""
    async def wrap(forward: Handle, request: httpx.Request) -> httpx.Response:
        await request.aread()

        async def later() -> None:
            await asyncio.sleep(seconds)
            await forward(request)

        asyncio.get_running_loop().create_task(later())
        raise httpx.ReadTimeout("review: no answer in time", request=request)

    return wrap


def answers(status: int, body: dict[str, object], *, applied: bool = False) -> Callable[
        [Handle, httpx.Request], Awaitable[httpx.Response]]:  # fmt: skip
    """Answer with this body (after really running the request when `applied`)."""
    async def wrap(forward: Handle, request: httpx.Request) -> httpx.Response:
        if applied:
            response = await forward(request)
            await response.aread()
        return envelope(status, body)

    return wrap


def state(desk: Desk) -> str:
    return str(desk.approvals()[-1]["state"])


async def settle_later(desk: Desk, *, lifetime: bool = False) -> list[str]:
    """What the running bot's periodic settlement learns one round later (or, with `lifetime`,
    once the request can no longer land: its signed timestamp is out of the window)."""
    runtime = desk.runtime
    assert runtime is not None
    timings = runtime.services.timings
    desk.clock.advance((timings.request_lifetime if lifetime else timings.settle_interval) + 1)
    return [text for _, text in await runtime.services.approvals.settle_unsettled(
        at_startup=False)]


# ---- orders -----------------------------------------------------------------------------------

async def test_an_order_that_lands_after_the_timeout_is_never_called_refused(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    intercept(desk, arrives_late(0.3), is_(*ORDER))
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert "try again" not in done.message.text and "refused" not in done.message.text
    assert "⏳ No answer from the exchange" in done.message.text
    assert state(desk) == "unknown"
    await asyncio.sleep(0.5)  # the exchange places it after all
    assert desk.position(ETH) is not None
    order_id = desk.last_order().order_id
    assert await settle_later(desk) == [
        f"the order BUY 0.5 ETH (isolated) was placed (id {order_id}, filled at 2500)"]
    assert state(desk) == "done"
    assert desk.exchange.count(*ORDER) == 1  # never resent


async def test_an_order_never_seen_is_settled_failed_only_after_a_grace_period(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    desk.exchange.lose_request[ORDER] = 1
    await desk.press(card, "Confirm")
    assert state(desk) == "unknown"
    runtime = desk.runtime
    assert runtime is not None
    assert await runtime.services.approvals.settle_unsettled(at_startup=False) == []
    assert state(desk) == "unknown"  # too early to conclude it never arrived
    assert await settle_later(desk) == []  # a round later it could still land
    assert state(desk) == "unknown"
    assert await settle_later(desk, lifetime=True) == [
        "the order BUY 0.5 ETH (isolated) never reached the exchange; nothing was placed"]
    assert state(desk) == "failed"
    assert desk.position(ETH) is None


async def test_an_accepted_order_is_never_reported_refused_when_the_read_back_fails(
    desk: Desk,
) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    intercept(desk, answers(400, {"success": False, "code": -1006, "message": "not found"}),
              is_("GET", "/v1/order/"))  # fmt: skip
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert "refused" not in done.message.text
    cid = client_order_id(str(desk.approvals()[-1]["token"]))
    assert f"✅ Order sent (client id <code>{cid}</code>)" in done.message.html or (
        f"✅ Order sent (client id {cid})" in done.message.text)
    assert state(desk) == "done"
    assert desk.position(ETH) is not None


async def test_an_unreadable_order_ack_is_resolved_by_client_order_id_not_resent(
    desk: Desk,
) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    ack = {"success": True, "data": {
        "order_id": "not-a-number", "client_order_id": "x", "order_type": "MARKET",
        "order_price": None, "order_quantity": "0.5"}}  # fmt: skip
    intercept(desk, answers(200, ack, applied=True), is_(*ORDER))
    done = await desk.press(card, "Confirm")
    # A garbled answer to a write is an unknown outcome: the order is looked up, not resent.
    assert done.message is not None and desk.filled() in done.message.text
    assert state(desk) == "done"
    assert not any("went wrong" in m.text for m in desk.messages())
    assert desk.exchange.count(*ORDER) == 1


async def test_a_rate_limited_order_was_not_placed_and_says_so(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    intercept(desk, answers(429, {"success": False, "code": -1003, "message": "too many"}),
              is_(*ORDER))  # fmt: skip
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert done.message.text.endswith(
        "❌ The exchange refused: -1003: too many requests; wait a moment and try again")
    assert state(desk) == "failed"  # final: a 429 is never applied, nothing left to settle
    assert desk.position(ETH) is None


async def test_an_exchange_unreachable_before_sending_says_nothing_was_sent(desk: Desk) -> None:
    await desk.open_position()
    card = await desk.say("/close eth")
    desk.exchange.lose_request[("GET", "/v1/position/PERP_ETH_USDC")] = 10  # re-check fails
    done = await desk.press(card, "Confirm")
    desk.exchange.lose_request.clear()
    assert done.message is not None
    assert "⚠️ Not sent: the exchange could not be reached; nothing was sent" in done.message.text
    assert state(desk) == "failed"
    assert desk.exchange.count(*ORDER) == 1  # the opening order only


async def test_a_close_card_is_refused_when_the_position_grew_since(desk: Desk) -> None:
    await desk.open_position("/buy eth 1 isolated")
    card = await desk.say("/close eth")  # LONG 1 -> FLAT
    await desk.open_position("/buy eth 1 isolated")  # now LONG 2
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert "⚠️ Not sent: the position size changed since this card was drawn" in (
        done.message.text)
    position = desk.position(ETH)
    assert position is not None and position.position_qty == Decimal(2)


async def test_an_opening_order_card_is_refused_when_the_position_changed_since(
    desk: Desk,
) -> None:
    card = await desk.say("/buy eth 0.5 isolated")  # drawn for a flat ETH isolated book
    await desk.open_position("/buy eth 1 isolated")  # another card filled meanwhile
    orders_before = desk.exchange.count(*ORDER)
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert "⚠️ Not sent: the position changed since this card was drawn" in done.message.text
    assert desk.exchange.count(*ORDER) == orders_before  # nothing sent
    position = desk.position(ETH)
    assert position is not None and position.position_qty == Decimal(1)


async def test_an_opening_order_is_checked_against_the_mark_at_press_time(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 2550 isolated")  # within 3 % of 2,500
    desk.paper.set_price(ETH, Decimal(2400))  # now 6 % above the mark
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert "⚠️ Not sent: a BUY at 2550 is more than 3 % above the mark 2400" in (
        done.message.text)
    assert desk.exchange.count(*ORDER) == 0


# ---- settlement ---------------------------------------------------------------------------------

async def test_a_startup_settlement_that_cannot_reach_the_exchange_is_retried_while_running(
    desk: Desk,
) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    token = token_of(card)
    await desk.stop()
    store, now = ApprovalStore(desk.db), desk.clock.time()
    assert store.claim(token, ALICE, ALICE, now).ok
    cid = client_order_id(token)
    store.mark_intent(token, {"client_order_id": cid}, now)
    lookup = ("GET", f"/v1/client/order/{cid}")
    desk.exchange.lose_request[lookup] = 4  # every try of the start-up read is lost
    await desk.start()
    row = store.get(token)
    assert row is not None and row.state == "unknown"  # handed to the running settlement
    assert await settle_later(desk, lifetime=True) == [
        "the order BUY 0.5 ETH (isolated) never reached the exchange; nothing was placed"]


async def test_a_transfer_whose_margin_also_moved_is_told_after_a_deadline(desk: Desk) -> None:
    await desk.open_position()
    card = await desk.say("/margin add eth 100")
    token, store, now = token_of(card), ApprovalStore(desk.db), desk.clock.time()
    claim = store.claim(token, ALICE, ALICE, now)
    assert claim.ok and claim.approval is not None
    store.mark_intent(token, claim.approval.action, now)
    store.finish(token, "unknown", {"unknown": "no answer"}, now)  # the answer never came
    desk.paper.engine.adjust_margin(desk.account_id, ETH, Decimal(7), MarginAction.ADD)
    runtime = desk.runtime
    assert runtime is not None
    assert await settle_later(desk) == []  # margin moved by something else: cannot tell yet
    desk.clock.advance(runtime.services.timings.settle_interval * 20)
    [text] = [t for _, t in await runtime.services.approvals.settle_unsettled(at_startup=False)]
    assert text.startswith(
        "could not confirm whether the margin add of 100 USDC to ETH isolated applied")
    assert "check /position ETH" in text
    assert await runtime.services.approvals.settle_unsettled(at_startup=False) == []
    assert desk.exchange.count(*MARGIN) == 0


async def test_an_undecidable_transfer_at_startup_is_handed_to_the_running_settlement(
    desk: Desk,
) -> None:
    await desk.open_position()
    card = await desk.say("/margin add eth 100")
    token = token_of(card)
    await desk.stop()
    store, now = ApprovalStore(desk.db), desk.clock.time()
    claim = store.claim(token, ALICE, ALICE, now)
    assert claim.ok and claim.approval is not None
    store.mark_intent(token, claim.approval.action, now)
    desk.paper.engine.adjust_margin(desk.account_id, ETH, Decimal(7), MarginAction.ADD)
    await desk.start()
    row = store.get(token)
    assert row is not None and row.state == "unknown"  # not left `executing` for ever


async def test_a_transfer_whose_position_closed_meanwhile_is_not_called_a_no_op(
    desk: Desk,
) -> None:
    await desk.open_position()
    card = await desk.say("/margin add eth 100")
    token, store, now = token_of(card), ApprovalStore(desk.db), desk.clock.time()
    claim = store.claim(token, ALICE, ALICE, now)
    assert claim.ok and claim.approval is not None
    store.mark_intent(token, claim.approval.action, now)
    store.finish(token, "unknown", {"unknown": "no answer"}, now)
    await desk.open_position("/close eth")
    assert await settle_later(desk) == []  # the transfer could still land: no verdict yet
    [text] = await settle_later(desk, lifetime=True)
    assert text == ("could not confirm whether the margin add of 100 USDC to ETH isolated "
                    "applied: the isolated position is closed now. Nothing was resent; "
                    "check /balance")


# ---- access -------------------------------------------------------------------------------------

async def test_a_command_addressed_to_another_bot_is_not_run(desk: Desk) -> None:
    await desk.open_position("/buy eth 0.5 2450")
    assert len(desk.open_orders()) == 1
    since = desk.push("/cancel@other_trading_bot all", chat=GROUP)
    await desk.barrier()
    assert desk.open_orders() != []  # not ours to run
    assert [e for e in desk.emulator.events[since:] if e.chat_id == GROUP] == []
    reply = await desk.say("/positions@other_trading_bot")
    assert reply.text == "That command is addressed to @other_trading_bot, not to this bot."
    assert (await desk.say("/positions@margin_desk_bot", chat=GROUP)).text == "No open positions."


# ---- numbers ------------------------------------------------------------------------------------

async def test_the_maximum_in_a_refusal_is_rounded_down_so_it_is_itself_allowed(
    desk: Desk,
) -> None:
    await desk.open_position()  # LONG 1 ETH at 2,500, margin 250 at 10x
    await desk.press(await desk.say("/margin add eth 300"), "Confirm")
    desk.paper.set_price(ETH, Decimal("2500.05"))  # max reduce = 550 − 250.005 = 299.995
    reply = await desk.say("/margin reduce eth 300")
    assert reply.text == ("⚠️ At most 299.99 USDC can be taken from this position now "
                          "(you asked 300)")  # fmt: skip
    card = await desk.say("/margin reduce eth 299.99")
    assert row(card.text, "max reduce") == "299.99 USDC"
    assert card.button("Confirm")


async def test_cancel_on_an_expired_card_ends_the_card_like_confirm_does(desk: Desk) -> None:
    card = await desk.say("/buy eth 0.5 isolated")
    desk.clock.advance(61)
    pressed = await desk.press(card, "Cancel")
    assert pressed.toast == "Expired — nothing was sent. Ask again."
    assert pressed.message is not None and not pressed.message.buttons
    assert pressed.message.text.endswith("⌛ Expired — nothing was sent. Ask again.")
    assert desk.exchange.writes == []


async def test_a_command_written_by_an_inline_bot_is_not_run(desk: Desk) -> None:
    await desk.open_position("/buy eth 0.5 2450")
    since = desk.emulator.mark()
    desk.emulator.push_raw({"message": {
        "message_id": 900, "date": 1, "text": "/cancel all",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        "chat": {"id": ALICE, "type": "private", "first_name": "Alice"},
        "from": {"id": ALICE, "is_bot": False, "first_name": "Alice"},
        "via_bot": {"id": 4242, "is_bot": True, "first_name": "Inline", "username": "inline_bot"},
    }})  # fmt: skip
    reply = await desk.emulator.wait_for_message(ALICE, since=since, timeout=8.0)
    assert reply.text == ("Messages sent via an inline bot never run commands. "
                          "Type the command yourself.")  # fmt: skip
    assert len(desk.open_orders()) == 1


async def test_a_rate_limited_press_time_check_says_nothing_was_sent_and_when_to_retry(
    desk: Desk,
) -> None:
    await desk.open_position()
    card = await desk.say("/close eth")

    async def slow_down(forward: Handle, request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "10"}, content=jsoncodec.dumps(
            {"success": False, "code": -1003, "message": "too many"}).encode())

    intercept(desk, slow_down, is_("GET", "/v1/position/PERP_ETH_USDC"))
    done = await desk.press(card, "Confirm")
    assert done.message is not None
    assert done.message.text.endswith(
        "⚠️ Not sent: the exchange is rate limiting; nothing was sent, try again in 10 s")
    assert state(desk) == "failed"
    assert desk.position(ETH) is not None
