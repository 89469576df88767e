"""Domain objects -> Orderly's wire dicts: snake_case REST rows and camelCase WebSocket payloads.

Decimals stay Decimal (jsoncodec.dumps writes them as exact JSON numbers); None becomes null.
Fields the paper engine does not model are filled with Orderly's neutral values (0, "", false).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.domain.models import (
    AccountSummary,
    ClientInfo,
    FundingFee,
    FundingRate,
    Holding,
    LeverageSetting,
    MarketInfo,
    Order,
    OrderAck,
    Position,
    PositionsSnapshot,
    Ticker,
    Trade,
)
from bot.paper.engine import ExecutionEvent, KeyRecord, LiquidationEvent

Row = dict[str, Any]
ZERO = Decimal(0)
FUNDING_PERIOD_H = 8


# ---- REST (snake_case) ---------------------------------------------------------------------
def market_row(m: MarketInfo) -> Row:
    return {
        "symbol": m.symbol, "quote_min": m.quote_min, "quote_max": m.quote_max,
        "quote_tick": m.quote_tick, "base_min": m.base_min, "base_max": m.base_max,
        "base_tick": m.base_tick, "min_notional": m.min_notional, "price_range": m.price_range,
        "price_scope": m.price_range, "std_liquidation_fee": Decimal("0.024"),
        "liquidator_fee": Decimal("0.012"), "claim_insurance_fund_discount": ZERO,
        "funding_period": FUNDING_PERIOD_H, "cap_funding": Decimal("0.0075"),
        "floor_funding": Decimal("-0.0075"), "cap_ir": Decimal("0.0001"),
        "floor_ir": Decimal("-0.0001"), "interest_rate": Decimal("0.0001"),
        "imr_factor": m.imr_factor, "base_imr": m.base_imr, "base_mmr": m.base_mmr,
        "liquidation_tier": None, "global_max_oi_cap": None, "created_time": 0, "updated_time": 0,
    }


def funding_row(f: FundingRate, now: int) -> Row:
    return {
        "symbol": f.symbol, "est_funding_rate": f.est_funding_rate,
        "est_funding_rate_timestamp": now, "last_funding_rate": f.last_funding_rate,
        "last_funding_rate_timestamp": f.next_funding_time - FUNDING_PERIOD_H * 3_600_000,
        "next_funding_time": f.next_funding_time, "sum_unitary_funding": f.sum_unitary_funding,
    }


def ticker_row(t: Ticker, funding: FundingRate | None) -> Row:
    mark = t.mark_price
    return {
        "symbol": t.symbol, "index_price": t.index_price, "mark_price": mark,
        "sum_unitary_funding": t.sum_unitary_funding, "est_funding_rate": t.est_funding_rate,
        "last_funding_rate": funding.last_funding_rate if funding else ZERO,
        "next_funding_time": funding.next_funding_time if funding else 0,
        "open_interest": t.open_interest, "24h_open": mark, "24h_close": mark,
        "24h_high": mark, "24h_low": mark, "24h_amount": ZERO, "24h_volume": ZERO,
    }


def leverage_row(s: LeverageSetting) -> Row:
    return {"symbol": s.symbol, "margin_mode": s.margin_mode.value, "leverage": s.leverage}


def order_ack_row(a: OrderAck) -> Row:
    return {
        "order_id": a.order_id, "client_order_id": a.client_order_id,
        "order_type": a.order_type.value, "order_price": a.price, "order_quantity": a.quantity,
        "order_amount": None, "error_message": "none",
    }


def order_row(o: Order) -> Row:
    return {
        "order_id": o.order_id, "user_id": 0, "price": o.price, "type": o.order_type.value,
        "quantity": o.quantity, "amount": None, "executed_quantity": o.executed_quantity,
        "total_executed_quantity": o.executed_quantity, "visible_quantity": o.quantity,
        "symbol": o.symbol, "side": o.side.value, "status": o.status, "total_fee": o.total_fee,
        "fee_asset": "USDC", "client_order_id": o.client_order_id,
        "average_executed_price": o.average_executed_price, "created_time": o.created_time,
        "updated_time": o.updated_time, "realized_pnl": ZERO, "reduce_only": o.reduce_only,
        "order_tag": "default", "margin_mode": o.margin_mode.value,
    }


def trade_row(t: Trade) -> Row:
    """One row of GET /v1/trades (also the shape of GET /v1/trade/{id})."""
    return {
        "id": t.trade_id, "symbol": t.symbol, "fee": t.fee, "fee_asset": "USDC",
        "side": t.side.value, "order_id": t.order_id, "executed_price": t.executed_price,
        "executed_quantity": t.executed_quantity, "executed_timestamp": t.executed_timestamp,
        "is_maker": int(t.is_maker), "realized_pnl": t.realized_pnl, "match_id": t.trade_id,
        "margin_token": "USDC", "margin_change_qty": ZERO, "margin_mode": t.margin_mode.value,
    }


def funding_fee_row(f: FundingFee) -> Row:
    """One row of GET /v1/funding_fee/history (funding_fee > 0 paid, < 0 received)."""
    return {
        "symbol": f.symbol, "funding_rate": f.funding_rate, "mark_price": f.mark_price,
        "funding_fee": f.funding_fee, "payment_type": f.payment_type, "status": f.status,
        "created_time": f.created_time, "updated_time": f.updated_time or f.created_time,
    }


def position_row(p: Position) -> Row:
    return {
        "symbol": p.symbol, "position_qty": p.position_qty, "cost_position": p.cost_position,
        "average_open_price": p.average_open_price, "settle_price": p.settle_price,
        "mark_price": p.mark_price, "est_liq_price": p.est_liq_price or ZERO,
        "unsettled_pnl": p.unsettled_pnl, "last_sum_unitary_funding": p.last_sum_unitary_funding,
        "accrued_funding_fee": ZERO, "imr": p.imr, "mmr": p.mmr, "IMR_withdraw_orders": p.imr,
        "MMR_with_orders": p.mmr, "pending_long_qty": p.pending_long_qty,
        "pending_short_qty": p.pending_short_qty, "pnl_24_h": ZERO, "fee_24_h": ZERO,
        "leverage": p.leverage, "margin_mode": p.margin_mode.value, "margin": p.margin,
        "seq": p.timestamp, "timestamp": p.timestamp, "updated_time": p.timestamp,
    }


def account_row(a: AccountSummary) -> Row:
    """GET /v1/account_info data; also the totals part of GET /v1/positions."""
    return {
        "current_margin_ratio_with_orders": a.margin_ratio, "free_collateral": a.free_collateral,
        "initial_margin_ratio": a.initial_margin_ratio,
        "initial_margin_ratio_with_orders": a.initial_margin_ratio,
        "maintenance_margin_ratio": a.maintenance_margin_ratio,
        "maintenance_margin_ratio_with_orders": a.maintenance_margin_ratio,
        "margin_ratio": a.margin_ratio, "open_margin_ratio": a.margin_ratio,
        "total_collateral_value": a.total_collateral_value, "account_value": a.account_value,
        "total_pnl_24h": ZERO,
    }


def positions_data(s: PositionsSnapshot) -> Row:
    data = account_row(s.account)
    data["total_pnl_24_h"] = data.pop("total_pnl_24h")
    data["rows"] = [position_row(p) for p in s.positions]
    return data


def holding_row(h: Holding) -> Row:
    row: Row = {
        "token": h.token, "holding": h.holding, "frozen": h.frozen,
        "pending_short": h.pending_short, "isolated_margin": h.isolated_margin,
        "isolated_order_frozen": h.isolated_order_frozen, "updated_time": h.updated_time,
    }
    return row if h.account_id is None else {"account_id": h.account_id, **row}


def client_info_row(c: ClientInfo) -> Row:
    return {
        "account_id": c.account_id, "email": "", "account_mode": "FUTURES",
        "max_leverage": c.max_leverage, "taker_fee_rate": c.taker_fee_rate,
        "maker_fee_rate": c.maker_fee_rate, "futures_taker_fee_rate": c.taker_fee_rate,
        "futures_maker_fee_rate": c.maker_fee_rate, "rwa_taker_fee_rate": c.taker_fee_rate,
        "rwa_maker_fee_rate": c.maker_fee_rate, "maintenance_cancel_orders": False,
        "imr_factor": dict(c.imr_factor), "max_notional": dict(c.max_notional),
    }


def key_info_row(k: KeyRecord) -> Row:
    return {
        "orderly_key": k.orderly_key, "key_status": k.status, "scope": ",".join(sorted(k.scope)),
        "expiration": k.expiration_ms, "ip_restriction_status": "NO",
        "ip_restriction_list": [], "tag": "paper",
    }


# ---- WebSocket (camelCase) -----------------------------------------------------------------
def ws_position(p: Position) -> Row:
    return {
        "symbol": p.symbol, "positionQty": p.position_qty, "costPosition": p.cost_position,
        "lastSumUnitaryFunding": p.last_sum_unitary_funding, "sumUnitaryFundingVersion": 0,
        "pendingLongQty": p.pending_long_qty, "pendingShortQty": p.pending_short_qty,
        "settlePrice": p.settle_price, "averageOpenPrice": p.average_open_price,
        "unsettledPnl": p.unsettled_pnl, "pnl24H": ZERO, "fee24H": ZERO,
        "markPrice": p.mark_price, "estLiqPrice": p.est_liq_price or ZERO, "version": p.timestamp,
        "imrwithOrders": p.imr, "mmrwithOrders": p.mmr, "mmr": p.mmr, "imr": p.imr,
        "seq": p.timestamp, "timestamp": p.timestamp, "updated_time": p.timestamp,
        "leverage": p.leverage, "marginMode": p.margin_mode.value, "margin": p.margin,
    }


def ws_execution(e: ExecutionEvent, seq: int) -> Row:
    """One `executionreport` row: this fill (0s for a status change) and the order's totals."""
    o = e.order
    filled = e.last_fill_qty > 0
    return {
        "symbol": o.symbol, "clientOrderId": o.client_order_id or "", "orderId": o.order_id,
        "type": o.order_type.value, "side": o.side.value, "quantity": o.quantity,
        "price": o.price if o.price is not None else ZERO, "tradeId": e.trade_id,
        "executedPrice": e.last_fill_price, "executedQuantity": e.last_fill_qty, "fee": e.fee,
        "feeAsset": "USDC", "totalExecutedQuantity": o.executed_quantity,
        "avgExecutedPrice": o.average_executed_price or ZERO, "status": o.status,
        "reason": o.reason, "totalFee": o.total_fee, "visibleQuantity": o.quantity,
        "timestamp": o.updated_time, "marginMode": o.margin_mode.value,
        "maker": filled and o.order_type.value == "LIMIT" and e.last_fill_price == o.price,
        "match_id": e.trade_id, "seq": seq,
    }


