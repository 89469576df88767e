"""The schema, as an ordered list of sqlite-utils migrations applied at every open.

Append new migrations at the end; never edit one that has shipped. Each runs in one transaction
together with its record in ``_sqlite_migrations``. Money columns are TEXT (exact Decimal),
times are REAL epoch seconds, structured values are JSON TEXT.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

# Registered once at import and never changed afterwards: a constant, not mutable state.
MIGRATIONS = Migrations("margin_desk")

APPROVAL_STATES = ("pending", "executing", "done", "failed", "unknown", "cancelled", "expired")


@MIGRATIONS(name="0001_initial")
def _initial(db: Database) -> None:
    states = ", ".join(f"'{s}'" for s in APPROVAL_STATES)
    db.executescript(
        f"""
        CREATE TABLE approvals (
            token       TEXT PRIMARY KEY,
            kind        TEXT NOT NULL,
            chat_id     INTEGER NOT NULL,
            user_id     INTEGER NOT NULL,
            action      TEXT NOT NULL,
            amount      TEXT,
            state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ({states})),
            created_at  REAL NOT NULL,
            expires_at  REAL NOT NULL,
            claimed_at  REAL,
            intent      TEXT,
            intent_at   REAL,
            detail      TEXT,
            finished_at REAL
        );
        CREATE INDEX approvals_by_state ON approvals (state, expires_at);
        CREATE INDEX approvals_by_chat ON approvals (chat_id, kind, claimed_at);

        CREATE TABLE audit_log (
            id       INTEGER PRIMARY KEY,
            chat_id  INTEGER NOT NULL,
            user_id  INTEGER,
            command  TEXT NOT NULL,
            params   TEXT NOT NULL,
            outcome  TEXT NOT NULL,
            detail   TEXT NOT NULL DEFAULT '',
            at       REAL NOT NULL
        );
        CREATE INDEX audit_log_by_chat ON audit_log (chat_id, at, id);

        CREATE TABLE chats (
            chat_id        INTEGER PRIMARY KEY,
            user_id        INTEGER,
            started_at     REAL,
            per_action_cap TEXT,
            per_day_cap    TEXT,
            alerts_enabled INTEGER NOT NULL DEFAULT 1,
            info_notes     INTEGER NOT NULL DEFAULT 1
        );

        CREATE TABLE thresholds (
            chat_id      INTEGER NOT NULL,
            symbol       TEXT NOT NULL,
            warn_pct     TEXT,
            critical_pct TEXT,
            enabled      INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (chat_id, symbol)
        );

        CREATE TABLE alert_state (
            chat_id          INTEGER NOT NULL,
            symbol           TEXT NOT NULL,
            margin_mode      TEXT NOT NULL,
            level            TEXT NOT NULL DEFAULT 'none',
            episode_id       TEXT,
            first_sent_at    REAL,
            last_sent_at     REAL,
            next_reminder_at REAL,
            snooze_until     REAL,
            armed            TEXT,
            last_distance    TEXT,
            position_sig     TEXT,
            extra            TEXT NOT NULL DEFAULT '{{}}',
            updated_at       REAL,
            PRIMARY KEY (chat_id, symbol, margin_mode)
        );
        """
    )


@MIGRATIONS(name="0002_mode_default_margin_modes")
def _default_margin_modes(db: Database) -> None:
    # A chat's default margin mode per symbol (`/mode`); no row means isolated.
    db.executescript(
        """
        CREATE TABLE default_modes (
            chat_id     INTEGER NOT NULL,
            symbol      TEXT NOT NULL,
            margin_mode TEXT NOT NULL CHECK (margin_mode IN ('CROSS', 'ISOLATED')),
            updated_at  REAL NOT NULL,
            PRIMARY KEY (chat_id, symbol)
        );
        """
    )


@MIGRATIONS(name="0003_settle_request_lifetime")
def _request_lifetime(db: Database) -> None:
    # sent_ts_ms: the orderly-timestamp a write was signed with (exchange ms), recorded before
    # sending; lands_by: local epoch seconds after which that request can no longer apply
    # (Orderly's timestamp window plus the client timeout). NULL on rows from before this.
    db.executescript(
        """
        ALTER TABLE approvals ADD COLUMN sent_ts_ms INTEGER;
        ALTER TABLE approvals ADD COLUMN lands_by REAL;
        """
    )


@MIGRATIONS(name="0004_settle_reported_at")
def _reported_at(db: Database) -> None:
    # reported_at: when the chat was shown the final outcome of a pressed approval (the card's
    # edit or a settlement notice was delivered). A crash between recording an outcome and
    # showing it leaves it NULL, and start-up tells the chat. Rows already finished count as
    # reported: nothing old is re-announced.
    db.executescript(
        """
        ALTER TABLE approvals ADD COLUMN reported_at REAL;
        UPDATE approvals SET reported_at = COALESCE(finished_at, created_at)
            WHERE state IN ('done', 'failed');
        """
    )


@MIGRATIONS(name="0005_fills_order_notices")
def _fills_order_notices(db: Database) -> None:
    """Fill and order notices: per order what the exchange showed and what chats were told
    (so nothing is announced twice, across WebSocket/REST and restarts), liquidation trades
    told, a sync watermark, and each chat's /notify switches."""
    db.executescript(
        """
        CREATE TABLE order_notices (
            order_id       INTEGER PRIMARY KEY,
            symbol         TEXT NOT NULL,
            order_json     TEXT NOT NULL,
            seen_executed  TEXT NOT NULL DEFAULT '0',
            seen_notional  TEXT NOT NULL DEFAULT '0',
            seen_fee       TEXT NOT NULL DEFAULT '0',
            seen_status    TEXT NOT NULL DEFAULT '',
            told_executed  TEXT NOT NULL DEFAULT '0',
            told_notional  TEXT NOT NULL DEFAULT '0',
            told_fee       TEXT NOT NULL DEFAULT '0',
            told_status    TEXT NOT NULL DEFAULT '',
            user_cancelled INTEGER NOT NULL DEFAULT 0,
            updated_ms     INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX order_notices_open ON order_notices (seen_status);

        CREATE TABLE liquidation_notices (
            liquidation_id INTEGER NOT NULL,
            symbol         TEXT NOT NULL,
            margin_mode    TEXT NOT NULL,
            told_at        REAL NOT NULL,
            PRIMARY KEY (liquidation_id, symbol, margin_mode)
        );

        CREATE TABLE notice_meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        ALTER TABLE chats ADD COLUMN notify_fills INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE chats ADD COLUMN notify_orders INTEGER NOT NULL DEFAULT 1;
        """
    )


