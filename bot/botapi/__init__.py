"""A strict in-process Telegram Bot API emulator for end-to-end tests and `margin-desk demo`."""

from bot.botapi.emulator import BotApiEmulator
from bot.botapi.faults import RateViolation, SimulatedTimeout
from bot.botapi.messages import BotMessage, Button, Call, SendEvent
from bot.botapi.strict import ApiError, parse_html
from bot.botapi.transport import emulator_transport, ptb_request, ptb_requests

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "BotMessage",
    "Button",
    "Call",
    "RateViolation",
    "SendEvent",
    "SimulatedTimeout",
    "emulator_transport",
    "parse_html",
    "ptb_request",
    "ptb_requests",
]
