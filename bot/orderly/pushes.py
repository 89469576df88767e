"""Typed stream events, and the conversion of Orderly's camelCase WS pushes into them (§5).

Pure: no I/O. Numbers arrive as Decimal/int from jsoncodec.loads and stay Decimal. A missing
optional field takes a neutral default; a missing essential field (symbol, quantity, price)
or a malformed value raises ValueError, which the stream logs before skipping the push.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bot.domain.algo import AlgoExecution
from bot.domain.models import (
    Holding,
    LeverageSetting,
    Liquidation,
    MarginMode,
    MarkPrice,
    Order,
    OrderType,
    Position,
    Side,
)
from bot.orderly.algo_wire import AlgoReportRow, report_rows

ZERO = Decimal(0)
_MISSING = object()


class ConnectionState(StrEnum):
    CONNECTED = "connected"  # authenticated (private) and every topic subscription sent
    DISCONNECTED = "disconnected"  # a connected session ended; the stream is reconnecting
    AUTH_FAILED = "auth_failed"  # the server refused our auth; the stream backs off and retries


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    state: ConnectionState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class MarkPricesEvent:
    prices: tuple[MarkPrice, ...]


@dataclass(frozen=True, slots=True)
class PositionsEvent:
    positions: tuple[Position, ...]  # as pushed; key them by (symbol, margin_mode)
    ts: int = 0


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    order: Order
    last_fill_qty: Decimal  # 0 for a status change without a fill
    last_fill_price: Decimal
    fee: Decimal
    reason: str = ""
    trade_id: int = 0  # 0 for a status change without a fill
    timestamp: int = 0  # ms


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    holdings: tuple[Holding, ...]
    ts: int = 0


@dataclass(frozen=True, slots=True)
class AccountEvent:
    leverages: tuple[LeverageSetting, ...]  # from accountDetail.symbolLeverage (may be empty)
    free_collateral: Decimal | None = None
    total_collateral_value: Decimal | None = None
    ts: int = 0


@dataclass(frozen=True, slots=True)
class LiquidationEvent:
    liquidations: tuple[Liquidation, ...]  # one per liquidated position (positionsByPerp)


@dataclass(frozen=True, slots=True)
class AlgoReportEvent:
    """An `algoexecutionreport` push: algo orders (roots or legs) placed, fired, cancelled."""

    reports: tuple[AlgoExecution, ...]


StreamEvent = (
    AlgoReportEvent
    | ConnectionEvent
    | MarkPricesEvent
    | PositionsEvent
    | ExecutionEvent
    | BalanceEvent
    | AccountEvent
    | LiquidationEvent
)


def dec(value: Any, default: Any = _MISSING) -> Decimal:
    """A Decimal from a JSON number or numeric string; default when None (else ValueError)."""
    if value is None:
        if default is _MISSING:
            raise ValueError("missing number")
        return default
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError(f"not a number: {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _opt(value: Any) -> Decimal | None:
    return None if value is None else dec(value)


def _int(value: Any, default: int = 0) -> int:
    return default if value is None else int(dec(value))


def _str(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"missing {key}")
    return value


def _mode(value: Any) -> MarginMode:
    # Rows from before isolated margin existed carry no marginMode: they are CROSS.
    return MarginMode(str(value).upper()) if value else MarginMode.CROSS


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value


def parse_mark(row: dict[str, Any], ts: int) -> MarkPrice:
    return MarkPrice(symbol=_str(row, "symbol"), price=dec(row.get("price")), ts=ts)


def parse_position(row: dict[str, Any], ts: int = 0) -> Position:
    """One `position` push row; estLiqPrice ≤ 0 means no liquidation price (None)."""
    est = _opt(row.get("estLiqPrice"))
    return Position(
        symbol=_str(row, "symbol"),
        margin_mode=_mode(row.get("marginMode")),
        position_qty=dec(row.get("positionQty")),
        cost_position=dec(row.get("costPosition"), ZERO),
        average_open_price=dec(row.get("averageOpenPrice"), ZERO),
        mark_price=dec(row.get("markPrice"), ZERO),
        est_liq_price=est if est is not None and est > 0 else None,
        unsettled_pnl=dec(row.get("unsettledPnl"), ZERO),
        last_sum_unitary_funding=dec(row.get("lastSumUnitaryFunding"), ZERO),
        imr=dec(row.get("imr"), ZERO),
        mmr=dec(row.get("mmr"), ZERO),
        leverage=_int(row.get("leverage")),  # 0 = not reported
        margin=dec(row.get("margin"), ZERO),
        settle_price=dec(row.get("settlePrice"), ZERO),
        pending_long_qty=dec(row.get("pendingLongQty"), ZERO),
        pending_short_qty=dec(row.get("pendingShortQty"), ZERO),
        timestamp=_int(row.get("timestamp"), ts),
    )


def parse_execution(row: dict[str, Any]) -> ExecutionEvent:
    """One `executionreport` row -> the order's state plus the fill it reports."""
    price = _opt(row.get("price"))
    avg = _opt(row.get("avgExecutedPrice"))
    client_id = row.get("clientOrderId")
    ts = _int(row.get("timestamp"))
    order = Order(
        order_id=_int(row.get("orderId"), -1),
        symbol=_str(row, "symbol"),
        side=Side(_str(row, "side").upper()),
        order_type=OrderType(_str(row, "type").upper()),
        price=price if price else None,  # market orders report price 0
        quantity=dec(row.get("quantity"), ZERO),
        executed_quantity=dec(row.get("totalExecutedQuantity"), ZERO),
        status=str(row.get("status") or ""),
        margin_mode=_mode(row.get("marginMode")),
        reduce_only=bool(row.get("reduceOnly") or False),
        client_order_id=None if client_id in (None, "") else str(client_id),
        average_executed_price=avg if avg else None,
        created_time=ts,
        updated_time=ts,
        total_fee=dec(row.get("totalFee"), ZERO),
        reason=str(row.get("reason") or ""),
    )
    return ExecutionEvent(
        order=order,
        last_fill_qty=dec(row.get("executedQuantity"), ZERO),
        last_fill_price=dec(row.get("executedPrice"), ZERO),
        fee=dec(row.get("fee"), ZERO),
        reason=order.reason,
        trade_id=_int(row.get("tradeId")),
        timestamp=ts,
    )


