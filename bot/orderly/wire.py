"""Pydantic models of Orderly's REST JSON (snake_case) — the only parser of exchange JSON.

Bodies are parsed with jsoncodec.loads, so numbers arrive as int or Decimal; the `Num` type
refuses floats outright so a stray float can never slip into money. Each model turns into the
frozen domain dataclass through `to_domain()`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.domain import models as m
from bot.orderly import jsoncodec


def _number(value: Any) -> Decimal:
    """A finite Decimal, or ValueError (which pydantic reports as a malformed reply)."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {str(value)[:20]!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("a float would lose precision; parse JSON with jsoncodec.loads")
    if isinstance(value, int | str | Decimal) and not isinstance(value, bool):
        return _number(value)
    return value


def _whole(value: Any) -> Any:
    if isinstance(value, Decimal | str) and not isinstance(value, bool):
        number = _number(value)
        if number != number.to_integral_value():
            raise ValueError(f"expected a whole number, got {value}")
        return int(number)
    return value


def _text(value: Any) -> Any:
    # client_order_id is typed as a number in the SPEC example; ids are strings to us
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


Num = Annotated[Decimal, BeforeValidator(_exact)]
Int = Annotated[int, BeforeValidator(_whole)]
Text = Annotated[str, BeforeValidator(_text)]
ZERO = Decimal(0)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(_Wire):
    """`{success, data?, timestamp?}` or the error form `{success:false, code, message}`."""

    success: bool
    data: Any = None
    timestamp: Int | None = None
    code: Int | None = None
    message: str | None = None


def parse_envelope(raw: str | bytes) -> Envelope:
    """Parse a response body; ValueError when it is not an Orderly envelope."""
    payload = jsoncodec.loads(raw)
    if not isinstance(payload, dict):
        raise ValueError("response body is not a JSON object")
    return Envelope.model_validate(payload)


def rows(data: Any, key: str = "rows") -> list[Any]:
    """The list under data.rows; a bare object counts as one row, null as none."""
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get(key), list):
        return data[key]
    return [data]


class MarketRow(_Wire):
    symbol: str
    quote_min: Num
    quote_max: Num
    quote_tick: Num
    base_min: Num
    base_max: Num
    base_tick: Num
    min_notional: Num
    price_range: Num
    base_imr: Num
    base_mmr: Num
    imr_factor: Num

    def to_domain(self) -> m.MarketInfo:
        return m.MarketInfo(**self.model_dump())


class TickerRow(_Wire):
    symbol: str
    mark_price: Num
    index_price: Num
    sum_unitary_funding: Num = ZERO
    est_funding_rate: Num = ZERO
    open_interest: Num = ZERO

    def to_domain(self) -> m.Ticker:
        return m.Ticker(**self.model_dump())


class FundingRateRow(_Wire):
    symbol: str
    est_funding_rate: Num
    last_funding_rate: Num
    next_funding_time: Int
    sum_unitary_funding: Num

    def to_domain(self) -> m.FundingRate:
        return m.FundingRate(**self.model_dump())


class SystemInfoData(_Wire):
    status: Int
    msg: str = ""
    server_time_ms: Int = 0  # the envelope timestamp, merged in by the client

    def to_domain(self) -> m.SystemInfo:
        return m.SystemInfo(**self.model_dump())


class LeverageRow(_Wire):
    symbol: str
    margin_mode: m.MarginMode = m.MarginMode.CROSS
    leverage: Int

    def to_domain(self) -> m.LeverageSetting:
        return m.LeverageSetting(self.symbol, self.margin_mode, self.leverage)


class MarginModeRow(_Wire):
    symbol: str
    default_margin_mode: m.MarginMode

    def to_domain(self) -> tuple[str, m.MarginMode]:
        return (self.symbol, self.default_margin_mode)


class OrderAckData(_Wire):
    order_id: Int
    client_order_id: Text | None = None
    order_type: m.OrderType
    order_price: Num | None = None
    order_quantity: Num | None = None

    def to_domain(self) -> m.OrderAck:
        return m.OrderAck(
            self.order_id, self.client_order_id or None, self.order_type,
            self.order_price, self.order_quantity,
        )


class StatusData(_Wire):
    """`{status: CANCEL_SENT | CANCEL_ALL_SENT | EDIT_SENT}`."""

    status: str

    def to_domain(self) -> str:
        return self.status


class OrderRow(_Wire):
    order_id: Int
    symbol: str
    side: m.Side
    type: m.OrderType
    price: Num | None = None
    quantity: Num
    executed_quantity: Num = ZERO
    status: str
    margin_mode: m.MarginMode = m.MarginMode.CROSS
    reduce_only: bool | None = None
    client_order_id: Text | None = None
    average_executed_price: Num | None = None
    total_fee: Num | None = None
    created_time: Int = 0
    updated_time: Int = 0

    def to_domain(self) -> m.Order:
        done = self.executed_quantity
        avg = self.average_executed_price if done else None
        return m.Order(
            order_id=self.order_id, symbol=self.symbol, side=self.side, order_type=self.type,
            price=self.price, quantity=self.quantity, executed_quantity=done,
            status=self.status, margin_mode=self.margin_mode,
            reduce_only=bool(self.reduce_only), client_order_id=self.client_order_id or None,
            average_executed_price=avg, created_time=self.created_time,
            updated_time=self.updated_time, total_fee=self.total_fee or ZERO,
        )


class PageMeta(_Wire):
    total: Int | None = None


