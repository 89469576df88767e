"""Secrets never reach the log: bot token, Orderly secret, signatures; messages and tracebacks."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from bot.logs import REDACTED, RedactingFilter, setup_logging
from bot.orderly.signing import Signer

TOKEN = "7712345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
SECRET = "ed25519:DAbXSmm9AVLDFg7aeuCFbRUcb8m5WutRNt9GYHw5D9Qv"  # orderly-api.md §2.5
BARE_SECRET = SECRET.removeprefix("ed25519:")
ACCOUNT = "0xe5f543091345a99506cd77a113baff8e8e4f5e88851ef3ee5a819d33d86a6064"
SIGNER = Signer(ACCOUNT, "", SECRET)
HEADERS = SIGNER.headers(1700000000000, "GET", "/v1/positions")
SIGNATURE = HEADERS["orderly-signature"]
WS_AUTH = SIGNER.ws_auth(1700000000000)


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the redacting filter into a buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter([TOKEN, SECRET]))
    logger = logging.getLogger("tests.logs.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def assert_clean(text: str) -> None:
    for secret in (TOKEN, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", SECRET, BARE_SECRET, SIGNATURE,
                   str(WS_AUTH["sign"])):
        assert secret not in text
    assert REDACTED in text


def test_messages_and_arguments_are_redacted(log) -> None:
    logger, out = log
    logger.info("GET https://api.telegram.org/bot%s/getUpdates", TOKEN)
    logger.info("secret is %s, bare %s", SECRET, BARE_SECRET)
    logger.debug("headers %s", HEADERS)
    logger.debug("sending %s", {"event": "auth", "params": WS_AUTH})
    logger.debug("url wss://x/v2/ws/private/stream/%s?orderly_key=k&timestamp=1&sign=%s",
                 ACCOUNT, WS_AUTH["sign"])
    text = out.getvalue()
    assert_clean(text)
    assert len(text.splitlines()) == 5 and ACCOUNT in text  # only the secrets go


def test_exception_tracebacks_are_redacted(log) -> None:
    logger, out = log
    try:
        raise RuntimeError(f"request failed: token={TOKEN} secret={SECRET} sig {HEADERS}")
    except RuntimeError:
        logger.exception("while talking to %s", "the exchange")
    text = out.getvalue()
    assert "Traceback" in text and "RuntimeError" in text
    assert_clean(text)


def test_a_bad_format_does_not_raise_or_leak(log) -> None:
    logger, out = log
    logger.error("two placeholders %s %s", SECRET)  # a bug at the call site
    text = out.getvalue()
    assert "two placeholders" in text and SECRET not in text and BARE_SECRET not in text


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_setup_logging_redacts_everything_that_reaches_the_root(restore_root, capsys) -> None:
    setup_logging("DEBUG", [TOKEN, SECRET])
    logger = logging.getLogger("bot.anything")
    logger.warning("token %s", TOKEN)
    try:
        raise ValueError(BARE_SECRET)
    except ValueError:
        logger.exception("failed with %s", HEADERS)
    err = capsys.readouterr().err
    assert "WARNING bot.anything: token [redacted]" in err
    assert_clean(err)
    assert logging.getLogger("httpx").level == logging.WARNING  # it logs Bot API URLs


def test_url_encoded_secrets_and_a_tokens_secret_half_are_redacted(log) -> None:
    logger, out = log
    logger.info("GET /bot%s/getMe", quote(TOKEN, safe=""))
    logger.info("half %s; secret in a query: ?s=%s", TOKEN.partition(":")[2], quote(SECRET))
    text = out.getvalue()
    assert_clean(text)
    assert quote(SECRET, safe="") not in text and quote(SECRET) not in text


CRASHES = {
    "main thread": "raise RuntimeError(f'token {TOKEN} secret {SECRET}')",
    "thread": ("import threading\n"
               "def boom(): raise RuntimeError(f'token {TOKEN} secret {SECRET}')\n"
               "t = threading.Thread(target=boom, name='worker'); t.start(); t.join()"),
    "event loop": ("import asyncio\n"
                   "from bot.logs import loop_exception_handler\n"
                   "async def boom(): raise RuntimeError(f'token {TOKEN} secret {SECRET}')\n"
                   "async def main():\n"
                   "    asyncio.get_running_loop().set_exception_handler(loop_exception_handler)\n"
                   "    asyncio.ensure_future(boom()); await asyncio.sleep(0.05)\n"
                   "asyncio.run(main())\n"
                   "import gc; gc.collect()"),  # the never-retrieved exception is reported
    "printed": "import sys; print(f'oops {TOKEN} {SECRET}', file=sys.stderr)",
}  # fmt: skip


@pytest.mark.parametrize("where", CRASHES)
def test_uncaught_exceptions_anywhere_are_logged_redacted(where: str) -> None:
    script = (f"TOKEN, SECRET = {TOKEN!r}, {SECRET!r}\n"
              "from bot.logs import setup_logging\n"
              "setup_logging('INFO', [TOKEN, SECRET])\n" + CRASHES[where])  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=30)  # fmt: skip
    output = done.stdout + done.stderr
    assert_clean(output)
    assert "RuntimeError" in output or where == "printed", output
    if where != "printed":
        assert "CRITICAL" in output or "ERROR" in output, output  # a log record, not a raw print