def parse_holding(token: str, row: dict[str, Any], ts: int = 0) -> Holding:
    """One token of the `balance` push (isolatedMargin / isolatedOrderFrozen are camelCase)."""
    pending = row.get("pendingShort", row.get("pendingShortQty"))
    return Holding(
        token=token,
        holding=dec(row.get("holding")),
        frozen=dec(row.get("frozen"), ZERO),
        pending_short=dec(pending, ZERO),
        isolated_margin=dec(row.get("isolatedMargin"), ZERO),
        isolated_order_frozen=dec(row.get("isolatedOrderFrozen"), ZERO),
        updated_time=ts,
    )


def parse_leverage(row: dict[str, Any]) -> LeverageSetting:
    return LeverageSetting(
        symbol=_str(row, "symbol"),
        margin_mode=_mode(row.get("marginMode")),
        leverage=int(dec(row.get("leverage"))),
    )


def parse_account(data: dict[str, Any], ts: int = 0) -> AccountEvent:
    """The `account` push: per-symbol leverage changes plus collateral totals when present."""
    detail = _dict(data.get("accountDetail") or {}, "accountDetail")
    raw = detail.get("symbolLeverage")
    rows = _list(raw, "symbolLeverage") if raw else []
    return AccountEvent(
        leverages=tuple(parse_leverage(_dict(r, "symbolLeverage")) for r in rows),
        free_collateral=_opt(detail.get("freeCollateral")),
        total_collateral_value=_opt(detail.get("totalCollateralValue")),
        ts=ts,
    )


def parse_liquidations(rows: list[Any]) -> tuple[Liquidation, ...]:
    """Flatten `liquidationsaccount`: one Liquidation per entry of positionsByPerp."""
    out: list[Liquidation] = []
    for raw in rows:
        row = _dict(raw, "liquidation")
        liq_id, ts = _int(row.get("liquidationId")), _int(row.get("timestamp"))
        to_fund = dec(row.get("transferAmountToInsuranceFund"), ZERO)
        for perp in _list(row.get("positionsByPerp") or [], "positionsByPerp"):
            perp = _dict(perp, "positionsByPerp row")
            out.append(
                Liquidation(
                    liquidation_id=liq_id,
                    timestamp=ts,
                    symbol=_str(perp, "symbol"),
                    margin_mode=_mode(perp.get("marginMode")),
                    position_qty=dec(perp.get("positionQty"), ZERO),
                    transfer_price=dec(perp.get("transferPrice"), ZERO),
                    cost_position_transfer=dec(perp.get("costPositionTransfer"), ZERO),
                    liquidator_fee=dec(perp.get("liquidatorFee"), ZERO),
                    insurance_fund_fee=dec(perp.get("insuranceFundFee"), ZERO),
                    abs_liquidation_fee=dec(perp.get("absLiquidationFee"), ZERO),
                    transfer_amount_to_insurance_fund=to_fund,
                )
            )
    return tuple(out)


def parse_push(msg: dict[str, Any]) -> list[StreamEvent]:
    """The typed events of one `{topic, ts, data}` push; empty for a topic we do not use."""
    topic, data = msg.get("topic"), msg.get("data")
    ts = _int(msg.get("ts"))
    if not isinstance(topic, str):
        return []
    if topic == "markprices":
        rows = _list(data, "markprices")
        return [MarkPricesEvent(tuple(parse_mark(_dict(r, "mark"), ts) for r in rows))]
    if topic.endswith("@markprice"):
        return [MarkPricesEvent((parse_mark(_dict(data, "markprice"), ts),))]
    if topic == "position":
        rows = _list(_dict(data, "position").get("positions") or [], "positions")
        return [PositionsEvent(tuple(parse_position(_dict(r, "position"), ts) for r in rows), ts)]
    if topic == "executionreport":
        return [parse_execution(_dict(r, "executionreport")) for r in _list(data, "execution")]
    if topic == "balance":
        balances = _dict(_dict(data, "balance").get("balances") or {}, "balances")
        holdings = tuple(parse_holding(t, _dict(r, t), ts) for t, r in balances.items())
        return [BalanceEvent(holdings, ts)]
    if topic == "account":
        return [parse_account(_dict(data, "account"), ts)]
    if topic == "liquidationsaccount":
        return [LiquidationEvent(parse_liquidations(_list(data, "liquidationsaccount")))]
    if topic == "algoexecutionreport":
        return [AlgoReportEvent(parse_algo_reports(data))]
    return []


def parse_algo_reports(data: Any) -> tuple[AlgoExecution, ...]:
    """The rows of an `algoexecutionreport` push (a list; one object is accepted too)."""
    return tuple(AlgoReportRow.model_validate(_dict(r, "algoexecutionreport")).to_domain()
                 for r in report_rows(data))
