"""Position card buttons that draw a card: Add N USDC and Close N % (the same confirmation
card, from the same service calls, as /margin add and /close — nothing runs before Confirm),
and the /positions entries that open a position's card.

A double tap on an amount button draws one card: while the card a button drew (for this
presser, on this message) can still be confirmed, another press only points to it.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from bot.domain.models import MarginAction
from bot.handlers import keyboards, render
from bot.handlers.command_types import Close, MarginChange
from bot.handlers.context import Ctx
from bot.handlers.keyboards import CallbackData
from bot.handlers.trading import commands as commands_trade

BUTTON_CARDS_KEY = "button_cards"  # Services.extras key of the ButtonCards
ALREADY_OPEN = "That card is already open above: Confirm or Cancel it there."

CardKey = tuple[int, int, int, str]  # chat, presser, message, callback_data


class ButtonCards:
    """The approval token each amount button last drew (bounded; memory only: a card lives
    at most a few minutes, and its Confirm works once whatever happens here)."""

    def __init__(self, limit: int = 1000) -> None:
        self._tokens: OrderedDict[CardKey, str] = OrderedDict()
        self._limit = limit

    def get(self, key: CardKey) -> str | None:
        return self._tokens.get(key)

    def put(self, key: CardKey, token: str) -> None:
        self._tokens[key] = token
        self._tokens.move_to_end(key)
        while len(self._tokens) > self._limit:
            self._tokens.popitem(last=False)


def _cards(c: Ctx) -> ButtonCards:
    found = c.services.extras.setdefault(BUTTON_CARDS_KEY, ButtonCards())
    assert isinstance(found, ButtonCards)
    return found


async def amount_press(c: Ctx, press: CallbackData) -> None:
    """Add N USDC / Close N %: the normal confirmation card, once per open card."""
    assert press.symbol is not None and press.mode is not None and press.amount is not None
    query = c.update.callback_query
    message_id = query.message.message_id if query and query.message else 0
    key = (c.chat_id, c.user_id, message_id, press.data)
    drawn = _cards(c).get(key)
    if drawn is not None and await c.services.approvals.still_open(drawn) is not None:
        await c.answer(ALREADY_OPEN)
        return
    await c.answer()
    amount = Decimal(press.amount)
    if press.kind == keyboards.POS_ADD_AMOUNT:
        token = await commands_trade.margin_card(
            c, MarginChange(MarginAction.ADD, press.symbol, amount))
    else:
        token = await commands_trade.close_card(c, Close(press.symbol, amount, press.mode))
    _cards(c).put(key, token)


async def open_press(c: Ctx, press: CallbackData) -> None:
    """A /positions entry: that position's card, with its buttons, as a new message."""
    assert press.symbol is not None and press.mode is not None
    await c.answer()
    view = await c.services.trading.position(press.symbol, press.mode)
    if view is None:
        await c.reply(render.position_missing(press.symbol, press.mode))
        return
    await c.reply(render.position(view), keyboards.position_actions(press.symbol, press.mode))
