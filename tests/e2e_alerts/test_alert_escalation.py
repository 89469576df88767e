"""Alerts that cannot miss, through the running bot, the emulator and the paper exchange: a 50x
position opened ~1.4 % from liquidation alerts audibly at once, each halving of the distance
alerts again (30 s apart at least) with a fresh Add amount, and the liquidation message gives
the price, the margin lost and the realized PnL the exchange booked."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from bot.botapi import BotMessage
from bot.domain import margin
from bot.domain.alert_rules import DEEPEN_DUE_KEY, DEEPEN_SPACING, LOUD_AT_KEY, LOUD_D_KEY
from tests.e2e.harness import money, num, row
from tests.e2e_alerts.harness import ALICE, ETH, AlertDesk, kind_of

D = Decimal


def audible(desk: AlertDesk, message: BotMessage) -> bool:
    """True when the sendMessage that carried `message` asked for a notification."""
    (sent,) = [e for e in desk.emulator.events if e.method == "sendMessage"
               and e.message is not None and e.message.message_id == message.message_id
               and e.chat_id == message.chat_id]  # fmt: skip
    return sent.params.get("disable_notification") in (None, False, "false", "False")


def last_alert_distance(desk: AlertDesk) -> Decimal:
    """The distance the monitor recorded at the last audible critical alert."""
    return D(desk.state().extra[LOUD_D_KEY])


def add_amount(message: BotMessage) -> Decimal:
    return num(message.button("Add").text)


def topup_now(desk: AlertDesk, mark: Decimal) -> Decimal:
    """The Add amount the policy asks for at this mark: liq back to 2 × 5 % away, cent up."""
    p = desk.position(ETH)
    assert p is not None
    need = margin.margin_to_add_for_distance(desk.paper.engine.market(ETH), p.position_qty,
                                             p.cost_position, p.margin, mark, D("0.10"), D(0))
    return need.quantize(D("0.01"), ROUND_CEILING)


async def test_a_50x_position_alerts_at_once_escalates_at_each_halving_then_reports_the_loss(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        reply = await desk.say("/leverage eth 50 isolated")
        assert "50x" in reply.text, reply.text
        since = desk.emulator.mark()
        await desk.open_position("/buy eth 1 isolated")  # 50×: about 1.4 % from liquidation

        first = await desk.next_alert(ALICE, "critical", since=since, seconds=2.0)
        assert first.text.startswith("🚨 CRITICAL — ETH isolated long opened 1."), first.text
        assert audible(desk, first)
        mark = desk.paper.engine.mark(ETH)
        assert add_amount(first) == topup_now(desk, mark)
        d0 = last_alert_distance(desk)
        assert D("0.012") < d0 < D("0.016")

        await desk.move(ETH, desk.price_above(ETH, d0 * D("0.6")))  # closer, not yet half
        await desk.quiet()
        assert [kind_of(m) for m in desk.sent(ALICE, since)] == ["critical"]

        shown = [first]
        for ref in (d0, None):  # two halvings: 1.4 % -> 0.56 % -> 0.22 %
            ref = ref or last_alert_distance(desk)
            mark = desk.price_at(ETH, ref * D("0.4"))
            await desk.move(ETH, mark)  # halved, but within 30 s of the last alert: held
            await desk.quiet()
            assert len(desk.sent(ALICE, since)) == len(shown)
            state = desk.state()
            due = float(state.extra[LOUD_AT_KEY]) + DEEPEN_SPACING
            assert float(state.extra[DEEPEN_DUE_KEY]) == due > desk.clock.time()
            await desk.advance(due - desk.clock.time() - 1)  # 1 s early: still held
            await desk.quiet()
            assert len(desk.sent(ALICE, since)) == len(shown)
            await desk.advance(1.5)
            await desk.until(lambda: len(desk.sent(ALICE, since)) > len(shown) or None)
            deeper = desk.sent(ALICE, since)[-1]
            assert kind_of(deeper) == "deeper", deeper.text
            assert f"was {money(ref * 100)} %" in deeper.text.split("\n")[0], deeper.text
            assert row(deeper.text, "mark") == money(mark)
            assert audible(desk, deeper)
            assert add_amount(deeper) == topup_now(desk, mark) > add_amount(shown[-1])
            shown.append(deeper)
        await desk.quiet()
        assert [kind_of(m) for m in desk.sent(ALICE, since)] == ["critical", "deeper", "deeper"]

        p = desk.position(ETH)
        assert p is not None
        since = desk.emulator.mark()
        await desk.move(ETH, desk.liq(ETH) - 5, seen=False)  # through the liquidation price
        liquidated = await desk.next_alert(ALICE, "liquidated", since=since)
        assert desk.position(ETH) is None
        taken = desk.paper.engine.trades(desk.account_id, ETH)[0]  # the liquidation's fill
        assert taken.order_id is None and taken.executed_quantity == 1
        assert row(liquidated.text, "liq price") == money(taken.executed_price)
        assert row(liquidated.text, "margin lost") == f"{money(p.margin)} USDC"
        pnl = money(taken.realized_pnl).replace("-", "−")
        assert row(liquidated.text, "realized PnL") == f"{pnl} USDC"
        assert taken.realized_pnl < 0 and audible(desk, liquidated)


async def test_a_restart_keeps_the_halving_line_and_its_spacing(tmp_path: Path) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.say("/leverage eth 50 isolated")
        since = desk.emulator.mark()
        await desk.open_position("/buy eth 1 isolated")
        await desk.next_alert(ALICE, "critical", since=since, seconds=2.0)
        d0, at = last_alert_distance(desk), float(desk.state().extra[LOUD_AT_KEY])

        await desk.restart()
        await desk.until(lambda: desk.watched(ETH) or None)
        await desk.ticked(2)
        assert (last_alert_distance(desk), float(desk.state().extra[LOUD_AT_KEY])) == (d0, at)
        await desk.move(ETH, desk.price_at(ETH, d0 * D("0.45")))
        await desk.quiet()
        assert [kind_of(m) for m in desk.sent(ALICE, since)] == ["critical"]  # spacing kept
        await desk.advance(at + DEEPEN_SPACING + 0.5 - desk.clock.time())
        await desk.until(lambda: len(desk.sent(ALICE, since)) == 2 or None)
        await desk.quiet()
        assert [kind_of(m) for m in desk.sent(ALICE, since)] == ["critical", "deeper"]


async def test_without_the_trade_history_the_push_still_gives_price_loss_and_pnl(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        await desk.begin()
        await desk.open_position("/buy eth 1 isolated")
        p = desk.position(ETH)
        assert p is not None
        since = desk.emulator.mark()
        desk.tap.down.add("/v1/trades")  # the history cannot be read: the push must do
        await desk.move(ETH, desk.liq(ETH) - 5, seen=False)
        liquidated = await desk.next_alert(ALICE, "liquidated", since=since)
        taken = desk.paper.engine.trades(desk.account_id, ETH)[0]
        assert row(liquidated.text, "liq price") == money(taken.executed_price)
        assert row(liquidated.text, "margin lost") == f"{money(p.margin)} USDC"
        assert num(row(liquidated.text, "realized PnL")) == taken.realized_pnl.quantize(D("0.01"))
        assert "≈" not in liquidated.text
