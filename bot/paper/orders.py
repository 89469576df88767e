"""Order lifecycle for the paper engine: place, edit, cancel, query, fill (PaperEngine's base)."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.models import MarketInfo, Order, OrderAck, OrderRequest, Side
from bot.paper import book, ledger, trades
from bot.paper.errors import EngineError
from bot.paper.events import BalanceEvent, EngineEvent, ExecutionEvent, PositionEvent
from bot.paper.fills import apply_fill
from bot.paper.state import (
    MAKER_FEE,
    STATUS_BUNDLES,
    TAKER_FEE,
    ZERO,
    AccountState,
    OrderState,
    State,
)
from bot.timing import Clock, now_ms

KNOWN_STATUSES = frozenset({"NEW", "PARTIAL_FILLED", "FILLED", "CANCELLED", "REJECTED"})


class OrderDesk:
    """Order endpoints plus the helpers the engine shares (accounts, events, fills)."""

    _s: State
    _clock: Clock
    _events: list[EngineEvent]

    # -- orders
    def create_order(self, account_id: str, request: OrderRequest) -> OrderAck:
        acct = self._acct(account_id)
        self._market(request.symbol)
        order = book.build_order(self._s, acct, request, self._s.next_order_id, self._now())
        self._s.next_order_id += 1
        self._s.orders[order.order_id] = order
        self._exec(order)
        self._arrive(order)
        return OrderAck(order.order_id, order.client_order_id, order.order_type, order.price,
                        order.quantity)

    def edit_order(
        self, account_id: str, order_id: int, price: Decimal | None, quantity: Decimal | None
    ) -> Order:
        """Change a resting order's price and/or quantity; re-validated like a new order."""
        order = self._own(account_id, order_id)
        if not order.is_open:
            raise EngineError(-1006, f"order {order_id} is not open")
        acct = self._acct(account_id)
        market, mark = self._market(order.symbol), self._s.marks[order.symbol]
        new_price = price if price is not None else order.price
        new_qty = quantity if quantity is not None else order.quantity
        book.check_quantity(market, new_qty)
        if new_price is not None:
            book.check_price(market, order.side, new_price, mark)
        pos = acct.positions.get((order.symbol, order.margin_mode))
        pos_qty = pos.qty if pos else ZERO
        if order.reduce_only:
            new_qty, opening = book.reduce_only_qty(pos_qty, order.side, new_qty), ZERO
        else:
            book.check_notional(market, new_qty, new_price or mark)
            opening = book.opening_part(pos_qty, order.side, new_qty)
        old = (order.price, order.quantity, order.opening_qty)
        order.price, order.quantity, order.opening_qty = new_price, new_qty, opening
        try:
            book.check_margin(self._s, acct, order, new_price or mark, exclude=order.order_id)
        except EngineError:
            order.price, order.quantity, order.opening_qty = old
            raise
        order.updated_ms = self._now()
        self._exec(order)
        self._arrive(order)
        return order.view()

    def cancel_order(self, account_id: str, symbol: str, order_id: int) -> None:
        order = self._own(account_id, order_id)
        if order.symbol != symbol or not order.is_open:
            raise EngineError(-1006, f"no open order {order_id} on {symbol}")
        self._cancel(order)

    def cancel_order_by_client_id(self, account_id: str, symbol: str, client_id: str) -> None:
        for order in self._s.open_orders(account_id, symbol):
            if order.client_order_id == client_id:
                self._cancel(order)
                return
        raise EngineError(-1006, f"no open order with client_order_id {client_id} on {symbol}")

    def cancel_all(self, account_id: str, symbol: str | None) -> int:
        self._acct(account_id)
        if symbol is not None:
            self._market(symbol)
        open_orders = self._s.open_orders(account_id, symbol)
        for order in open_orders:
            self._cancel(order)
        return len(open_orders)

    def orders(
        self, account_id: str, symbol: str | None = None, status: str | None = None
    ) -> list[Order]:
        """Orders oldest first; status may be one status or INCOMPLETE / COMPLETED."""
        self._acct(account_id)
        if status is not None and status not in KNOWN_STATUSES and status not in STATUS_BUNDLES:
            raise EngineError(-1005, f"unknown order status {status}")
        wanted = STATUS_BUNDLES.get(status or "", frozenset({status}) if status else None)
        return [
            o.view()
            for o in self._s.orders.values()
            if o.account_id == account_id
            and (symbol is None or o.symbol == symbol)
            and (wanted is None or o.status in wanted)
        ]

    def order(self, account_id: str, order_id: int) -> Order:
        return self._own(account_id, order_id).view()

    def order_by_client_id(self, account_id: str, client_id: str) -> Order:
        """The open order with this client_order_id, else the newest that used it."""
        mine = [o for o in self._s.orders.values()
                if o.account_id == account_id and o.client_order_id == client_id]
        if not mine:
            raise EngineError(-1006, f"no order with client_order_id {client_id}")
        return max(mine, key=lambda o: (o.is_open, o.order_id)).view()

    # -- shared helpers
    def _now(self) -> int:
        return now_ms(self._clock)

    def _market(self, symbol: str) -> MarketInfo:
        try:
            return self._s.markets[symbol]
        except KeyError:
            raise EngineError(-1005, f"unknown symbol {symbol}") from None

    def _acct(self, account_id: str) -> AccountState:
        try:
            return self._s.accounts[account_id]
        except KeyError:
            raise EngineError(-1000, f"account {account_id} does not exist", 500) from None

    def _own(self, account_id: str, order_id: int) -> OrderState:
        order = self._s.orders.get(order_id)
        if order is None or order.account_id != account_id:
            raise EngineError(-1006, f"order {order_id} not found")
        return order

    def _push_positions(self, acct: AccountState) -> None:
        positions = ledger.positions_view(self._s, acct)
        self._events.append(PositionEvent(acct.account_id, positions))

    def _push_balance(self, acct: AccountState) -> None:
        self._events.append(BalanceEvent(acct.account_id, ledger.holding_view(self._s, acct)))

    def _exec(self, order: OrderState, qty: Decimal = ZERO, price: Decimal = ZERO,
              fee: Decimal = ZERO, trade_id: int = 0) -> None:
        self._events.append(
            ExecutionEvent(order.account_id, order.view(), qty, price, fee, trade_id)
        )

    def _arrive(self, order: OrderState) -> None:
        """Take, rest or cancel a new (or edited) order at the current mark."""
        mark = self._s.marks[order.symbol]
        action = book.arrival(order.order_type, order.side, order.price, mark)
        if action is book.Arrival.TAKE:
            self._fill(order, mark, TAKER_FEE)  # a taker gets the mark, never worse than its limit
        elif action is book.Arrival.CANCEL:
            self._cancel(order)
        else:
            self._push_balance(self._s.accounts[order.account_id])  # frozen margin changed

    def reject_order(self, account_id: str, order_id: int, reason: str) -> None:
        """The exchange's risk engine refuses a resting order (status REJECTED, with reason):
        how the paper exchange rehearses an exchange-side rejection."""
        order = self._own(account_id, order_id)
        if not order.is_open:
            raise EngineError(-1006, f"order {order_id} is not open")
        self._cancel(order, status="REJECTED", reason=reason)

    def _cancel(self, order: OrderState, push_balance: bool = True, *, status: str = "CANCELLED",
                reason: str = "") -> None:
        order.status, order.reason = status, reason
        order.updated_ms = self._now()
        self._exec(order)
        if push_balance:
            self._push_balance(self._s.accounts[order.account_id])

    def _fill(self, order: OrderState, price: Decimal, fee_rate: Decimal,
              limit: Decimal | None = None) -> Decimal:
        """Fill what is left of the order (a reduce-only one at most the position; at most
        `limit`, the resting liquidity left, when given) at `price`; returns the qty filled."""
        acct = self._s.accounts[order.account_id]
        qty, closes = order.remaining, False
        if order.reduce_only:
            pos = acct.positions.get((order.symbol, order.margin_mode))
            pos_qty = pos.qty if pos else ZERO
            if pos_qty == 0 or (pos_qty > 0) == (order.side is Side.BUY):
                self._cancel(order, reason="reduce-only: no position left to reduce")
                return ZERO
            qty = min(qty, abs(pos_qty))
            closes = qty < order.remaining  # the position is smaller than the order
        if limit is not None and limit < qty:
            qty, closes = limit, False
        now = self._now()
        leverage = self._s.leverage_of(acct, order.symbol, order.margin_mode)
        fee, realized = apply_fill(self._s, acct, order.symbol, order.margin_mode, order.side,
                                   qty, price, fee_rate, leverage, now)
        trade = trades.record(self._s, acct.account_id, order.symbol, order.margin_mode,
                              order.side, qty, price, fee, realized, now,
                              order_id=order.order_id, maker=fee_rate == MAKER_FEE)  # fmt: skip
        order.record_fill(qty, price, now, fee)
        self._exec(order, qty, price, fee, trade.trade_id)
        if closes:  # what a reduce-only order has left once the position is closed
            self._cancel(order, push_balance=False,
                         reason="reduce-only: larger than the position it reduced")
        self._push_positions(acct)
        self._push_balance(acct)
        return qty

    def _fill_resting(self, symbol: str, mark: Decimal, fee_rate: Decimal = MAKER_FEE) -> None:
        """Fill, at their own price, the resting orders the new mark has crossed (within the
        symbol's resting depth, if one is set: the rest of an order stays open)."""
        left = self._s.depth.get(symbol)
        for order in self._s.open_orders(symbol=symbol):
            if left is not None and left <= 0:
                break
            if order.is_open and order.price is not None and book.crosses(
                order.side, order.price, mark
            ):
                done = self._fill(order, order.price, fee_rate, left)
                left = None if left is None else left - done
