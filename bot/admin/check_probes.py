"""`margin-desk check`: validate configuration, reach the exchange, inspect key and database.

Every finding is one line saying what is wrong and how to fix it; any failure exits non-zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from bot.errors import ConfigError, ExchangeError, ExchangeRejected
from bot.orderly.client import OrderlyClient
from bot.timing import Clock
from storage.preflight import DatabaseFault

KEY_EXPIRY_WARN_DAYS = 14
NEEDED_SCOPES = frozenset({"read", "trading"})


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass
class CheckReport:
    lines: list[tuple[Level, str]] = field(default_factory=list)

    def add(self, level: Level, text: str) -> None:
        self.lines.append((level, text))

    @property
    def failed(self) -> bool:
        return any(level is Level.FAIL for level, _ in self.lines)

    def render(self) -> str:
        return "\n".join(f"[{level.value:>4}] {text}" for level, text in self.lines)


async def check_exchange(
    client: OrderlyClient, report: CheckReport, clock: Clock, orderly_key: str
) -> None:
    """Reach the exchange and report status, clock skew, account, key scope/expiry, symbols."""
    try:
        info = await client.get_system_info()
    except ExchangeError as exc:
        report.add(Level.FAIL, f"exchange unreachable ({exc}); check ORDERLY_BASE_URL / network")
        return
    skew_ms = client.clock_skew_ms
    if info.in_maintenance:
        report.add(Level.WARN, f"exchange is in maintenance: {info.msg}")
    else:
        report.add(Level.OK, "exchange reachable")
    skew_level = Level.OK if abs(skew_ms) < 1000 else Level.WARN
    report.add(skew_level, f"clock skew {skew_ms / 1000:+.3f} s (corrected automatically)")
    try:
        markets = await client.get_markets()
    except ExchangeError as exc:
        report.add(Level.FAIL, f"cannot read symbols: {exc}")
        return
    names = ", ".join(m.base for m in markets[:8]) + (" …" if len(markets) > 8 else "")
    report.add(Level.OK, f"{len(markets)} symbols: {names}")
    await _check_key(client, report, clock, orderly_key)


async def _check_key(
    client: OrderlyClient, report: CheckReport, clock: Clock, orderly_key: str
) -> None:
    try:
        client_info = await client.get_client_info()
        keys = await client.get_key_info()
    except ExchangeRejected as exc:
        said = f"; the exchange said: {exc.message}" if exc.message else ""
        report.add(
            Level.FAIL,
            f"the exchange refused the key ({exc.explanation}{said}); "
            "check ORDERLY_ACCOUNT_ID, ORDERLY_KEY and ORDERLY_SECRET",
        )
        return
    except ExchangeError as exc:
        report.add(Level.FAIL, f"cannot read the account: {exc}")
        return
    report.add(Level.OK, f"account {client_info.account_id}")
    mine = next((k for k in keys if k.orderly_key == orderly_key), None)
    if mine is None:
        report.add(Level.WARN, "key not listed by /v1/client/key_info; cannot check scope/expiry")
        return
    missing = NEEDED_SCOPES - mine.scope
    if missing:
        report.add(
            Level.FAIL,
            f"key scope lacks {', '.join(sorted(missing))}; register a key with read,trading",
        )
    else:
        report.add(Level.OK, f"key scope {','.join(sorted(mine.scope))}")
    if "asset" in mine.scope:
        report.add(
            Level.WARN,
            "key has 'asset' scope (withdrawals): more than the bot needs; use read,trading",
        )
    days_left = (mine.expiration / 1000 - clock.time()) / 86400
    expires = datetime.fromtimestamp(mine.expiration / 1000, UTC).strftime("%Y-%m-%d")
    if days_left <= 0:
        report.add(Level.FAIL, f"key expired on {expires}; register a new Orderly key")
    elif days_left < KEY_EXPIRY_WARN_DAYS:
        report.add(Level.WARN, f"key expires in {days_left:.0f} days ({expires}); renew it soon")
    else:
        report.add(Level.OK, f"key valid until {expires} ({days_left:.0f} days)")


def check_database(open_db: Callable[[], object], path: str, report: CheckReport) -> bool:
    """Open and migrate the database, reporting a failure as one actionable line; True if ok."""
    try:
        db = open_db()
    except DatabaseFault as exc:  # already one line naming the file and what to do
        report.add(Level.FAIL, str(exc))
        return False
    except Exception as exc:  # any sqlite or OS error is a finding, not a crash
        report.add(Level.FAIL, f"database {path}: {exc}; check BOT_DB_PATH and permissions")
        return False
    close = getattr(getattr(db, "conn", None), "close", None)
    if callable(close):
        close()
    report.add(Level.OK, f"database {path} opened and migrated")
    return True


def config_problem(exc: Exception) -> str:
    """One line for a configuration error (pydantic or our own)."""
    if isinstance(exc, ConfigError):
        return str(exc)
    return " ".join(str(exc).split())