@MIGRATIONS(name="0006_pnl_chat_clock")
def _pnl_chat_clock(db: Database) -> None:
    """Each chat's time zone (/tz; no row = UTC) and its morning summary (/daily HH:MM): the
    local time in minutes after midnight and the last local date it was sent (ISO), so the
    schedule is rebuilt from here at start-up and a day is never summarised twice."""
    db.executescript(
        """
        CREATE TABLE chat_zones (
            chat_id INTEGER PRIMARY KEY,
            zone    TEXT NOT NULL
        );
        CREATE TABLE daily_summaries (
            chat_id   INTEGER PRIMARY KEY,
            at_min    INTEGER NOT NULL CHECK (at_min BETWEEN 0 AND 1439),
            last_sent TEXT
        );
        """
    )


@MIGRATIONS(name="0007_menus_notice_prefs")
def _menus_notice_prefs(db: Database) -> None:
    """Per-chat notice switches beyond fills/orders (one row per kind switched; no row = on)
    and each chat's quiet hours (minutes after the chat's local midnight)."""
    db.executescript(
        """
        CREATE TABLE notice_prefs (
            chat_id INTEGER NOT NULL,
            kind    TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            PRIMARY KEY (chat_id, kind)
        );
        CREATE TABLE notice_quiet (
            chat_id   INTEGER PRIMARY KEY,
            start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
            end_min   INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1439)
        );
        """
    )


@MIGRATIONS(name="0008_risk_mark_history_budgets")
def _risk_mark_history_budgets(db: Database) -> None:
    """Mark price history for /chart (downsampled: a point per 10 s for the last hour, per
    minute up to 24 h, then pruned) and each chat's /budget per symbol."""
    db.executescript(
        """
        CREATE TABLE mark_history (
            symbol TEXT NOT NULL,
            ts     REAL NOT NULL,
            price  TEXT NOT NULL,
            PRIMARY KEY (symbol, ts)
        ) WITHOUT ROWID;

        CREATE TABLE budgets (
            chat_id    INTEGER NOT NULL,
            symbol     TEXT NOT NULL,
            amount     TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (chat_id, symbol)
        );
        """
    )