class OrdersPage(_Wire):
    """`{meta:{total, records_per_page, current_page}, rows:[…]}` of GET /v1/orders."""

    rows: list[OrderRow] = Field(default_factory=list)
    meta: PageMeta = PageMeta()

    def to_domain(self) -> tuple[list[m.Order], int | None]:
        return [r.to_domain() for r in self.rows], self.meta.total


class PositionRow(_Wire):
    symbol: str
    margin_mode: m.MarginMode = m.MarginMode.CROSS
    position_qty: Num
    cost_position: Num
    average_open_price: Num = ZERO
    mark_price: Num
    est_liq_price: Num | None = None
    unsettled_pnl: Num = ZERO
    last_sum_unitary_funding: Num = ZERO
    imr: Num = ZERO
    mmr: Num = ZERO
    leverage: Int
    margin: Num = ZERO
    settle_price: Num = ZERO
    pending_long_qty: Num = ZERO
    pending_short_qty: Num = ZERO
    timestamp: Int = 0

    def to_domain(self) -> m.Position:
        fields = self.model_dump()
        liq = self.est_liq_price
        fields["est_liq_price"] = liq if liq is not None and liq > 0 else None
        return m.Position(**fields)


class TradeRow(_Wire):
    """One row of GET /v1/trades (`order_id` is null on a liquidation's fills)."""

    id: Int
    symbol: str
    side: m.Side
    executed_price: Num
    executed_quantity: Num
    fee: Num = ZERO
    realized_pnl: Num | None = None  # null for fills older than Orderly's 24 h window
    executed_timestamp: Int = 0
    margin_mode: m.MarginMode = m.MarginMode.CROSS
    order_id: Int | None = None
    is_maker: Int | bool = 0

    def to_domain(self) -> m.Trade:
        return m.Trade(
            trade_id=self.id, symbol=self.symbol, side=self.side,
            executed_price=self.executed_price, executed_quantity=self.executed_quantity,
            fee=self.fee, realized_pnl=self.realized_pnl or ZERO,
            executed_timestamp=self.executed_timestamp, margin_mode=self.margin_mode,
            order_id=self.order_id, is_maker=bool(self.is_maker),
            realized_known=self.realized_pnl is not None,
        )


class TradesPage(_Wire):
    """`{meta, rows:[TradeRow]}` of GET /v1/trades (meta may be absent)."""

    rows: list[TradeRow] = Field(default_factory=list)
    meta: PageMeta = PageMeta()

    def to_domain(self) -> tuple[list[m.Trade], int | None]:
        return [r.to_domain() for r in self.rows], self.meta.total


class FundingFeeRow(_Wire):
    """One row of GET /v1/funding_fee/history (funding_fee > 0 paid, < 0 received)."""

    symbol: str
    funding_rate: Num = ZERO
    mark_price: Num = ZERO
    funding_fee: Num
    payment_type: str = ""
    status: str = ""
    created_time: Int = 0
    updated_time: Int = 0

    def to_domain(self) -> m.FundingFee:
        return m.FundingFee(**self.model_dump())


class FundingFeePage(_Wire):
    """`{meta:{total, records_per_page, current_page}, rows:[FundingFeeRow]}`."""

    rows: list[FundingFeeRow] = Field(default_factory=list)
    meta: PageMeta = PageMeta()

    def to_domain(self) -> tuple[list[m.FundingFee], int | None]:
        return [r.to_domain() for r in self.rows], self.meta.total


class AccountData(_Wire):
    """Totals of GET /v1/account_info, also the head of GET /v1/positions."""

    free_collateral: Num
    total_collateral_value: Num
    margin_ratio: Num | None = None
    initial_margin_ratio: Num | None = None
    maintenance_margin_ratio: Num | None = None
    account_value: Num | None = None

    def to_domain(self) -> m.AccountSummary:
        return m.AccountSummary(**self.model_dump(include=set(AccountData.model_fields)))


class PositionsData(AccountData):
    rows: list[PositionRow] = Field(default_factory=list)

    def to_domain(self) -> m.PositionsSnapshot:  # type: ignore[override]
        """Open positions only (Orderly also lists closed rows with qty 0)."""
        open_rows = tuple(r.to_domain() for r in self.rows if r.position_qty != 0)
        return m.PositionsSnapshot(account=AccountData.to_domain(self), positions=open_rows)


class HoldingRow(_Wire):
    token: str
    holding: Num
    frozen: Num = ZERO
    pending_short: Num = ZERO
    isolated_margin: Num = ZERO
    isolated_order_frozen: Num = ZERO
    updated_time: Int = 0
    account_id: str | None = None

    def to_domain(self) -> m.Holding:
        return m.Holding(**self.model_dump())


class ClientInfoData(_Wire):
    account_id: str
    max_leverage: Int
    taker_fee_rate: Num
    maker_fee_rate: Num
    imr_factor: dict[str, Num] = Field(default_factory=dict)
    max_notional: dict[str, Num] = Field(default_factory=dict)

    def to_domain(self) -> m.ClientInfo:
        return m.ClientInfo(**self.model_dump())


class KeyInfoRow(_Wire):
    orderly_key: str
    scope: str = ""
    expiration: Int = 0
    key_status: str = ""

    def to_domain(self) -> m.KeyInfo:
        scope = frozenset(s.strip() for s in self.scope.split(",") if s.strip())
        return m.KeyInfo(self.orderly_key, scope, self.expiration, self.key_status)
