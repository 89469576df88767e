"""`margin-desk demo`: the whole bot as a terminal chat — no token, no network.

What you type is sent as your Telegram message; the bot's replies, edits and button answers
are printed, and inline buttons are numbered: type the number to press one. `!price ETH 2300`
moves the paper market (rehearse an alert), `!funding ETH 0.0001` pays one funding epoch (for
/pnl), `!help` lists demo commands, `!quit` ends.
With stdin piped, each line is one message and the demo exits at end of input.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from bot.app import BotRuntime
from bot.botapi.emulator import BotApiEmulator
from bot.botapi.messages import BotMessage, SendEvent
from bot.botapi.transport import ptb_requests
from bot.config import Network, Settings
from bot.domain.symbols import resolve_symbol
from bot.wiring import ExchangeLink, exchange_link
from storage.worker import Storage

DEMO_USER = 4242
DEMO_TOKEN = "4242:demo-token-never-leaves-this-process"
DEMO_HELP = ("demo: type commands as in Telegram (/help), a number to press a button, "
             "!price SYMBOL PRICE to move the market, !funding SYMBOL RATE to pay one funding "
             "epoch (e.g. 0.0001: longs pay, shorts receive; see /pnl), !quit to leave")
QUIET_SECONDS = 0.5
# Pictures outlive the demo's temporary data directory, so they can be opened afterwards.
PICTURES = Path(tempfile.gettempdir()) / "margin-desk-demo-pictures"
PRICE_SETTLE = 2.5  # two mark ticks: the warning debounce needs two updates
SETTLE_TIMEOUT = 20.0


class TerminalChat:
    """Prints what the bot does and maps typed numbers to the buttons it showed."""

    def __init__(self, out: TextIO, pictures: Path | None = None) -> None:
        self._out = out
        self._pictures = pictures or PICTURES
        self._buttons: dict[int, tuple[int, str]] = {}  # number -> (message_id, data)
        self._next = 1
        self.last_event_at = 0.0

    def on_event(self, event: SendEvent) -> None:
        self.last_event_at = asyncio.get_running_loop().time()
        if event.method == "answerCallbackQuery":
            text = event.params.get("text")
            if text:
                self._print(f"  ({text})")
            return
        message = event.message
        if message is None or event.method not in ("sendMessage", "sendPhoto", "editMessageText",
                                                   "editMessageReplyMarkup"):
            return
        prefix = "bot" if event.method in ("sendMessage", "sendPhoto") else "bot (edited)"
        text = message.text
        if event.method == "sendPhoto":
            text = f"{self._save(message)}\n{text}".rstrip()
        self._print(f"{prefix}> " + text.replace("\n", "\n     "))
        labels = []
        for row in message.keyboard:
            for button in row:
                if button.callback_data is None:  # a URL button: nothing to press here
                    continue
                number, self._next = self._next, self._next + 1
                self._buttons[number] = (message.message_id, button.callback_data)
                labels.append(f"[{number}] {button.text}")
        if labels:
            self._print("     " + "  ".join(labels))

    def _save(self, message: BotMessage) -> str:
        """Write a photo the bot sent to a file; the line that shows it in the terminal."""
        if message.photo is None:
            return "[photo]"
        self._pictures.mkdir(parents=True, exist_ok=True)
        path = self._pictures / f"photo-{message.chat_id}-{message.message_id}.png"
        path.write_bytes(message.photo)
        width, height = message.photo_size or (0, 0)
        return f"[photo {width}×{height} saved to {path}]"

    def button(self, number: int) -> tuple[int, str] | None:
        return self._buttons.get(number)

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)


def demo_settings(settings: Settings, data_dir: Path) -> Settings:
    """The user's settings, forced to an embedded paper exchange and a demo user."""
    return settings.model_copy(update={
        "orderly_network": Network.PAPER, "orderly_base_url": None,
        "bot_allowed_user_ids": frozenset({DEMO_USER}),
        "bot_db_path": data_dir / "margin-desk.db", "telegram_bot_token": None,
    })  # fmt: skip


