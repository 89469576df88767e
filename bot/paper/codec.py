"""Engine state to and from a JSON-able dict: Decimals as strings, enums as their values."""

from __future__ import annotations

from dataclasses import asdict, fields
from decimal import Decimal
from typing import Any

from bot.domain.models import FundingFee, MarginMode, MarketInfo, OrderType, Side, Trade
from bot.paper import algo_state
from bot.paper.state import AccountState, OrderState, PosState, State

VERSION = 1


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _num(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _plain(obj: Any) -> dict[str, Any]:
    """A dataclass as a dict with Decimals as strings and enums as values."""
    out: dict[str, Any] = {}
    for name, value in asdict(obj).items():
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def _market(row: dict[str, Any]) -> MarketInfo:
    kw = {f.name: Decimal(row[f.name]) for f in fields(MarketInfo) if f.name != "symbol"}
    return MarketInfo(symbol=row["symbol"], **kw)


def _dump_account(acct: AccountState) -> dict[str, Any]:
    return {
        "account_id": acct.account_id,
        "holding": str(acct.holding),
        "updated_ms": acct.updated_ms,
        "positions": [
            {"symbol": s, "margin_mode": md.value, **_plain(p)}
            for (s, md), p in acct.positions.items()
        ],
        "leverage": [
            {"symbol": s, "margin_mode": md.value, "leverage": lev}
            for (s, md), lev in acct.leverage.items()
        ],
        "default_modes": {s: md.value for s, md in acct.default_modes.items()},
    }


def _load_account(row: dict[str, Any]) -> AccountState:
    acct = AccountState(row["account_id"], Decimal(row["holding"]), updated_ms=row["updated_ms"])
    for p in row["positions"]:
        acct.positions[(p["symbol"], MarginMode(p["margin_mode"]))] = PosState(
            qty=Decimal(p["qty"]), cost=Decimal(p["cost"]), margin=Decimal(p["margin"]),
            last_suf=Decimal(p["last_suf"]), avg_open=Decimal(p["avg_open"]),
            updated_ms=p["updated_ms"],
        )
    for lv in row["leverage"]:
        acct.leverage[(lv["symbol"], MarginMode(lv["margin_mode"]))] = int(lv["leverage"])
    acct.default_modes = {s: MarginMode(md) for s, md in row["default_modes"].items()}
    return acct


def _dump_order(o: OrderState) -> dict[str, Any]:
    row = _plain(o)
    row.update(side=o.side.value, order_type=o.order_type.value, margin_mode=o.margin_mode.value,
               price=_dec(o.price), avg_price=_dec(o.avg_price))
    return row


def _load_order(row: dict[str, Any]) -> OrderState:
    return OrderState(
        order_id=row["order_id"], account_id=row["account_id"], symbol=row["symbol"],
        side=Side(row["side"]), order_type=OrderType(row["order_type"]), price=_num(row["price"]),
        quantity=Decimal(row["quantity"]), margin_mode=MarginMode(row["margin_mode"]),
        leverage=int(row["leverage"]), opening_qty=Decimal(row["opening_qty"]),
        reduce_only=bool(row["reduce_only"]), client_order_id=row["client_order_id"],
        executed=Decimal(row["executed"]), avg_price=_num(row["avg_price"]),
        status=row["status"], created_ms=row["created_ms"], updated_ms=row["updated_ms"],
        fee_total=Decimal(row.get("fee_total") or "0"), reason=row.get("reason") or "",
    )


def _dump_trade(t: Trade) -> dict[str, Any]:
    return {**_plain(t), "side": t.side.value, "margin_mode": t.margin_mode.value}


def _load_trade(row: dict[str, Any]) -> Trade:
    money = ("executed_price", "executed_quantity", "fee", "realized_pnl")
    return Trade(**{**row, **{k: Decimal(row[k]) for k in money}, "side": Side(row["side"]),
                    "margin_mode": MarginMode(row["margin_mode"])})


def _load_funding(row: dict[str, Any]) -> FundingFee:
    money = ("funding_rate", "mark_price", "funding_fee")
    return FundingFee(**{**row, **{k: Decimal(row[k]) for k in money}})


def dump_state(state: State) -> dict[str, Any]:
    """The whole state as plain JSON types."""
    return {
        "version": VERSION,
        "markets": [_plain(mk) for mk in state.markets.values()],
        "marks": {s: str(p) for s, p in state.marks.items()},
        "suf": {s: str(v) for s, v in state.suf.items()},
        "last_funding": {s: str(v) for s, v in state.last_funding.items()},
        "accounts": [_dump_account(a) for a in state.accounts.values()],
        "orders": [_dump_order(o) for o in state.orders.values()],
        "next_order_id": state.next_order_id,
        "next_liquidation_id": state.next_liquidation_id,
        "trades": {a: [_dump_trade(t) for t in ts] for a, ts in state.trades.items()},
        "next_trade_id": state.next_trade_id,
        "algos": [algo_state.dump(a) for a in state.algos.values()],
        "next_algo_id": state.next_algo_id,
        "funding": {a: [_plain(f) for f in fs] for a, fs in state.funding.items()},
    }


def load_state(data: dict[str, Any]) -> State:
    """Rebuild the state written by dump_state."""
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported paper snapshot version {data.get('version')!r}")
    markets = [_market(r) for r in data["markets"]]
    accounts = [_load_account(r) for r in data["accounts"]]
    orders = [_load_order(r) for r in data["orders"]]
    return State(
        markets={mk.symbol: mk for mk in markets},
        marks={s: Decimal(v) for s, v in data["marks"].items()},
        suf={s: Decimal(v) for s, v in data["suf"].items()},
        last_funding={s: Decimal(v) for s, v in data["last_funding"].items()},
        accounts={a.account_id: a for a in accounts},
        orders={o.order_id: o for o in orders},
        next_order_id=data["next_order_id"],
        next_liquidation_id=data["next_liquidation_id"],
        trades={a: [_load_trade(t) for t in ts] for a, ts in data.get("trades", {}).items()},
        next_trade_id=data.get("next_trade_id", 1),  # snapshots from before the trade history
        algos={a.algo_order_id: a for a in map(algo_state.load, data.get("algos", []))},
        next_algo_id=data.get("next_algo_id", 1),  # snapshots from before algo orders
        funding={a: [_load_funding(f) for f in fs] for a, fs in data.get("funding", {}).items()},
    )
