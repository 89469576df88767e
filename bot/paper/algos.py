"""Algo orders for the paper engine: place, edit, cancel, read, and fire them on the mark.

Orderly's rules as the paper exchange applies them: a TP_SL / POSITIONAL_TP_SL needs an open
position in its margin mode and legs on the closing side, each leg on the right side of the mark
(a trigger already reached is refused, -1005); at most 10 untriggered TP_SL per account and one
untriggered POSITIONAL_TP_SL per symbol and side. A leg that fires becomes a reduce-only order
(MARKET, LIMIT, or the whole position for CLOSE_POSITION); its sibling is cancelled. A stop-loss
sitting beyond the liquidation price never fires: the liquidation comes first.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain import algo as a
from bot.domain.algo import AlgoOrder, AlgoOrderType, AlgoRequest, AlgoType
from bot.domain.models import OrderAck, OrderRequest, OrderType, Side
from bot.paper import ledger
from bot.paper.algo_state import AlgoState
from bot.paper.book import check_quantity
from bot.paper.errors import EngineError
from bot.paper.events import AlgoEvent, ExecutionEvent
from bot.paper.orders import OrderDesk
from bot.paper.state import ZERO

MAX_OPEN_TP_SL = 10


def _on_grid(value: Decimal, start: Decimal, step: Decimal) -> bool:
    return step <= 0 or (value - start) % step == 0


class AlgoDesk(OrderDesk):
    """The algo order endpoints and the trigger check run on every mark move."""

    def create_order(self, account_id: str, request: OrderRequest) -> OrderAck:
        """A regular order; TP/SL left without a position by it are cancelled."""
        ack = super().create_order(account_id, request)
        self._drop_orphan_algos(request.symbol)
        return ack

    # -- placing
    def create_algo_order(self, account_id: str, req: AlgoRequest) -> AlgoOrder:
        acct = self._acct(account_id)
        market = self._market(req.symbol)
        mark = self._s.marks[req.symbol]
        if req.client_order_id and any(
            x.client_order_id == req.client_order_id and x.is_open and x.account_id == account_id
            for x in self._s.algos.values()
        ):
            raise EngineError(-1007, f"client_order_id {req.client_order_id} is already used "
                                     "by an open algo order", 409)
        for price in (req.trigger_price, req.price, *(leg.trigger_price for leg in req.legs),
                      *(leg.price for leg in req.legs if leg.price is not None)):
            if price is None:
                continue
            if not market.quote_min <= price <= market.quote_max:
                raise EngineError(-1103, f"price must be between {market.quote_min} and "
                                         f"{market.quote_max}")
            if not _on_grid(price, market.quote_min, market.quote_tick):
                raise EngineError(-1103, f"price must be a multiple of {market.quote_tick}")
        if req.quantity is not None:
            check_quantity(market, req.quantity)
        now = self._now()
        if req.algo_type is AlgoType.STOP:
            assert req.trigger_price is not None and req.quantity is not None
            if req.trigger_price == mark:
                raise EngineError(-1005, "trigger_price equals the mark price: it fires at once")
            root = self._new_algo(account_id, req, AlgoType.STOP, now)
            root.side, root.order_type = req.side, req.order_type
            root.quantity, root.trigger_price = req.quantity, req.trigger_price
            root.price = req.price
            root.reduce_only, root.rising = req.reduce_only, req.trigger_price > mark
            self._algo_event(root)
            return self._algo_view(root)
        pos = acct.positions.get((req.symbol, req.margin_mode))
        if pos is None or pos.qty == 0:
            raise EngineError(-1006, f"no {req.margin_mode.value} position on {req.symbol} "
                                     "for a TP/SL")
        closing = a.closing_side(pos.qty)
        if req.side is not closing:
            raise EngineError(-1005, f"TP/SL side must be {closing.value} to close the position")
        for leg in req.legs:
            if a.fires(leg.algo_type, closing, leg.trigger_price, mark):
                raise EngineError(-1005, f"{leg.algo_type.value} trigger_price {leg.trigger_price} "
                                         f"is already reached by the mark price {mark}")
        self._check_limits(account_id, req, closing)
        root = self._new_algo(account_id, req, req.algo_type, now)
        root.side, root.quantity, root.reduce_only = closing, req.quantity, True
        kids = []
        for leg in req.legs:
            child = self._new_algo(account_id, req, leg.algo_type, now, parent=root.algo_order_id)
            child.side, child.order_type = closing, leg.order_type
            child.quantity, child.trigger_price = req.quantity, leg.trigger_price
            child.price = leg.price
            child.reduce_only, child.client_order_id = True, None
            kids.append(child.algo_order_id)
        root.children = tuple(kids)
        self._algo_event(root)
        return self._algo_view(root)

    def _check_limits(self, account_id: str, req: AlgoRequest, closing: Side) -> None:
        mine = [x for x in self._s.algos.values()
                if x.account_id == account_id and x.is_open and x.parent_id == 0]
        if req.algo_type is AlgoType.TP_SL and (
            sum(1 for x in mine if x.algo_type is AlgoType.TP_SL) >= MAX_OPEN_TP_SL
        ):
            raise EngineError(-1005, f"at most {MAX_OPEN_TP_SL} untriggered TP_SL orders")
        if req.algo_type is AlgoType.POSITIONAL_TP_SL and any(
            x.algo_type is AlgoType.POSITIONAL_TP_SL and x.symbol == req.symbol
            and x.side is closing for x in mine
        ):
            raise EngineError(-1005, f"{req.symbol} already has an untriggered POSITIONAL_TP_SL")

    def _new_algo(self, account_id: str, req: AlgoRequest, kind: AlgoType, now: int,
                  parent: int = 0) -> AlgoState:
        algo_id = self._s.next_algo_id
        self._s.next_algo_id += 1
        state = AlgoState(
            algo_order_id=algo_id, account_id=account_id, symbol=req.symbol, algo_type=kind,
            margin_mode=req.margin_mode, root_id=parent or algo_id, parent_id=parent,
            client_order_id=req.client_order_id, created_ms=now, updated_ms=now,
        )
        self._s.algos[algo_id] = state
        return state

    # -- reads
    def algo_orders(self, account_id: str, symbol: str | None = None) -> list[AlgoOrder]:
        """Root algo orders (with their legs), oldest first."""
        self._acct(account_id)
        return [self._algo_view(x) for x in self._s.algos.values()
                if x.account_id == account_id and x.parent_id == 0
                and (symbol is None or x.symbol == symbol)]

    def algo_order(self, account_id: str, algo_id: int) -> AlgoOrder:
        return self._algo_view(self._own_algo(account_id, algo_id))

    def algo_order_by_client_id(self, account_id: str, client_id: str) -> AlgoOrder:
        mine = [x for x in self._s.algos.values()
                if x.account_id == account_id and x.client_order_id == client_id
                and x.parent_id == 0]
        if not mine:
            raise EngineError(-1006, f"no algo order with client_order_id {client_id}")
        return self._algo_view(max(mine, key=lambda x: (x.is_open, x.algo_order_id)))

    def _own_algo(self, account_id: str, algo_id: int) -> AlgoState:
        found = self._s.algos.get(algo_id)
        if found is None or found.account_id != account_id:
            raise EngineError(-1006, f"algo order {algo_id} not found")
        return found

    def _algo_view(self, x: AlgoState) -> AlgoOrder:
        return x.view(tuple(self._s.algos[c].view() for c in x.children))

    # -- edit and cancel
    def edit_algo_order(self, account_id: str, algo_id: int, trigger_price: Decimal | None,
                        price: Decimal | None, quantity: Decimal | None) -> None:
        x = self._own_algo(account_id, algo_id)
        if not x.is_open or x.is_triggered:
            raise EngineError(-1006, f"algo order {algo_id} is not pending")
        if x.children:
            raise EngineError(-1005, "edit a TP_SL through its child_orders")
        market, mark = self._market(x.symbol), self._s.marks[x.symbol]
        if quantity is not None:
            check_quantity(market, quantity)
        if trigger_price is not None and x.algo_type in a.LEG_TYPES:
            assert x.side is not None
            if a.fires(x.algo_type, x.side, trigger_price, mark):
                raise EngineError(-1005, f"trigger_price {trigger_price} is already reached by "
                                         f"the mark price {mark}")
        if trigger_price is not None:
            x.trigger_price = trigger_price
            if x.algo_type is AlgoType.STOP:
                x.rising = trigger_price >= mark
        x.price = price if price is not None else x.price
        x.quantity = quantity if quantity is not None else x.quantity
        x.updated_ms = self._now()
        self._algo_event(x)

    def cancel_algo_order(self, account_id: str, symbol: str, algo_id: int) -> None:
        x = self._own_algo(account_id, algo_id)
        if x.symbol != symbol or not x.is_open:
            raise EngineError(-1006, f"no pending algo order {algo_id} on {symbol}")
        self._cancel_algo(x, "")

    def cancel_algo_by_client_id(self, account_id: str, symbol: str, client_id: str) -> None:
        for x in self._s.algos.values():
            if (x.account_id == account_id and x.symbol == symbol and x.is_open
                    and x.parent_id == 0 and x.client_order_id == client_id):
                self._cancel_algo(x, "")
                return
        raise EngineError(-1006, f"no pending algo order with client_order_id {client_id}")

    def cancel_all_algos(self, account_id: str, symbol: str | None,
                         kind: AlgoType | None) -> int:
        self._acct(account_id)
        roots = [x for x in self._s.algos.values()
                 if x.account_id == account_id and x.parent_id == 0 and x.is_open
                 and (symbol is None or x.symbol == symbol)
                 and (kind is None or x.algo_type is kind)]
        for x in roots:
            self._cancel_algo(x, "")
        return len(roots)

    def _cancel_algo(self, x: AlgoState, reason: str) -> None:
        """Cancel a root with its open legs, or one leg (its root ends with its last leg)."""
        now = self._now()
        for c in x.children:
            leg = self._s.algos[c]
            if leg.is_open:
                leg.status, leg.reason, leg.updated_ms = "CANCELLED", reason, now
        x.status, x.reason, x.updated_ms = "CANCELLED", reason, now
        if x.parent_id:
            root = self._s.algos[x.parent_id]
            if root.is_open and not any(self._s.algos[c].is_open for c in root.children):
                root.status, root.reason, root.updated_ms = "CANCELLED", reason, now
            self._algo_event(root, changed=x)
            return
        self._algo_event(x)

    # -- events
    def _algo_event(self, x: AlgoState, changed: AlgoState | None = None, *,
                    fill: tuple[Decimal, Decimal, Decimal, int] | None = None) -> None:
        """One AlgoEvent per leg or root that changed (legs of `x` too when it is a root)."""
        root = self._s.algos[x.root_id] if x.parent_id else x
        rows = [changed] if changed is not None else [x, *(self._s.algos[c] for c in x.children)]
        for row in rows:
            qty, price, fee, trade = fill if (fill and row.order_id) else (ZERO, ZERO, ZERO, 0)
            self._events.append(AlgoEvent(
                row.account_id, self._algo_view(row), root.status,
                trigger_status="SUCCESS" if row.is_triggered else "",
                last_fill_qty=qty, last_fill_price=price, fee=fee, trade_id=trade,
                reason=row.reason, trigger_time=row.trigger_time,
            ))

    # -- firing on the mark
    def _trigger_algos(self, symbol: str) -> None:
        """Fire the STOPs and legs the mark has reached (called on every mark move)."""
        mark = self._s.marks[symbol]
        for x in list(self._s.algos.values()):
            if x.symbol != symbol or not x.is_open or not x.fires_itself or x.is_triggered:
                continue
            if x.parent_id and not self._s.algos[x.parent_id].is_open:
                continue
            assert x.trigger_price is not None and x.side is not None
            if x.algo_type is AlgoType.STOP:
                reached = a.stop_fires(x.rising, x.trigger_price, mark)
            else:
                reached = a.fires(x.algo_type, x.side, x.trigger_price, mark)
            if reached and not self._liquidated_first(x):
                self._fire(x, mark)

    def _liquidated_first(self, x: AlgoState) -> bool:
        """A stop-loss beyond the position's liquidation price: the liquidation comes first."""
        if x.algo_type is not AlgoType.STOP_LOSS:
            return False
        acct = self._s.accounts[x.account_id]
        key = (x.symbol, x.margin_mode)
        pos = acct.positions.get(key)
        if pos is None or pos.qty == 0:
            return False
        liq = ledger.position_view(self._s, acct, key).est_liq_price
        assert x.trigger_price is not None
        return a.sl_beyond_liquidation(pos.qty, x.trigger_price, liq)

    def _fire(self, x: AlgoState, mark: Decimal) -> None:
        assert x.side is not None
        acct = self._s.accounts[x.account_id]
        pos = acct.positions.get((x.symbol, x.margin_mode))
        now = self._now()
        x.is_triggered, x.trigger_time, x.updated_ms = True, now, now
        qty = x.quantity
        if x.order_type is AlgoOrderType.CLOSE_POSITION or qty is None:
            qty = abs(pos.qty) if pos is not None else ZERO
        reduce = x.reduce_only or x.algo_type in a.LEG_TYPES
        if qty <= 0 or (reduce and (pos is None or pos.qty == 0)):
            self._finish_algo(x, "CANCELLED", "no position left to close")
            return
        limit = x.order_type is AlgoOrderType.LIMIT
        request = OrderRequest(
            symbol=x.symbol, side=x.side, order_type=OrderType.LIMIT if limit else OrderType.MARKET,
            quantity=qty, margin_mode=x.margin_mode, price=x.price if limit else None,
            reduce_only=reduce,
        )
        before = len(self._events)
        try:
            ack = OrderDesk.create_order(self, x.account_id, request)
        except EngineError as exc:
            self._finish_algo(x, "REJECTED", exc.message)
            return
        order = self._s.orders[ack.order_id]
        x.order_id = order.order_id
        x.executed, x.avg_price, x.fee_total = order.executed, order.avg_price, order.fee_total
        fill = self._last_fill(before, order.order_id)
        self._finish_algo(x, order.status, order.reason, fill=fill)

    def _last_fill(self, since: int, order_id: int) -> tuple[Decimal, Decimal, Decimal, int]:
        for event in reversed(self._events[since:]):
            if isinstance(event, ExecutionEvent) and event.order.order_id == order_id \
                    and event.last_fill_qty > 0:
                return (event.last_fill_qty, event.last_fill_price, event.fee, event.trade_id)
        return (ZERO, ZERO, ZERO, 0)

    def _finish_algo(self, x: AlgoState, status: str, reason: str, *,
                     fill: tuple[Decimal, Decimal, Decimal, int] | None = None) -> None:
        """A leg or STOP fired (or could not): its status, the sibling cancelled, the root."""
        now = self._now()
        x.status, x.reason, x.updated_ms = status, reason, now
        if not x.parent_id:
            self._algo_event(x, changed=x, fill=fill)
            return
        root = self._s.algos[x.parent_id]
        for c in root.children:
            sibling = self._s.algos[c]
            if sibling is not x and sibling.is_open:
                sibling.status, sibling.updated_ms = "CANCELLED", now
                sibling.reason = f"{x.algo_type.value} fired"
        root.is_triggered, root.trigger_time = True, now
        root.status, root.updated_ms = status, now
        root.executed, root.avg_price, root.fee_total = x.executed, x.avg_price, x.fee_total
        self._algo_event(root, changed=x, fill=fill)
        for c in root.children:
            if self._s.algos[c] is not x:
                self._algo_event(root, changed=self._s.algos[c])
        self._algo_event(root, changed=root)

    def _drop_orphan_algos(self, symbol: str) -> None:
        """TP/SL legs whose position is gone (closed or liquidated) are cancelled, as on Orderly."""
        for x in list(self._s.algos.values()):
            if x.symbol != symbol or not x.is_open or x.parent_id or x.algo_type is AlgoType.STOP:
                continue
            pos = self._s.accounts[x.account_id].positions.get((x.symbol, x.margin_mode))
            if pos is None or pos.qty == 0:
                self._cancel_algo(x, "position closed")
