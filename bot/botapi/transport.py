"""The HTTP side of the emulator: an httpx transport and ready PTB request objects over it.

Every URL is intercepted (the default https://api.telegram.org/bot base or a test base such as
http://emulator/bot alike); the token in the path is ignored and never logged.
"""

from __future__ import annotations

import json
import logging
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

import httpx
from telegram.request import HTTPXRequest

from bot.botapi.emulator import BotApiEmulator
from bot.botapi.faults import SimulatedTimeout
from bot.botapi.strict import bad_request

log = logging.getLogger(__name__)

# Parameters that are plain strings even when they look like JSON ("123", "true", "null").
RAW_STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "url", "action", "language_code",
    "inline_message_id", "business_connection_id", "message_effect_id", "emoji", "photo",
    "secret_token", "description", "short_description", "name", "title", "query",
})  # fmt: skip


def _coerce(key: str, value: str) -> Any:
    """PTB form-encodes non-string values as JSON (ints, bools, reply_markup): decode those."""
    if key in RAW_STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    params: dict[str, Any] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        if part.get_filename():  # an uploaded file: its name, size and bytes
            params[name] = {"filename": part.get_filename(), "size": len(payload), "data": payload}
        else:
            params[name] = _coerce(name, payload.decode())
    return params


def decode_params(request: httpx.Request) -> dict[str, Any]:
    """A Bot API call's parameters from its query string and JSON, form or multipart body."""
    params = {k: _coerce(k, v) for k, v in request.url.params.multi_items()}
    content_type = request.headers.get("content-type", "")
    body = request.content
    if not body:
        return params
    if content_type.startswith("application/json"):
        params.update(json.loads(body))
    elif content_type.startswith("multipart/form-data"):
        params.update(_multipart(content_type, body))
    else:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
        params.update({k: _coerce(k, v) for k, v in pairs})
    return params


def _method_of(request: httpx.Request) -> str | None:
    """The Bot API method in a /bot<token>/<method> path, or None for any other path."""
    segments = request.url.path.rstrip("/").split("/")
    if len(segments) < 3 or not segments[-2].startswith("bot"):
        return None
    return segments[-1]


def emulator_transport(emulator: BotApiEmulator) -> httpx.MockTransport:
    """An httpx transport answering every request from emulator, like api.telegram.org."""

    async def handle(request: httpx.Request) -> httpx.Response:
        method = _method_of(request)
        if method is None:
            return httpx.Response(404, json={"ok": False, "error_code": 404,
                                             "description": "Not Found"})  # fmt: skip
        try:
            params = decode_params(request)
        except (ValueError, UnicodeDecodeError):
            return httpx.Response(400, json=bad_request("can't parse request body").body())
        try:
            status, body = await emulator.call(method, params)
        except SimulatedTimeout as exc:
            raise httpx.ReadTimeout("simulated Bot API timeout", request=request) from exc
        except Exception:  # an emulator bug must read as a server error, not as a hang
            log.exception("Bot API emulator failed on %s", method)
            status = 500
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


def ptb_request(emulator: BotApiEmulator) -> HTTPXRequest:
    """A PTB HTTPXRequest whose every call goes to emulator instead of the network."""
    return HTTPXRequest(
        httpx_kwargs={"transport": emulator_transport(emulator), "trust_env": False}
    )


def ptb_requests(emulator: BotApiEmulator) -> tuple[HTTPXRequest, HTTPXRequest]:
    """(request, get_updates_request) for Application.builder().request(r1)
    .get_updates_request(r2)."""
    return ptb_request(emulator), ptb_request(emulator)
