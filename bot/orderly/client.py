"""The async Orderly REST client: one method per endpoint, domain objects out, typed errors.

HTTP mechanics (signing, pacing, skew, retries, error mapping) live in transport.py.
"""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from types import TracebackType
from typing import Any

import httpx

from bot.domain import models as m
from bot.errors import ExchangeRejected, UserInputError
from bot.orderly import jsoncodec, wire
from bot.orderly.algo_client import AlgoOrdersApi
from bot.orderly.pacing import Sleep, TtlCache
from bot.orderly.signing import Signer
from bot.orderly.transport import Params, RestSession, parse_many, parse_one, safe
from bot.timing import DEFAULT_TIMINGS, Clock, SystemClock, Timings

NOT_FOUND = -1006
NEEDS_PRICE = frozenset(m.OrderType) - {m.OrderType.MARKET, m.OrderType.ASK, m.OrderType.BID}
MAX_ORDER_PAGES = 20  # 20 x 500 rows; a guard against a server that never ends paging
HISTORY_PAGE = 500  # rows asked per page of /v1/trades and /v1/funding_fee/history


class OrderlyClient(AlgoOrdersApi):
    """Orderly REST API over one long-lived connection pool; use `async with` or aclose()."""

    def __init__(
        self,
        base_url: str,
        signer: Signer | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        timings: Timings = DEFAULT_TIMINGS,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._clock = clock or SystemClock()
        self._timings = timings
        self._session = RestSession(
            base_url, signer, transport=transport, clock=self._clock, timings=timings,
            rng=rng, sleep=sleep,
        )
        self._cache = TtlCache(self._clock)

    async def __aenter__(self) -> OrderlyClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._session.aclose()

    @property
    def clock_skew_ms(self) -> int:
        """Server time minus local time, from the last response that carried a timestamp."""
        return self._session.clock_skew_ms

    async def _get(self, path: str, params: Params = (), *, private: bool = True) -> Any:
        return (await self._session.request("GET", path, params=params, private=private)).data

    def server_now_ms(self) -> int:
        """Exchange time now (local clock corrected by the last observed offset), in ms."""
        return self._session.server_now_ms()

    async def _send(
        self, method: str, path: str, body: Any = None, params: Params = (),
        timestamp_ms: int | None = None,
    ) -> Any:
        return (await self._session.request(method, path, params=params, body=body,
                                            timestamp_ms=timestamp_ms)).data

    # public ---------------------------------------------------------------------------------

    async def get_system_info(self) -> m.SystemInfo:
        envelope = await self._session.request("GET", "/v1/public/system_info", private=False)
        server_ms = envelope.timestamp or self._session.server_now_ms()
        data = envelope.data if isinstance(envelope.data, dict) else {}
        return parse_one(wire.SystemInfoData, {**data, "server_time_ms": server_ms})

    async def sync_clock(self) -> int:
        """Refresh the clock offset from system_info; returns the new offset in ms."""
        await self.get_system_info()
        return self.clock_skew_ms

    async def get_markets(self) -> list[m.MarketInfo]:
        """Every perpetual's rules (cached for Timings.market_info_ttl)."""
        cached = self._cache.get("markets")
        if cached is None:
            data = await self._get("/v1/public/info", private=False)
            cached = parse_many(wire.MarketRow, data)
            self._cache.put("markets", cached, self._timings.market_info_ttl)
        return list(cached)

    async def get_market(self, symbol: str) -> m.MarketInfo:
        for market in await self.get_markets():
            if market.symbol == symbol:
                return market
        data = await self._get(f"/v1/public/info/{safe(symbol)}", private=False)
        return parse_one(wire.MarketRow, data)

    async def get_tickers(self) -> list[m.Ticker]:
        data = await self._get("/v1/public/futures", private=False)
        return parse_many(wire.TickerRow, data)

    async def get_ticker(self, symbol: str) -> m.Ticker:
        data = await self._get(f"/v1/public/futures/{safe(symbol)}", private=False)
        for ticker in parse_many(wire.TickerRow, data):  # `rows` or one object (§7.15)
            if ticker.symbol == symbol:
                return ticker
        raise ExchangeRejected(NOT_FOUND, f"no ticker for {symbol}")

    async def get_funding_rates(self) -> list[m.FundingRate]:
        data = await self._get("/v1/public/funding_rates", private=False)
        return parse_many(wire.FundingRateRow, data)

    # leverage and margin mode -----------------------------------------------------------------

    async def get_leverage(self, symbol: str, mode: m.MarginMode) -> m.LeverageSetting:
        """Leverage of one symbol in one mode (cached; the endpoint allows 1 call/s)."""
        key = ("leverage", symbol, mode)
        cached = self._cache.get(key)
        if cached is None:
            data = await self._get(
                "/v1/client/leverage", [("symbol", symbol), ("margin_mode", mode)]
            )
            cached = parse_one(wire.LeverageRow, data)
            self._cache.put(key, cached, self._timings.leverage_ttl)
        return cached

    async def get_leverages(self) -> list[m.LeverageSetting]:
        data = await self._get("/v1/client/leverages")
        settings = parse_many(wire.LeverageRow, data)
        for s in settings:
            self._cache.put(("leverage", s.symbol, s.margin_mode), s, self._timings.leverage_ttl)
        return settings

    async def set_leverage(
        self, leverage: int, mode: m.MarginMode, symbol: str | None = None
    ) -> m.LeverageSetting | None:
        """Set one symbol's leverage in `mode`, or every symbol's when symbol is None (-> None)."""
        if not 1 <= leverage <= 100:
            raise UserInputError(f"leverage must be between 1 and 100, not {leverage}")
        body: dict[str, Any] = {"leverage": leverage, "margin_mode": mode.value}
        if symbol is not None:
            body["symbol"] = symbol
        try:
            data = await self._send("POST", "/v1/client/leverages", body)
        finally:  # even an unknown outcome makes the cached value suspect
            self._cache.drop("leverage")
        if symbol is None:
            return None
        if isinstance(data, dict) and data.get("symbol"):
            return parse_one(wire.LeverageRow, data)
        return m.LeverageSetting(symbol, mode, leverage)

    async def get_default_margin_modes(self) -> dict[str, m.MarginMode]:
        data = await self._get("/v1/client/margin_modes")
        return dict(parse_many(wire.MarginModeRow, data))

    async def set_default_margin_mode(self, symbol: str, mode: m.MarginMode) -> None:
        body = {"symbol": symbol, "default_margin_mode": mode.value}
        await self._send("POST", "/v1/client/margin_mode", body)

    # orders ---------------------------------------------------------------------------------

    async def create_order(
        self, req: m.OrderRequest, *, timestamp_ms: int | None = None
    ) -> m.OrderAck:
        """Place one order; margin_mode and reduce_only are always sent explicitly.

        `timestamp_ms` is the orderly-timestamp to sign (default: now), see RestSession.request.
        """
        if req.quantity <= 0:
            raise UserInputError(f"order quantity must be positive, not {req.quantity}")
        body: dict[str, Any] = {
            "symbol": req.symbol, "order_type": req.order_type.value, "side": req.side.value,
        }
        if req.order_type in NEEDS_PRICE:
            if req.price is None:
                raise UserInputError(f"a {req.order_type.value} order needs a price")
            body["order_price"] = req.price
        body["order_quantity"] = req.quantity
        body["margin_mode"] = req.margin_mode.value
        body["reduce_only"] = req.reduce_only
        if req.client_order_id:
            body["client_order_id"] = req.client_order_id
        data = await self._send("POST", "/v1/order", body, timestamp_ms=timestamp_ms)
        return parse_one(wire.OrderAckData, data, write=("POST", "/v1/order"))

    async def edit_order(
        self, order_id: int, symbol: str, order_type: m.OrderType, side: m.Side,
        price: Decimal | None, quantity: Decimal,
    ) -> str:
        """Change an open order's price or quantity; returns the status (EDIT_SENT)."""
        body: dict[str, Any] = {
            "order_id": order_id, "symbol": symbol, "order_type": order_type.value,
            "side": side.value,
        }
        if price is not None:
            body["order_price"] = price
        body["order_quantity"] = quantity
        data = await self._send("PUT", "/v1/order", body)
        return parse_one(wire.StatusData, data, write=("PUT", "/v1/order"))

    async def cancel_order(self, order_id: int, symbol: str) -> str:
        params = [("order_id", order_id), ("symbol", symbol)]
        data = await self._send("DELETE", "/v1/order", params=params)
        return parse_one(wire.StatusData, data, write=("DELETE", "/v1/order"))

    async def cancel_order_by_client_id(self, client_order_id: str, symbol: str) -> str:
        params = [("client_order_id", client_order_id), ("symbol", symbol)]
        data = await self._send("DELETE", "/v1/client/order", params=params)
        return parse_one(wire.StatusData, data, write=("DELETE", "/v1/client/order"))

    async def cancel_all(self, symbol: str | None = None) -> str:
        """Cancel every open order, or only those of one symbol."""
        data = await self._send("DELETE", "/v1/orders", params=[("symbol", symbol)])
        return parse_one(wire.StatusData, data, write=("DELETE", "/v1/orders"))

    async def get_orders(
        self, symbol: str | None = None, status: str = "INCOMPLETE", *, page: int = 1,
        size: int = 100, pages: int = MAX_ORDER_PAGES,
    ) -> list[m.Order]:
        """Orders matching the filter, following pagination from `page` (at most `pages`)."""
        orders: list[m.Order] = []
        for current in range(page, page + min(pages, MAX_ORDER_PAGES)):
            params = [("symbol", symbol), ("status", status), ("page", current), ("size", size)]
            rows, total = parse_one(wire.OrdersPage, await self._get("/v1/orders", params))
            orders.extend(rows)
            # trust meta.total when given: a server may use a smaller page than asked for
            if not rows or (len(orders) >= total if total is not None else len(rows) < size):
                break
        return orders

    async def get_order(self, order_id: int) -> m.Order:
        data = await self._get(f"/v1/order/{safe(order_id)}")
        return parse_one(wire.OrderRow, data)

    async def get_order_by_client_id(self, client_order_id: str) -> m.Order | None:
        """The order with this client id, or None when the exchange has none."""
        try:
            data = await self._get(f"/v1/client/order/{safe(client_order_id)}")
        except ExchangeRejected as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        return parse_one(wire.OrderRow, data)

    # margin and positions -------------------------------------------------------------------

    async def adjust_position_margin(
        self, symbol: str, amount: Decimal, action: m.MarginAction, *,
        timestamp_ms: int | None = None,
    ) -> None:
        """Add or reduce an isolated position's margin (`amount` goes out as a string)."""
        if amount <= 0:
            raise UserInputError(f"margin amount must be positive, not {amount}")
        body = {"symbol": symbol, "amount": jsoncodec.plain(amount), "type": action.value}
        await self._send("POST", "/v1/position_margin", body, timestamp_ms=timestamp_ms)

    async def get_positions(self) -> m.PositionsSnapshot:
        """Account totals and every open position (closed rows with qty 0 are dropped)."""
        return parse_one(wire.PositionsData, await self._get("/v1/positions"))

    async def get_position(self, symbol: str, mode: m.MarginMode) -> m.Position | None:
        """The open position of (symbol, mode), or None when flat."""
        try:
            data = await self._get(f"/v1/position/{safe(symbol)}", [("margin_mode", mode)])
        except ExchangeRejected as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        position = parse_one(wire.PositionRow, data)
        return position if position.position_qty != 0 else None

    async def get_trades(
        self, symbol: str | None = None, start_t: int | None = None, end_t: int | None = None
    ) -> list[m.Trade]:
        """The account's latest fills (500 at most), optionally of one symbol and time range,
        newest first (every page)."""
        return await self._history("/v1/trades", wire.TradesPage, symbol, start_t, end_t)

    async def get_funding_fees(
        self, symbol: str | None = None, start_t: int | None = None, end_t: int | None = None
    ) -> list[m.FundingFee]:
        """The account's funding payments, optionally of one symbol and time range (every page)."""
        return await self._history(
            "/v1/funding_fee/history", wire.FundingFeePage, symbol, start_t, end_t
        )

    async def _history(
        self, path: str, page_model: type[wire.TradesPage] | type[wire.FundingFeePage],
        symbol: str | None, start_t: int | None, end_t: int | None,
    ) -> list[Any]:  # fmt: skip
        """Every page of a {meta, rows} history (start_t/end_t/page/size), at most MAX pages."""
        found: list[Any] = []
        for page in range(1, MAX_ORDER_PAGES + 1):
            params = [("symbol", symbol), ("start_t", start_t), ("end_t", end_t),
                      ("page", page), ("size", HISTORY_PAGE)]
            rows, total = parse_one(page_model, await self._get(path, params))
            found.extend(rows)
            if not rows or (len(found) >= total if total is not None else len(rows) < HISTORY_PAGE):
                break
        return found

    # account --------------------------------------------------------------------------------

    async def get_holding(self) -> m.Holding:
        """The USDC balance row (zeros when the account holds none)."""
        data = await self._get("/v1/client/holding")
        for holding in parse_many(wire.HoldingRow, data, key="holding"):
            if holding.token == "USDC":
                return holding
        zero = Decimal(0)
        return m.Holding("USDC", zero, zero, zero, zero, zero)

    async def get_aggregate_holding(self) -> list[m.Holding]:
        data = await self._get("/v1/client/aggregate/holding")
        return parse_many(wire.HoldingRow, data)

    async def get_client_info(self) -> m.ClientInfo:
        """Account fees, max leverage and per-symbol imr_factor (cached)."""
        cached = self._cache.get("client_info")
        if cached is None:
            cached = parse_one(wire.ClientInfoData, await self._get("/v1/client/info"))
            self._cache.put("client_info", cached, self._timings.client_info_ttl)
        return cached

    async def get_account_info(self) -> m.AccountSummary:
        return parse_one(wire.AccountData, await self._get("/v1/account_info"))

    async def get_key_info(self) -> list[m.KeyInfo]:
        data = await self._get("/v1/client/key_info")
        return parse_many(wire.KeyInfoRow, data)
