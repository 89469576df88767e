"""Per-symbol, per-mode leverage settings with the isolated guide's single and batch rules."""

from __future__ import annotations

from bot.domain import margin as m
from bot.domain.models import LeverageSetting, MarginMode
from bot.paper import ledger
from bot.paper.errors import EngineError
from bot.paper.state import AccountState, State

CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED


def check_range(leverage: int, most: int) -> None:
    """-1005 unless 1 ≤ leverage ≤ most."""
    if not 1 <= leverage <= most:
        raise EngineError(-1005, f"leverage must be between 1 and {most}")


def isolated_busy(state: State, acct: AccountState, symbol: str) -> bool:
    """True when the symbol has an open isolated position or a pending isolated order."""
    pos = acct.positions.get((symbol, ISOLATED))
    if pos is not None and pos.qty != 0:
        return True
    return any(o.margin_mode is ISOLATED for o in state.open_orders(acct.account_id, symbol))


def _cross_change_ok(state: State, acct: AccountState, new: dict[str, int]) -> bool:
    """Apply `new` cross leverages; keep them if every position fits, else roll back."""
    before = ledger.free_collateral(state, acct)
    old = {s: state.leverage_of(acct, s, CROSS) for s in new}
    for symbol, lev in new.items():
        acct.leverage[(symbol, CROSS)] = lev
    fits = all(
        ledger.notional(state, s, p) <= m.max_notional_at(state.markets[s], new[s])
        for (s, md), p in acct.positions.items()
        if md is CROSS and s in new
    )
    after = ledger.free_collateral(state, acct)
    # A change that leaves free collateral negative is refused only if it made things worse.
    if fits and (after >= 0 or after >= before):
        return True
    for symbol, lev in old.items():
        acct.leverage[(symbol, CROSS)] = lev
    return False


def set_single(
    state: State, acct: AccountState, symbol: str, mode: MarginMode, leverage: int
) -> tuple[LeverageSetting, bool]:
    """Set one (symbol, mode) leverage; returns the setting and whether it changed."""
    check_range(leverage, state.markets[symbol].max_leverage)
    current = state.leverage_of(acct, symbol, mode)
    setting = LeverageSetting(symbol, mode, leverage)
    if leverage == current:
        return setting, False
    if mode is ISOLATED:
        # Undocumented upstream for a single symbol; the batch rule (isolated symbols with a
        # position or pending order are skipped) suggests Orderly refuses it, so we do too.
        # It also keeps each isolated order's frozen margin tied to the leverage it used.
        if isolated_busy(state, acct, symbol):
            raise EngineError(
                -1101, "cannot change isolated leverage with an open isolated position or order"
            )
        acct.leverage[(symbol, ISOLATED)] = leverage
    elif not _cross_change_ok(state, acct, {symbol: leverage}):
        raise EngineError(-1101, f"margin is not enough for {leverage}x leverage")
    return setting, True


def set_batch(
    state: State, acct: AccountState, mode: MarginMode, leverage: int
) -> list[LeverageSetting]:
    """Every symbol to min(leverage, symbol max): CROSS all-or-nothing, ISOLATED where idle."""
    check_range(leverage, max(mk.max_leverage for mk in state.markets.values()))
    targets = {s: min(leverage, mk.max_leverage) for s, mk in state.markets.items()}
    if mode is ISOLATED:
        targets = {s: lev for s, lev in targets.items() if not isolated_busy(state, acct, s)}
    changed = {s: lev for s, lev in targets.items() if state.leverage_of(acct, s, mode) != lev}
    if mode is CROSS:
        if changed and not _cross_change_ok(state, acct, changed):
            raise EngineError(-1101, f"margin is not enough for {leverage}x leverage")
    else:
        for symbol, lev in changed.items():
            acct.leverage[(symbol, ISOLATED)] = lev
    return [LeverageSetting(s, mode, lev) for s, lev in sorted(changed.items())]