def ws_balance(h: Holding) -> Row:
    usdc = {
        "holding": h.holding, "frozen": h.frozen, "interest": ZERO,
        "pendingShortQty": h.pending_short, "pendingExposure": ZERO, "pendingLongQty": ZERO,
        "pendingLongExposure": ZERO, "isolatedMargin": h.isolated_margin,
        "isolatedOrderFrozen": h.isolated_order_frozen, "version": h.updated_time,
        "staked": ZERO, "unbonding": ZERO, "vault": ZERO, "averageOpenPrice": ZERO,
        "pnl24H": ZERO, "fee24H": ZERO, "markPrice": Decimal(1),
    }
    return {"balances": {h.token: usdc}}


def ws_account(s: LeverageSetting, info: ClientInfo | None) -> Row:
    detail: Row = {"symbolLeverage": {
        "leverage": s.leverage, "symbol": s.symbol, "marginMode": s.margin_mode.value}}
    if info is not None:
        detail = {
            "marginMode": s.margin_mode.value, "futuresLeverage": info.max_leverage,
            "takerFeeRate": info.taker_fee_rate, "makerFeeRate": info.maker_fee_rate,
            "futuresTakerFeeRate": info.taker_fee_rate,
            "futuresMakerFeeRate": info.maker_fee_rate, "maintenanceCancelFlag": False,
            **detail,
        }
    return {"accountDetail": detail}


def ws_liquidation(e: LiquidationEvent) -> list[Row]:
    """The liquidationsaccount payload; the margin the account lost goes to the insurance fund."""
    liq = e.liquidation
    return [{
        "liquidationId": liq.liquidation_id, "timestamp": liq.timestamp,
        "transferAmountToInsuranceFund": e.margin_lost,
        "positionsByPerp": [{
            "symbol": liq.symbol, "positionQty": liq.position_qty,
            "costPositionTransfer": liq.position_qty * liq.transfer_price,
            "transferPrice": liq.transfer_price, "liquidatorFee": ZERO,
            "insuranceFundFee": ZERO, "absLiquidationFee": ZERO,
            "marginMode": liq.margin_mode.value,
        }],
    }]


def ws_mark(symbol: str, price: Decimal) -> Row:
    return {"symbol": symbol, "price": price}
