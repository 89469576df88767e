"""The paper exchange's starlette app: Orderly REST routes and WebSocket streams over a PaperEngine.

Every response uses Orderly's envelopes (orderly-api.md §3). After each write the engine's events
are pushed to WebSocket subscribers and the state is saved BEFORE the answer goes out, so an
acknowledged change survives a restart. `app.state.faults` lets tests force 429s and delays.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from bot.orderly.jsoncodec import dumps
from bot.paper import algo_routes as al
from bot.paper import order_routes as o
from bot.paper import routes as r
from bot.paper.auth import require_scope, verify_request
from bot.paper.body import BodyTooLarge, json_object, read_body
from bot.paper.engine import EngineError, PaperEngine
from bot.paper.limits import DEFAULT_LIMITS, Faults, RateLimiter
from bot.paper.params import Params, bad
from bot.paper.ws import StreamHub
from bot.timing import DEFAULT_TIMINGS, Clock, Timings, now_ms

log = logging.getLogger(__name__)

# (method, path, handler, private, scope needed). Orderly: `trading` for orders and margin.
TABLE: list[tuple[str, str, r.Handler, bool, str | None]] = [
    ("GET", "/v1/public/info", r.info, False, None),
    ("GET", "/v1/public/info/{symbol}", r.info_one, False, None),
    ("GET", "/v1/public/futures", r.futures, False, None),
    ("GET", "/v1/public/futures/{symbol}", r.futures_one, False, None),
    ("GET", "/v1/public/funding_rates", r.funding_rates, False, None),
    ("GET", "/v1/public/funding_rate/{symbol}", r.funding_rate_one, False, None),
    ("GET", "/v1/public/system_info", r.system_info, False, None),
    ("GET", "/v1/client/leverage", r.get_leverage, True, None),
    ("GET", "/v1/client/leverages", r.get_leverages, True, None),
    ("POST", "/v1/client/leverages", r.set_leverages, True, None),
    ("GET", "/v1/client/margin_modes", r.margin_modes, True, None),
    ("POST", "/v1/client/margin_mode", r.set_margin_mode, True, None),
    ("POST", "/v1/order", o.create_order, True, "trading"),
    ("PUT", "/v1/order", o.edit_order, True, "trading"),
    ("DELETE", "/v1/order", o.cancel_order, True, "trading"),
    ("DELETE", "/v1/client/order", o.cancel_client_order, True, "trading"),
    ("GET", "/v1/orders", o.list_orders, True, None),
    ("DELETE", "/v1/orders", o.cancel_all, True, "trading"),
    ("GET", "/v1/order/{order_id}", o.get_order, True, None),
    ("GET", "/v1/client/order/{client_id}", o.get_client_order, True, None),
    ("POST", "/v1/algo/order", al.create_algo_order, True, "trading"),
    ("PUT", "/v1/algo/order", al.edit_algo_order, True, "trading"),
    ("DELETE", "/v1/algo/order", al.cancel_algo_order, True, "trading"),
    ("DELETE", "/v1/algo/client/order", al.cancel_algo_client_order, True, "trading"),
    ("GET", "/v1/algo/orders", al.list_algo_orders, True, None),
    ("DELETE", "/v1/algo/orders", al.cancel_all_algos, True, "trading"),
    ("GET", "/v1/algo/order/{order_id}", al.get_algo_order, True, None),
    ("GET", "/v1/algo/client/order/{client_id}", al.get_algo_client_order, True, None),
    ("POST", "/v1/position_margin", r.position_margin, True, "trading"),
    ("GET", "/v1/positions", r.positions, True, None),
    ("GET", "/v1/position/{symbol}", r.position_one, True, None),
    ("GET", "/v1/trades", r.trades, True, None),
    ("GET", "/v1/funding_fee/history", r.funding_fee_history, True, None),
    ("GET", "/v1/client/holding", r.holding, True, None),
    ("GET", "/v1/client/aggregate/holding", r.aggregate_holding, True, None),
    ("GET", "/v1/client/info", r.client_info, True, None),
    ("GET", "/v1/account_info", r.account_info, True, None),
    ("GET", "/v1/client/key_info", r.key_info, True, None),
]


def error_response(code: int, message: str, status: int) -> Response:
    body = {"success": False, "code": code, "message": message}
    return Response(dumps(body), status_code=status, media_type="application/json")


class PaperApi:
    """Turns HTTP requests into engine calls; owns the limiter, fault hook and after-write step."""

    def __init__(
        self, engine: PaperEngine, clock: Clock, timings: Timings, hub: StreamHub,
        persist: Callable[[], None] | None, limits: dict[tuple[str, str], tuple[int, float]],
    ) -> None:
        self.engine, self.clock, self.timings, self.hub = engine, clock, timings, hub
        self.persist = persist
        self.limiter = RateLimiter(clock, limits)
        self.faults = Faults()

    def endpoint(self, path: str, methods: dict[str, tuple[r.Handler, bool, str | None]]) -> Any:
        async def handle(request: Request) -> Response:
            handler, private, scope = methods.get(request.method) or methods["GET"]  # HEAD
            return await self.dispatch(request, path, handler, private, scope)

        return handle

    async def dispatch(
        self, request: Request, route: str, handler: r.Handler, private: bool, scope: str | None
    ) -> Response:
        try:  # read before any delay: a client that gives up must not undo its request
            raw = await read_body(request)
        except ClientDisconnect:  # gone before its body arrived: nothing to apply or answer
            return Response(status_code=499)
        except BodyTooLarge as exc:  # the rest is never read; the client must stop sending
            refused = error_response(-1005, str(exc), 413)
            refused.headers["connection"] = "close"
            return refused
        delay = self.faults.take_delay()
        if delay:
            await asyncio.sleep(delay)
        forced = self.faults.take_failure()
        if forced is not None:
            code = -1003 if forced == 429 else -1000
            return error_response(code, f"fault injected (HTTP {forced})", forced)
        write = request.method != "GET"
        try:
            data = self.call(request, raw, route, handler, private, scope)
        except EngineError as exc:
            data = exc
        except Exception:  # a bug must still answer in Orderly's shape, and never leak a trace
            log.exception("paper exchange error on %s %s", request.method, route)
            data = EngineError(-1000, "unknown error", 500)
        try:
            self.after(write)
        except Exception:  # not saved -> not acknowledged
            log.exception("paper exchange could not save its state")
            return error_response(-1000, "could not persist the change", 500)
        if isinstance(data, EngineError):
            return error_response(data.code, data.message, data.http_status)
        body: dict[str, Any] = {"success": True}
        if data is not r.NO_DATA:
            body["data"] = data
        body["timestamp"] = now_ms(self.clock)
        return Response(dumps(body), media_type="application/json")

    def call(
        self, request: Request, raw: bytes, route: str, handler: r.Handler, private: bool,
        scope: str | None,
    ) -> Any:
        """Authenticate, rate-limit, parse and run one request; raises EngineError on refusal."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise bad("request body is not UTF-8") from None
        now = now_ms(self.clock)
        key = None
        if private:
            raw_path = request.scope.get("raw_path")
            path = raw_path.decode("latin-1") if raw_path else request.url.path
            key = verify_request(
                self.engine, request.headers, request.method, path, request.url.query, text,
                now, self.timings.max_clock_skew_ms,
            )
            if scope:
                require_scope(key, scope)
        client = request.client.host if request.client else "-"
        if not self.limiter.allow(request.method, route, key.orderly_key if key else client):
            raise EngineError(-1003, "too many requests: rate limit exceeded", 429)
        params = self.params(request, text)
        ctx = r.Ctx(self.engine, params, dict(request.path_params),
                    key.account_id if key else "", key, now)
        return handler(ctx)

    @staticmethod
    def params(request: Request, text: str) -> Params:
        if request.method in ("GET", "DELETE") or not text.strip():
            return Params(dict(request.query_params))
        return Params(json_object(text))

    def after(self, write: bool) -> None:
        """Push the engine's new events; after a write also save the state."""
        events = self.engine.drain_events()
        if events:
            self.hub.publish_events(events)
        if (write or events) and self.persist is not None:
            self.persist()


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = -1000 if status != 405 else -1004
    return error_response(code, f"{request.method} {request.url.path}: HTTP {status}", status)


def create_app(
    engine: PaperEngine,
    clock: Clock,
    *,
    timings: Timings = DEFAULT_TIMINGS,
    persist: Callable[[], None] | None = None,
    limits: dict[tuple[str, str], tuple[int, float]] | None = None,
) -> Starlette:
    """The ASGI app; `app.state` holds `api` (PaperApi), `hub` (StreamHub) and `faults` (Faults)."""
    hub = StreamHub(engine, clock, timings)
    limits = DEFAULT_LIMITS if limits is None else limits
    api = PaperApi(engine, clock, timings, hub, persist, limits)
    grouped: dict[str, dict[str, tuple[r.Handler, bool, str | None]]] = {}
    for method, path, handler, private, scope in TABLE:
        grouped.setdefault(path, {})[method] = (handler, private, scope)
    http = [Route(p, api.endpoint(p, m), methods=list(m)) for p, m in grouped.items()]
    sockets = [
        WebSocketRoute("/ws/stream/{account_id}", hub.public),
        WebSocketRoute("/v2/ws/private/stream/{account_id}", hub.private),
    ]
    app = Starlette(routes=[*http, *sockets], exception_handlers={HTTPException: _http_error})
    app.state.api, app.state.hub, app.state.faults = api, hub, api.faults
    return app
