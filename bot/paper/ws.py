"""Orderly-style WebSocket streams over the engine (orderly-api.md §2.4, §5).

Public `/ws/stream/{account_id}`: `markprices`, `{symbol}@markprice`.
Private `/v2/ws/private/stream/{account_id}`: `auth` first, then `position`, `executionreport`,
`balance`, `account`, `liquidationsaccount`, `algoexecutionreport`. Each socket has an outbound
queue drained by its own writer task, so publishing from a request or a tick never blocks on a
slow client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal
from typing import Any

from starlette.websockets import WebSocket

from bot.orderly.jsoncodec import dumps
from bot.paper import algo_shapes, shapes
from bot.paper.auth import verify_ws_auth
from bot.paper.body import json_object
from bot.paper.engine import (
    AlgoEvent,
    BalanceEvent,
    EngineError,
    EngineEvent,
    ExecutionEvent,
    LeverageEvent,
    LiquidationEvent,
    PaperEngine,
    PositionEvent,
)
from bot.timing import Clock, Timings, now_ms

log = logging.getLogger(__name__)

PRIVATE_TOPICS = frozenset({"position", "executionreport", "balance", "account",
                            "liquidationsaccount", "algoexecutionreport"})
# Accepted so generic Orderly clients can subscribe, but the paper exchange never pushes them.
QUIET_TOPICS = frozenset({"settle", "wallet", "notifications"})
MAX_QUEUE = 1000  # a client this far behind is disconnected rather than buffered forever
MAX_MISSED_PONGS = 10


class Connection:
    """One open socket: who it is, what it follows, and its outbound queue."""

    def __init__(self, websocket: WebSocket, account_id: str, private: bool) -> None:
        self.websocket = websocket
        self.account_id = account_id
        self.private = private
        self.authed = not private
        self.topics: dict[str, frozenset[str] | None] = {}  # topic -> symbol filter
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.missed_pongs = 0
        self.closing = False
        self.close_code = 1000

    def send(self, payload: dict[str, Any] | str) -> None:
        """Queue one frame (a dict or ready JSON text); disconnect a client that stopped reading."""
        if self.closing:
            return
        if self.queue.qsize() >= MAX_QUEUE:
            self.close()
            return
        self.queue.put_nowait(payload if isinstance(payload, str) else dumps(payload))

    def close(self, code: int = 1000) -> None:
        """Close (with this WebSocket code) after the frames already queued have been sent."""
        if not self.closing:
            self.closing, self.close_code = True, code
            self.queue.put_nowait(None)


class StreamHub:
    """Every open socket, the two endpoints, and publishing of engine events and marks."""

    def __init__(self, engine: PaperEngine, clock: Clock, timings: Timings) -> None:
        self._engine = engine
        self._clock = clock
        self._timings = timings
        self._conns: set[Connection] = set()
        self._idle = asyncio.Event()  # set while no socket is open
        self._idle.set()
        self._seq = 0

    @property
    def connections(self) -> int:
        return len(self._conns)

    async def public(self, websocket: WebSocket) -> None:
        await self._serve(websocket, private=False)

    async def private(self, websocket: WebSocket) -> None:
        await self._serve(websocket, private=True)

    async def _serve(self, websocket: WebSocket, private: bool) -> None:
        await websocket.accept()
        conn = Connection(websocket, websocket.path_params["account_id"], private)
        self._conns.add(conn)
        self._idle.clear()
        writer = asyncio.create_task(self._writer(conn))
        pinger = asyncio.create_task(self._pinger(conn))
        try:
            if private and websocket.query_params.get("orderly_key"):
                self._auth(conn, None, dict(websocket.query_params))
            while not conn.closing:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("bytes") or b""
                text = message.get("text") or raw.decode("utf-8", "replace")
                try:
                    self._handle(conn, text)
                except Exception:  # a bug must not kill the socket; the client gets an error
                    log.exception("paper websocket message failed")
                    self._reply(conn, None, "", "internal error")
            if conn.closing:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(writer), 2.0)
        finally:
            self._conns.discard(conn)
            if not self._conns:
                self._idle.set()
            conn.closing = True
            pinger.cancel()
            writer.cancel()
            await asyncio.gather(writer, pinger, return_exceptions=True)

    async def _writer(self, conn: Connection) -> None:
        try:
            while (frame := await conn.queue.get()) is not None:
                await conn.websocket.send_text(frame)
            await conn.websocket.close(conn.close_code)
        except Exception:  # the peer went away; the reader loop notices and cleans up
            log.debug("websocket writer stopped", exc_info=True)

    async def _pinger(self, conn: Connection) -> None:
        while True:
            await asyncio.sleep(self._timings.paper_ws_ping_interval)
            if conn.missed_pongs >= MAX_MISSED_PONGS:
                conn.close()
                return
            conn.missed_pongs += 1
            conn.send({"event": "ping", "ts": now_ms(self._clock)})

    # ---- client messages ---------------------------------------------------------------------
    def _reply(self, conn: Connection, ident: object, event: str, error: str | None = None) -> None:
        body: dict[str, Any] = {"id": ident, "event": event, "success": error is None,
                                "ts": now_ms(self._clock)}
        if error is not None:
            body["errorMsg"] = error
        conn.send(body)

    def _handle(self, conn: Connection, text: str) -> None:
        try:
            msg = json_object(text)  # malformed or too deep (> 32 levels): an error reply
        except EngineError:
            msg = None
        if not isinstance(msg, dict):
            self._reply(conn, None, "", "invalid message: expected a JSON object")
            return
        ident, event = msg.get("id"), str(msg.get("event") or "")
        if event == "ping":
            conn.missed_pongs = 0
            conn.send({"event": "pong", "ts": now_ms(self._clock)})
        elif event == "pong":
            conn.missed_pongs = 0
        elif event == "auth" and conn.private:
            params = msg.get("params")
            self._auth(conn, ident, params if isinstance(params, dict) else {})
        elif event in ("subscribe", "unsubscribe"):
            self._subscribe(conn, ident, event, msg)
        else:
            self._reply(conn, ident, event, f"invalid event {event!r}")

    def _auth(self, conn: Connection, ident: object, params: dict[str, Any]) -> None:
        try:
            verify_ws_auth(self._engine, conn.account_id, params, now_ms(self._clock),
                           self._timings.max_clock_skew_ms)
        except EngineError as exc:
            log.info("private stream auth refused: %s", exc.message)
            self._reply(conn, ident, "auth", "auth failed")
            conn.close()
            return
        conn.authed = True
        self._reply(conn, ident, "auth")

    def _subscribe(self, conn: Connection, ident: object, event: str, msg: dict[str, Any]) -> None:
        topic = str(msg.get("topic") or "")
        error = self._topic_error(conn, topic)
        if error:
            self._reply(conn, ident, event, error)
            return
        if event == "unsubscribe":
            conn.topics.pop(topic, None)
        else:
            params = msg.get("params")
            wanted = params.get("symbol") if isinstance(params, dict) else None
            conn.topics[topic] = (
                frozenset(s.strip() for s in wanted.split(",") if s.strip())
                if isinstance(wanted, str) and wanted.strip() else None
            )
        self._reply(conn, ident, event)

    def _topic_error(self, conn: Connection, topic: str) -> str | None:
        if not topic:
            return "missing required parameter topic"
        if conn.private:
            if not conn.authed:
                return "auth failed: send auth before subscribing"
            return None if topic in PRIVATE_TOPICS | QUIET_TOPICS else f"invalid topic {topic}"
        if topic == "markprices":
            return None
        symbol, _, kind = topic.partition("@")
        if kind != "markprice":
            return f"invalid topic {topic}"
        known = {m.symbol for m in self._engine.markets()}
        return None if symbol in known else f"invalid symbol {symbol}"

    # ---- publishing ----------------------------------------------------------------------------
    def _push(
        self, topic: str, data: Any, *, account: str | None, symbol: str | None = None
    ) -> None:
        frame: str | None = None
        for conn in list(self._conns):
            if conn.private != (account is not None) or not conn.authed:
                continue
            if account is not None and conn.account_id != account:
                continue
            if topic not in conn.topics:
                continue
            wanted = conn.topics[topic]
            if wanted is not None and symbol not in wanted:
                continue
            if frame is None:  # serialise once, only if someone listens
                frame = dumps({"topic": topic, "ts": now_ms(self._clock), "data": data})
            conn.send(frame)

    def publish_marks(self, marks: dict[str, Decimal]) -> None:
        """Push `markprices` (every symbol) and each `{symbol}@markprice`."""
        self._push("markprices", [shapes.ws_mark(s, p) for s, p in marks.items()], account=None)
        for symbol, price in marks.items():
            self._push(f"{symbol}@markprice", shapes.ws_mark(symbol, price), account=None)

    def publish_events(self, events: list[EngineEvent]) -> None:
        """Push each engine event to the private sockets of its account that follow its topic."""
        for event in events:
            account = event.account_id
            if isinstance(event, PositionEvent):
                data = {"positions": [shapes.ws_position(p) for p in event.positions]}
                self._push("position", data, account=account)
            elif isinstance(event, ExecutionEvent):
                self._seq += 1
                self._push("executionreport", shapes.ws_execution(event, self._seq),
                           account=account, symbol=event.order.symbol)
            elif isinstance(event, BalanceEvent):
                self._push("balance", shapes.ws_balance(event.holding), account=account)
            elif isinstance(event, LeverageEvent):
                info = self._engine.client_info(account)
                self._push("account", shapes.ws_account(event.setting, info), account=account)
            elif isinstance(event, LiquidationEvent):
                self._push("liquidationsaccount", shapes.ws_liquidation(event), account=account)
            elif isinstance(event, AlgoEvent):  # Orderly sends the rows as a list
                self._push("algoexecutionreport", [algo_shapes.ws_algo(event)], account=account,
                           symbol=event.algo.symbol)

    async def drop_all(self, wait: float = 2.0) -> None:
        """Close every socket (clients see a server close and must reconnect)."""
        for conn in list(self._conns):
            conn.close(1012)  # "service restart": clients are expected to reconnect
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), wait)
