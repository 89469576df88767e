"""Pure paper-exchange engine: accounts, leverage, orders, isolated/cross margin, liquidation.

INTERFACE CONTRACT (filled in by the engine work; the server codes against exactly this).
No I/O, no asyncio; time comes from an injected Clock. Every amount is a Decimal.
Errors are EngineError(code, message, http_status) with Orderly's codes (orderly-api.md §3).
Every state change appends typed events, which the server drains and pushes on WebSocket.
A mark move alone emits no event (unless it fills or liquidates); funding emits PositionEvents.

The internals live beside it: state (data), ledger (balances and margin), fills (position
changes), book (order rules), orders (order lifecycle), leverage, liquidation, codec (snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain import margin as m
from bot.domain.models import (
    AccountSummary,
    ClientInfo,
    FundingFee,
    FundingRate,
    Holding,
    LeverageSetting,
    Liquidation,
    MarginAction,
    MarginMode,
    MarketInfo,
    Position,
    PositionsSnapshot,
    Side,
    Ticker,
    Trade,
)
from bot.paper import codec, funding, ledger, liquidation, trades
from bot.paper import leverage as leverage_rules
from bot.paper.algos import AlgoDesk
from bot.paper.errors import EngineError
from bot.paper.events import (
    AlgoEvent,
    BalanceEvent,
    EngineEvent,
    ExecutionEvent,
    LeverageEvent,
    LiquidationEvent,
    PositionEvent,
)
from bot.paper.state import MAKER_FEE, TAKER_FEE, ZERO, State, new_account
from bot.paper.symbol_table import start_price_for
from bot.timing import Clock

__all__ = [
    "AlgoEvent", "BalanceEvent", "EngineError", "EngineEvent", "ExecutionEvent", "KeyRecord",
    "LeverageEvent", "LiquidationEvent", "PaperEngine", "PositionEvent",
]
FUNDING_PERIOD_MS = 8 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class KeyRecord:
    account_id: str
    orderly_key: str  # "ed25519:<base58 pubkey>"
    scope: frozenset[str]
    expiration_ms: int
    status: str = "ACTIVE"


class PaperEngine(AlgoDesk):
    """The whole exchange state for every paper account. Method names follow the REST calls."""

    def __init__(
        self, markets: list[MarketInfo], clock: Clock, marks: dict[str, Decimal] | None = None
    ) -> None:
        start = marks or {}
        self._clock = clock
        self._s = State(
            markets={mk.symbol: mk for mk in markets},
            marks={mk.symbol: start.get(mk.symbol) or start_price_for(mk) for mk in markets},
            suf={mk.symbol: ZERO for mk in markets},
            last_funding={mk.symbol: ZERO for mk in markets},
        )
        self._keys: dict[str, KeyRecord] = {}
        self._events: list[EngineEvent] = []

    # -- accounts and keys
    def create_account(self, account_id: str, balance: Decimal) -> None:
        if account_id in self._s.accounts:
            raise EngineError(-1007, f"account {account_id} already exists", 409)
        acct = new_account(account_id, balance, self._s.markets)
        acct.updated_ms = self._now()
        self._s.accounts[account_id] = acct
        self._push_balance(acct)

    def add_key(self, record: KeyRecord) -> None:
        self._acct(record.account_id)
        self._keys[record.orderly_key] = record

    def key(self, orderly_key: str) -> KeyRecord | None:
        return self._keys.get(orderly_key)

    def keys_of(self, account_id: str) -> list[KeyRecord]:
        return [k for k in self._keys.values() if k.account_id == account_id]

    def has_account(self, account_id: str) -> bool:
        return account_id in self._s.accounts

    # -- market data
    def markets(self) -> list[MarketInfo]:
        return list(self._s.markets.values())

    def market(self, symbol: str) -> MarketInfo:
        return self._market(symbol)

    def set_mark(self, symbol: str, price: Decimal) -> None:
        """Move the mark: fills crossing LIMIT orders, liquidates, appends events."""
        self.market(symbol)
        if price <= 0:
            raise EngineError(-1005, "mark price must be positive")
        self._s.marks[symbol] = price
        self._trigger_algos(symbol)
        self._fill_resting(symbol, price, MAKER_FEE)
        self._liquidate(symbol)
        self._drop_orphan_algos(symbol)

    def set_depth(self, symbol: str, qty: Decimal | None) -> None:
        """Resting liquidity: at most `qty` of the crossed resting orders fills per mark move
        (the rest stays open, PARTIAL_FILLED); None (the default) fills them whole."""
        self.market(symbol)
        if qty is None:
            self._s.depth.pop(symbol, None)
        elif qty <= 0:
            raise EngineError(-1005, "depth must be positive")
        else:
            self._s.depth[symbol] = qty

    def mark(self, symbol: str) -> Decimal:
        self.market(symbol)
        return self._s.marks[symbol]

    def tickers(self) -> list[Ticker]:
        def open_interest(symbol: str) -> Decimal:
            return sum(
                (p.qty for a in self._s.accounts.values() for (s, _), p in a.positions.items()
                 if s == symbol and p.qty > 0),
                ZERO,
            )

        return [
            Ticker(s, self._s.marks[s], self._s.marks[s], self._s.suf[s],
                   open_interest=open_interest(s))
            for s in self._s.markets
        ]

    def funding_rates(self) -> list[FundingRate]:
        next_time = (self._now() // FUNDING_PERIOD_MS + 1) * FUNDING_PERIOD_MS
        return [
            FundingRate(s, ZERO, self._s.last_funding[s], next_time, self._s.suf[s])
            for s in self._s.markets
        ]

    def apply_funding(self, symbol: str, delta_sum_unitary_funding: Decimal) -> None:
        """One funding epoch: advance sum_unitary_funding; positions' PnL and isolated liq prices
        move with it, and every open position gets a funding-fee history row (qty · Δ)."""
        self.market(symbol)
        rate = delta_sum_unitary_funding / self._s.marks[symbol]
        funding.record(self._s, symbol, delta_sum_unitary_funding, rate, self._now())
        self._s.suf[symbol] += delta_sum_unitary_funding
        self._s.last_funding[symbol] = rate
        for acct in self._s.accounts.values():
            if any(s == symbol for s, _ in acct.positions):
                self._push_positions(acct)
        self._liquidate(symbol)
        self._drop_orphan_algos(symbol)

    # -- leverage and default margin mode
    def get_leverage(self, account_id: str, symbol: str, mode: MarginMode) -> LeverageSetting:
        acct = self._acct(account_id)
        self.market(symbol)
        return LeverageSetting(symbol, mode, self._s.leverage_of(acct, symbol, mode))

    def get_leverages(self, account_id: str) -> list[LeverageSetting]:
        acct = self._acct(account_id)
        return [
            LeverageSetting(s, md, self._s.leverage_of(acct, s, md))
            for s in self._s.markets for md in MarginMode
        ]

    def set_leverage(
        self, account_id: str, leverage: int, symbol: str | None, mode: MarginMode
    ) -> list[LeverageSetting]:
        """Single (symbol given) or batch (symbol None) with the guide's rules; returns changed.

        Single mode always returns the resulting setting (for the response body), changed or not.
        """
        acct = self._acct(account_id)
        if symbol is None:
            changed = leverage_rules.set_batch(self._s, acct, mode, leverage)
            result = changed
        else:
            self.market(symbol)
            setting, did = leverage_rules.set_single(self._s, acct, symbol, mode, leverage)
            changed, result = ([setting] if did else []), [setting]
        for setting in changed:
            self._events.append(LeverageEvent(account_id, setting))
        if changed and acct.positions:
            self._push_positions(acct)
        return result

    def default_margin_modes(self, account_id: str) -> dict[str, MarginMode]:
        return dict(self._acct(account_id).default_modes)

    def set_default_margin_mode(self, account_id: str, symbol: str, mode: MarginMode) -> None:
        # The isolated guide: the default only fills in orders without margin_mode; it does not
        # restrict trading in either mode, so no position/order check here.
        acct = self._acct(account_id)
        self.market(symbol)
        acct.default_modes[symbol] = mode

    # -- isolated margin
    def adjust_margin(
        self, account_id: str, symbol: str, amount: Decimal, action: MarginAction
    ) -> None:
        acct = self._acct(account_id)
        market = self.market(symbol)
        pos = acct.positions.get((symbol, MarginMode.ISOLATED))
        if pos is None or pos.qty == 0:
            raise EngineError(-1006, "no isolated position")
        if amount <= 0:
            raise EngineError(-1005, "amount must be positive")
        if action is MarginAction.ADD:
            bound = ledger.max_add(self._s, acct)
        else:
            n = ledger.notional(self._s, symbol, pos)
            imr = m.imr_rate(market, self._s.leverage_of(acct, symbol, MarginMode.ISOLATED), n)
            bound = m.max_reduce(pos.margin, n, imr, ledger.upnl(self._s, symbol, pos))
        if amount > bound:
            raise EngineError(-1101, f"can {action.value.lower()} at most {bound:.2f} USDC")
        moved = amount if action is MarginAction.ADD else -amount
        pos.margin += moved
        acct.holding -= moved
        pos.updated_ms = acct.updated_ms = self._now()
        self._push_positions(acct)
        self._push_balance(acct)

    # -- reads
    def positions(self, account_id: str) -> PositionsSnapshot:
        acct = self._acct(account_id)
        snapshot = ledger.positions_view(self._s, acct)
        return PositionsSnapshot(ledger.summary(self._s, acct), snapshot)

    def position(self, account_id: str, symbol: str, mode: MarginMode) -> Position | None:
        acct = self._acct(account_id)
        self.market(symbol)
        pos = acct.positions.get((symbol, mode))
        return None if pos is None else ledger.position_view(self._s, acct, (symbol, mode))

    def holding(self, account_id: str) -> Holding:
        return ledger.holding_view(self._s, self._acct(account_id))

    def account_summary(self, account_id: str) -> AccountSummary:
        return ledger.summary(self._s, self._acct(account_id))

    def client_info(self, account_id: str) -> ClientInfo:
        self._acct(account_id)
        mks = self._s.markets.values()
        return ClientInfo(
            account_id=account_id,
            max_leverage=max(mk.max_leverage for mk in mks),
            taker_fee_rate=TAKER_FEE,
            maker_fee_rate=MAKER_FEE,
            imr_factor={mk.symbol: mk.imr_factor for mk in mks},
            max_notional={
                mk.symbol: m.max_notional_at(mk, mk.max_leverage).to_integral_value() for mk in mks
            },
        )

    # -- events and persistence
    def trades(
        self, account_id: str, symbol: str | None = None, start: int | None = None,
        end: int | None = None,
    ) -> list[Trade]:  # fmt: skip
        """GET /v1/trades: the account's fills in [start, end] ms, newest first (latest 500)."""
        self._acct(account_id)
        return trades.history(self._s, account_id, symbol, start, end)

    def funding_fees(
        self, account_id: str, symbol: str | None = None, start: int | None = None,
        end: int | None = None,
    ) -> list[FundingFee]:  # fmt: skip
        """GET /v1/funding_fee/history: the account's funding payments in [start, end] ms."""
        self._acct(account_id)
        return funding.history(self._s, account_id, symbol, start, end)

    def drain_events(self) -> list[EngineEvent]:
        events, self._events = self._events, []
        return events

    def snapshot(self) -> dict[str, Any]:
        """JSON-able state (Decimals as strings) for SQLite persistence."""
        data = codec.dump_state(self._s)
        data["keys"] = [
            {"account_id": k.account_id, "orderly_key": k.orderly_key, "scope": sorted(k.scope),
             "expiration_ms": k.expiration_ms, "status": k.status}
            for k in self._keys.values()
        ]
        return data

    @classmethod
    def restore(cls, data: dict[str, Any], clock: Clock) -> PaperEngine:
        state = codec.load_state(data)
        engine = cls(list(state.markets.values()), clock, dict(state.marks))
        engine._s = state
        for k in data.get("keys", []):
            engine._keys[k["orderly_key"]] = KeyRecord(
                k["account_id"], k["orderly_key"], frozenset(k["scope"]), int(k["expiration_ms"]),
                k["status"],
            )
        return engine

    # -- internals shared with OrderDesk
    def _liquidate(self, symbol: str) -> None:
        now = self._now()
        touched = {}
        for taken in liquidation.run(self._s, symbol, now):
            acct = self._s.accounts[taken.account_id]
            liq = Liquidation(self._s.next_liquidation_id, now, taken.symbol, taken.margin_mode,
                              taken.position_qty, taken.price)
            self._s.next_liquidation_id += 1
            side = Side.SELL if taken.position_qty > 0 else Side.BUY  # the taking-over fill
            trades.record(self._s, acct.account_id, taken.symbol, taken.margin_mode, side,
                          abs(taken.position_qty), taken.price, ZERO, taken.realized_pnl, now)
            self._events.append(LiquidationEvent(acct.account_id, liq, taken.margin_lost))
            for o in self._s.open_orders(acct.account_id):
                # Cross liquidation cancels the cross book; an isolated one its closing orders.
                if o.margin_mode is taken.margin_mode and (
                    taken.margin_mode is MarginMode.CROSS
                    or (o.symbol == taken.symbol and o.reduce_only)
                ):
                    self._cancel(o, push_balance=False, reason="liquidation")
            touched[acct.account_id] = acct
        for acct in touched.values():
            self._push_positions(acct)
            self._push_balance(acct)
