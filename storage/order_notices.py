"""What the exchange showed of each order and what the chats were told (table order_notices),
liquidation trades already told, and a small key/value watermark (notice_meta).

A row's `seen_*` totals only grow (bot.domain.fills.Progress.merge); `told_*` are the totals
as of the last message or of the card that placed the order. A row whose two differ is news.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.domain.fills import OPEN, Progress, progress_of
from bot.domain.models import Liquidation, MarginMode, Order, OrderType, Side


@dataclass(frozen=True, slots=True)
class OrderNotice:
    order: Order
    seen: Progress
    told: Progress
    user_cancelled: bool

    @property
    def pending(self) -> bool:
        return self.seen != self.told


class OrderNoticeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- orders ---------------------------------------------------------------------------------
    def get(self, order_id: int) -> OrderNotice | None:
        rows = list(self._db.query("SELECT * FROM order_notices WHERE order_id = ?", [order_id]))
        return _notice(rows[0]) if rows else None

    def observe(self, order: Order, *, told_too: bool = False) -> OrderNotice:
        """Record what the exchange shows of an order now (merged with what was seen before);
        told_too also counts it as told (a baseline, or what a card already reported)."""
        current = self.get(order.order_id)
        seen = progress_of(order) if current is None else current.seen.merge(progress_of(order))
        latest = order if current is None or seen == progress_of(order) else current.order
        told = current.told if current is not None else Progress()
        if told_too:
            told = told.merge(progress_of(order))
        self._write(latest, seen, told, current.user_cancelled if current else False)
        return OrderNotice(latest, seen, told, current.user_cancelled if current else False)

    def mark_user_cancelled(self, order: Order) -> None:
        """The user asked the bot to cancel this order: its cancel needs no message."""
        current = self.get(order.order_id)
        if current is None:
            self._write(order, progress_of(order), progress_of(order), True)
        else:
            self._write(current.order, current.seen, current.told, True)

    def mark_told(self, order_id: int, told: Progress) -> None:
        self._db.execute(
            "UPDATE order_notices SET told_executed = ?, told_notional = ?, told_fee = ?,"
            " told_status = ? WHERE order_id = ?",
            [str(told.executed), str(told.notional), str(told.fee), told.status, order_id],
        )

    def pending(self) -> list[OrderNotice]:
        """Orders with news (seen ≠ told), oldest change first."""
        rows = self._db.query(
            "SELECT * FROM order_notices WHERE seen_executed != told_executed"
            " OR seen_status != told_status ORDER BY updated_ms, order_id"
        )
        return [n for n in map(_notice, rows) if n.pending]

    def open_ids(self) -> list[int]:
        """Orders last seen open (NEW or PARTIAL_FILLED)."""
        marks = ", ".join("?" for _ in OPEN)
        rows = self._db.query(
            f"SELECT order_id FROM order_notices WHERE seen_status IN ({marks})", sorted(OPEN)
        )
        return [r["order_id"] for r in rows]

    def forget(self, order_id: int) -> None:
        """Stop following an order the exchange no longer knows (nothing more will be told)."""
        self._db.execute("DELETE FROM order_notices WHERE order_id = ?", [order_id])

    def _write(self, order: Order, seen: Progress, told: Progress, user_cancelled: bool) -> None:
        self._db.execute(
            "INSERT INTO order_notices (order_id, symbol, order_json, seen_executed,"
            " seen_notional, seen_fee, seen_status, told_executed, told_notional, told_fee,"
            " told_status, user_cancelled, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (order_id) DO UPDATE SET order_json = excluded.order_json,"
            " seen_executed = excluded.seen_executed, seen_notional = excluded.seen_notional,"
            " seen_fee = excluded.seen_fee, seen_status = excluded.seen_status,"
            " told_executed = excluded.told_executed, told_notional = excluded.told_notional,"
            " told_fee = excluded.told_fee, told_status = excluded.told_status,"
            " user_cancelled = excluded.user_cancelled, updated_ms = excluded.updated_ms",
            [order.order_id, order.symbol, _order_json(order), str(seen.executed),
             str(seen.notional), str(seen.fee), seen.status, str(told.executed),
             str(told.notional), str(told.fee), told.status, int(user_cancelled),
             order.updated_time],
        )  # fmt: skip

    def in_flight(self, client_order_id: str) -> bool:
        """True while the press that placed this order is still running: its card is about
        to report the order, so a notice must wait for it."""
        rows = self._db.query(
            "SELECT 1 FROM approvals WHERE state = 'executing' AND intent IS NOT NULL"
            " AND json_extract(intent, '$.client_order_id') = ? LIMIT 1",
            [client_order_id],
        )
        return any(True for _ in rows)

    # ---- liquidations -------------------------------------------------------------------------
    def tell_liquidation(self, liq: Liquidation, now: float) -> bool:
        """Record a liquidation trade as told; False when it already was."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO liquidation_notices (liquidation_id, symbol, margin_mode,"
            " told_at) VALUES (?, ?, ?, ?)",
            [liq.liquidation_id, liq.symbol, liq.margin_mode.value, now],
        )
        return bool(cursor.rowcount)

    # ---- watermark ----------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        rows = list(self._db.query("SELECT value FROM notice_meta WHERE key = ?", [key]))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO notice_meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def _order_json(order: Order) -> str:
    row: dict[str, Any] = asdict(order)
    for key, value in row.items():
        if isinstance(value, Decimal):
            row[key] = str(value)
    row.update(side=order.side.value, order_type=order.order_type.value,
               margin_mode=order.margin_mode.value)  # fmt: skip
    return json.dumps(row, sort_keys=True)


def _order_from_json(text: str) -> Order:
    row = json.loads(text)
    dec = {"price", "quantity", "executed_quantity", "average_executed_price", "total_fee"}
    for key in dec:
        if row.get(key) is not None:
            row[key] = Decimal(row[key])
    row.update(side=Side(row["side"]), order_type=OrderType(row["order_type"]),
               margin_mode=MarginMode(row["margin_mode"]))  # fmt: skip
    return Order(**row)


def _progress(row: dict[str, Any], prefix: str) -> Progress:
    return Progress(Decimal(row[f"{prefix}_executed"]), Decimal(row[f"{prefix}_notional"]),
                    Decimal(row[f"{prefix}_fee"]), row[f"{prefix}_status"])  # fmt: skip


def _notice(row: dict[str, Any]) -> OrderNotice:
    return OrderNotice(_order_from_json(row["order_json"]), _progress(row, "seen"),
                       _progress(row, "told"), bool(row["user_cancelled"]))  # fmt: skip
