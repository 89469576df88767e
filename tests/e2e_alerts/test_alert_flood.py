"""A flood of strangers in a watched group never delays the alert or the owner's reply: each
stranger is told once per 10 min, from the budget alerts and allowed users' replies leave spare.

Telegram allows 20 messages a minute in a group (the notifier's real budget here): before, 30
refusals queued at reply priority spent it, and the warning and Alice's reply waited ~60 s."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from bot.botapi import BotMessage
from bot.services.delivery.outbox import REFUSAL_SHARE
from tests.e2e.harness import GROUP
from tests.e2e_alerts.harness import ALICE, ETH, AlertDesk, bounded, kind_of

STRANGERS = range(7001, 7031)  # 30 users not in BOT_ALLOWED_USER_IDS
REFUSED = "Margin Desk is private. Your Telegram user id is "
GROUP_BUDGET = 20  # Telegram: messages per minute in a group


def label(message: BotMessage) -> str:
    if message.text.startswith(REFUSED):
        return "refusal " + message.text.removeprefix(REFUSED).split(".")[0]
    return kind_of(message) or "reply"


def group_sends(desk: AlertDesk, since: int) -> list[str]:
    return [label(e.message) for e in desk.emulator.events[since:]
            if e.method == "sendMessage" and e.chat_id == GROUP and e.message is not None]


def refusals(desk: AlertDesk, since: int) -> list[str]:
    return [s for s in group_sends(desk, since) if s.startswith("refusal")]


async def settled(desk: AlertDesk, since: int) -> int:
    """The number of refusals sent once no more go out for half a second."""
    count = -1
    while count != len(refusals(desk, since)):
        count = len(refusals(desk, since))
        await asyncio.sleep(0.5)
    return count


async def test_strangers_flooding_a_group_never_delay_the_alert_or_the_owners_reply(
    tmp_path: Path,
) -> None:
    async with AlertDesk.open(tmp_path) as desk:
        try:
            await flood(desk)
        finally:  # PTB's own limiter (real time) still holds refusals: drop them, don't wait
            assert desk.runtime is not None
            await desk.runtime.services.notifier.stop(drain=False)


async def flood(desk: AlertDesk) -> None:
    await desk.begin((ALICE, ALICE), (GROUP, ALICE))
    await desk.open_position("/buy eth 1 isolated")
    since = desk.emulator.mark()
    for user in STRANGERS:  # each writes twice
        desk.push("/positions", user=user, chat=GROUP)
        desk.push("/buy eth 5", user=user, chat=GROUP)
    await desk.barrier()  # every stranger's message has been handled
    early = await settled(desk, since)
    # Every message to the group so far falls in this minute: the refusals stopped once
    # the group's sends reached their share of its budget.
    assert len(group_sends(desk, 0)) == GROUP_BUDGET * REFUSAL_SHARE
    assert 0 < early < len(STRANGERS)

    alerted = desk.emulator.mark()
    mark = desk.price_at(ETH, Decimal("0.04"))  # inside the 5 % warning
    await desk.move(ETH, mark)
    await desk.move(ETH, mark)
    await desk.advance(6)  # the 5 s grouping window closes: the warning is queued
    desk.push("/positions", user=ALICE, chat=GROUP)
    # Both go out at once (real seconds), not after the group's minute is over.
    await desk.next_alert(GROUP, "warning", since=alerted, seconds=3.0)
    await bounded(desk.emulator.wait_for_message(
        GROUP, lambda m: label(m) == "reply", 3.0, since=alerted))  # fmt: skip
    await asyncio.sleep(0.3)
    assert sorted(group_sends(desk, alerted)) == ["reply", "warning"]  # no refusal more

    # Each stranger is told once: those not told yet wait in the queue, nothing else does.
    notifier = desk.runtime.services.notifier if desk.runtime else None
    assert notifier is not None
    told = refusals(desk, since)
    assert len(set(told)) == len(told) and len(told) + notifier.pending == len(STRANGERS)

    desk.clock.advance(61)  # a minute on: the next share of the group's budget goes to them
    await desk.barrier()  # (a reply in Alice's chat wakes the notifier on the new clock)
    await desk.until(lambda: len(refusals(desk, since)) > len(told) or None)
    for user in STRANGERS:  # all within 10 min of their refusal: nothing new is queued
        desk.push("hello", user=user, chat=GROUP)
    await desk.barrier()
    told = refusals(desk, since)
    assert len(set(told)) == len(told) and len(told) + notifier.pending == len(STRANGERS)
    desk.clock.advance(600)
    desk.push("hello", user=STRANGERS[0], chat=GROUP)
    await desk.barrier()
    assert len(refusals(desk, since)) + notifier.pending == len(STRANGERS) + 1
