"""Request bodies the paper exchange will look at: at most 1 MiB, JSON at most 32 levels deep.

The body is read before authentication (a signature covers it), so a stranger can send one:
a declared Content-Length over the cap is refused before a byte is read, and a chunked or
lying body is refused as soon as the bytes read pass the cap. Either way the rest is never
read; the answer carries `Connection: close` so the client stops sending.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NoReturn

from starlette.requests import Request

from bot.paper.params import bad

MAX_BODY_BYTES = 1 << 20  # 1 MiB: the largest real request (a batch of orders) is a few KiB
MAX_JSON_DEPTH = 32


class BodyTooLarge(Exception):
    """The request body is over MAX_BODY_BYTES (declared or read so far)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, or BodyTooLarge without reading past `limit` (+ one received chunk)."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def json_object(text: str, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """A JSON object body, or Orderly's -1005 (HTTP 400) when malformed, too deep or not an
    object; never a RecursionError."""
    try:
        body = json.loads(text, parse_float=Decimal, parse_constant=_not_json)
    except RecursionError:  # nested beyond what the parser can hold
        raise bad(f"request body nests deeper than {max_depth} levels") from None
    except ValueError:
        raise bad("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad("request body must be a JSON object")
    if _deeper_than(body, max_depth):
        raise bad(f"request body nests deeper than {max_depth} levels")
    return body


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")  # Python's parser would take NaN, Infinity


def _deeper_than(value: Any, limit: int) -> bool:
    """True when containers nest more than `limit` levels (the top object is level 1)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True