async def run_demo(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
                   pictures: Path | None = None) -> int:
    """Run the demo until !quit or end of input."""
    # The terminal is the chat: library chatter would drown it, so only warnings show.
    for name in ("telegram", "apscheduler", "bot", "uvicorn"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    with tempfile.TemporaryDirectory(prefix="margin-desk-demo-") as tmp:
        demo = demo_settings(settings, Path(tmp))
        emulator = BotApiEmulator()
        chat = TerminalChat(out, pictures)
        emulator.on_send(chat.on_event)
        async with exchange_link(demo) as link:
            storage = Storage.open(demo.bot_db_path)
            runtime = BotRuntime(demo, link, storage, token=DEMO_TOKEN,
                                 requests=ptb_requests(emulator))  # fmt: skip
            await runtime.start(poll_timeout=1)
            print(DEMO_HELP, file=out, flush=True)
            try:
                await _conversation(emulator, chat, link, stdin, out, runtime)
            finally:
                await runtime.stop()
                storage.close()
    return 0


async def _conversation(
    emulator: BotApiEmulator, chat: TerminalChat, link: ExchangeLink, stdin: TextIO,
    out: TextIO, runtime: BotRuntime,
) -> None:  # fmt: skip
    interactive = stdin.isatty()
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print("you> ", end="", file=out, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if not interactive:
            print(f"you> {line}", file=out, flush=True)
        if line in ("!quit", "!exit"):
            break
        since = emulator.mark()
        reply = _local(line, emulator, chat, link)
        if reply is not None:
            print(f"  {reply}", file=out, flush=True)
            if line.startswith("!price"):
                # Let the market tick reach the monitor, so an alert prints before the next line.
                await asyncio.sleep(PRICE_SETTLE)
            continue
        await _settle(emulator, chat, lambda: runtime.services.notifier.pending, since)


def _local(
    line: str, emulator: BotApiEmulator, chat: TerminalChat, link: ExchangeLink
) -> str | None:
    """Handle a number (button press) or a !command; otherwise send the text as a message."""
    if line.isdigit():
        target = chat.button(int(line))
        if target is None:
            return f"no button [{line}] (buttons are numbered as printed)"
        try:
            emulator.press(DEMO_USER, DEMO_USER, target[0], target[1])
        except LookupError:  # the card was edited since: its buttons are gone
            return f"button [{line}] is no longer on its message"
        return None
    if line.startswith("!"):
        return _bang(line, link)
    emulator.push_text(DEMO_USER, DEMO_USER, line, first_name="Demo")
    return None


def _bang(line: str, link: ExchangeLink) -> str:
    parts = line[1:].split()
    if parts[:1] == ["help"]:
        return DEMO_HELP
    if parts[:1] == ["price"] and len(parts) == 3 and link.paper is not None:
        try:
            symbol = resolve_symbol(parts[1], [m.symbol for m in link.paper.engine.markets()])
            price = Decimal(parts[2])
            link.paper.set_price(symbol, price)
        except (ValueError, InvalidOperation, Exception) as exc:
            return f"cannot set that price: {exc}"
        return f"paper mark of {symbol} is now {price}"
    if parts[:1] == ["funding"] and len(parts) == 3 and link.paper is not None:
        try:
            symbol = resolve_symbol(parts[1], [m.symbol for m in link.paper.engine.markets()])
            rate = Decimal(parts[2])
            link.paper.pay_funding(symbol, rate)
        except (ValueError, InvalidOperation, Exception) as exc:
            return f"cannot pay that funding: {exc}"
        return f"paper funding of {symbol} paid at rate {rate}"
    return "unknown demo command; " + DEMO_HELP


async def _settle(
    emulator: BotApiEmulator, chat: TerminalChat, pending: Callable[[], int], since: int
) -> None:
    """Wait for the answer to one input (every input gets one), then for a short quiet spell."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    answered = False
    while loop.time() < deadline:
        if not answered:
            answered = any(e.method in ("sendMessage", "sendPhoto", "editMessageText")
                           for e in emulator.events[since:])
        quiet = loop.time() - chat.last_event_at >= QUIET_SECONDS
        if answered and quiet and not emulator.pending_updates and pending() == 0:
            return
        await asyncio.sleep(0.05)
