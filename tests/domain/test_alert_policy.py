"""The liquidation alert policy, scenario by scenario, with explicit times (alert-policy.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from decimal import Decimal as D

import pytest

from bot.domain.alert_policy import (
    Decision,
    DecisionKind,
    Level,
    Observation,
    PolicyState,
    Thresholds,
    evaluate,
    is_snoozed,
    next_deadline,
    quiet_band,
    snooze,
    state_from_dict,
    unsnooze,
)
from bot.domain.alert_rules import NO_LIMIT

TH = Thresholds()  # warning 5 %, critical 2.5 %
ALERT, REMIND, BACK = DecisionKind.ALERT, DecisionKind.REMINDER, DecisionKind.RECOVERED
DEEPER, CLOSED, LIQ = DecisionKind.DEEPENED, DecisionKind.CLOSED, DecisionKind.LIQUIDATED
NONE, WARN, CRIT = Level.NONE, Level.WARNING, Level.CRITICAL
SEEN = PolicyState(seen=True, fingerprint="long 1 ETH / 250")


def obs(distance: str | None, **kw: object) -> Observation:
    return Observation(None if distance is None else D(distance), **kw)  # type: ignore[arg-type]


def run(
    steps: Sequence[tuple[float, Observation]], state: PolicyState = SEEN, th: Thresholds = TH
) -> tuple[PolicyState, list[tuple[float, DecisionKind, Level]]]:
    """Feed (time, observation) pairs; the final state and every decision as (t, kind, level)."""
    said: list[tuple[float, DecisionKind, Level]] = []
    for t, o in steps:
        state, decisions = evaluate(state, o, th, t)
        said += [(t, d.kind, d.level) for d in decisions]
    return state, said


def marks(start: float, end: float, every: float, distance: str) -> list[tuple[float, Observation]]:
    """A steady mark feed at one distance, one update every `every` seconds."""
    count = int((end - start) / every)
    return [(start + i * every, obs(distance)) for i in range(count + 1)]


def drive_timers(state: PolicyState, until: float, distance: str, th: Thresholds = TH):
    """Run the monitor's timer loop (evaluate at each next_deadline) with an unchanging mark."""
    said: list[tuple[float, DecisionKind, Level]] = []
    while (t := next_deadline(state, th)) is not None and t <= until:
        state, decisions = evaluate(state, obs(distance, timer=True), th, t)
        said += [(t, d.kind, d.level) for d in decisions]
    return state, said


# -- entering zones ---------------------------------------------------------------------------
def test_crossing_warning_alerts_once_on_the_second_consecutive_update() -> None:
    state, said = run([(0, obs("0.06")), (1, obs("0.049")), (2, obs("0.048")), (3, obs("0.047"))])
    assert said == [(2, ALERT, WARN)]
    assert state.level is WARN and state.episode == 1


@pytest.mark.parametrize("distance", ["0.05", "0.0499", "0.026"])
def test_warning_threshold_is_inclusive(distance: str) -> None:
    assert run([(0, obs(distance)), (1, obs(distance))])[1] == [(1, ALERT, WARN)]


def test_a_single_dip_below_warning_says_nothing() -> None:
    steps = [(0, obs("0.049")), (1, obs("0.051")), (2, obs("0.049")), (3, obs("0.06"))]
    state, said = run(steps)
    assert said == [] and state.level is NONE and state.pending_warning == 0


def test_oscillating_around_the_warning_line_never_flaps() -> None:
    pattern = ["0.049", "0.051", "0.048", "0.07", "0.049", "0.0624", "0.05", "0.0626"]
    steps = [(float(i), obs(pattern[i % len(pattern)])) for i in range(2, 1500)]  # 25 min, 1/s
    state, said = run([(0, obs("0.049")), (1, obs("0.049")), *steps])
    assert said == [(1, ALERT, WARN)]  # one alert, no recovered spam, nothing else
    assert state.level is WARN


def test_straight_to_critical_on_the_first_update_below_it() -> None:
    state, said = run([(0, obs("0.09")), (1, obs("0.02"))])
    assert said == [(1, ALERT, CRIT)]
    assert state.episode == 1


def test_critical_threshold_is_inclusive_and_beats_the_debounce() -> None:
    assert run([(0, obs("0.09")), (5, obs("0.025"))])[1] == [(5, ALERT, CRIT)]


def test_escalation_from_warning_is_a_new_alert_in_the_same_episode() -> None:
    steps = [(0, obs("0.04")), (1, obs("0.04")), (9, obs("0.02")), (10, obs("0.04"))]
    state, said = run(steps)
    assert said == [(1, ALERT, WARN), (9, ALERT, CRIT)]  # critical mutes the warning at t=10
    assert state.level is CRIT and state.episode == 1


def test_no_liquidation_price_is_safe() -> None:
    assert run([(t, obs(None)) for t in range(5)]) == (SEEN, [])


# -- reminders ---------------------------------------------------------------------------------
def critical_at(t: float) -> PolicyState:
    state, said = run([(t, obs("0.02"))])
    assert said == [(t, ALERT, CRIT)]
    return state


def test_critical_reminders_every_5_min_for_30_min_then_every_30_min() -> None:
    _, said = drive_timers(critical_at(1000), 1000 + 3 * 3600, "0.02")
    minutes = [(t - 1000) / 60 for t, kind, level in said if kind is REMIND and level is CRIT]
    assert minutes == [5, 10, 15, 20, 25, 30, 60, 90, 120, 150, 180]
    assert {kind for _, kind, _ in said} == {REMIND}


def test_a_dense_mark_feed_reminds_on_the_same_grid() -> None:
    _, said = run(marks(1010, 1000 + 3600, 10, "0.02"), state=critical_at(1000))
    assert [(t - 1000) / 60 for t, _, _ in said] == [5, 10, 15, 20, 25, 30, 60]


def test_warning_reminds_once_after_30_min() -> None:
    state, _said = run([(0, obs("0.04")), (1, obs("0.04"))])
    _, later = drive_timers(state, 6 * 3600, "0.04")
    assert later == [(1801, REMIND, WARN)]
    assert run(marks(6, 4 * 3600, 5, "0.04"), state=state)[1] == [(1801, REMIND, WARN)]


def test_opened_in_critical_reminds_on_the_normal_schedule() -> None:
    state, said = run([(0, obs("0.02"))], state=PolicyState())
    assert said == [(0, ALERT, CRIT)]
    times = [t for t, _, _ in drive_timers(state, 1800, "0.02")[1]]
    assert times == [300, 600, 900, 1200, 1500, 1800]


# -- snooze --------------------------------------------------------------------------------------
def test_snooze_holds_reminders_but_an_escalation_breaks_through() -> None:
    state, _ = run([(0, obs("0.04")), (1, obs("0.04"))])
    state = snooze(state, 3601)  # 1 h
    state, said = run([(600, obs("0.02"))], state=state)
    assert said == [(600, ALERT, CRIT)]
    assert is_snoozed(state, 3600) and not is_snoozed(state, 3601)
    _, said = drive_timers(state, 600 + 7200, "0.02")
    # reminders held until the snooze ends (one then), then back on the grid from t=600
    assert [t for t, _, _ in said] == [3601, 600 + 3600, 600 + 5400, 600 + 7200]


def test_snooze_mutes_a_warning_alert_and_the_30_min_reminder_catches_up() -> None:
    state = snooze(SEEN, 900)
    state, said = run([(10, obs("0.04")), (11, obs("0.04"))], state=state)
    assert said == [] and state.level is WARN and state.episode == 1
    assert drive_timers(state, 7200, "0.04")[1] == [(1811, REMIND, WARN)]


def test_a_reminder_held_by_a_long_snooze_goes_out_when_it_ends() -> None:
    state, _ = run([(0, obs("0.04")), (1, obs("0.04"))])
    state = snooze(state, 5000)
    assert next_deadline(state, TH) == 5000
    assert drive_timers(state, 9000, "0.04")[1] == [(5000, REMIND, WARN)]
    assert drive_timers(unsnooze(state), 9000, "0.04")[1] == [(1801, REMIND, WARN)]


def test_snooze_is_cleared_by_a_position_change_and_by_a_close() -> None:
    state, _ = run([(0, obs("0.02"))])
    state = snooze(state, 10_000)
    same, _ = run([(1, obs("0.02", fingerprint=SEEN.fingerprint))], state=state)
    assert same.snooze_until == 10_000
    changed, said = run([(2, obs("0.02", fingerprint="long 2 ETH / 250"))], state=state)
    assert changed.snooze_until is None and said == []
    assert drive_timers(changed, 301, "0.02")[1] == [(300, REMIND, CRIT)]
    closed, _ = run([(3, obs(None, closed=True))], state=state)
    assert closed.snooze_until is None


def test_recovered_is_not_muted_by_a_snooze() -> None:
    state = snooze(critical_at(0), 10_000)
    assert run([(10, obs("0.1")), (70, obs("0.1"))], state=state)[1] == [(70, BACK, NONE)]


# -- recovery (hysteresis) ----------------------------------------------------------------------
def warning_at(t: float) -> PolicyState:
    state, said = run([(t, obs("0.04")), (t + 1, obs("0.04"))])
    assert said == [(t + 1, ALERT, WARN)]
    return state


def test_recovery_needs_the_rearm_line_held_60_s_and_fires_once() -> None:
    state = warning_at(0)
    steps = [(100, obs("0.0625")), (130, obs("0.07")), (159, obs("0.07")), (160, obs("0.07"))]
    state, said = run([*steps, (161, obs("0.07")), (400, obs("0.08"))], state=state)
    assert said == [(160, BACK, NONE)]
    assert state.level is NONE and state.episode == 1 and state.rearm_since is None


def test_dipping_below_the_rearm_line_restarts_the_hold() -> None:
    steps = [(100, obs("0.07")), (150, obs("0.062")), (151, obs("0.07")), (210, obs("0.07"))]
    assert run([*steps, (211, obs("0.07"))], state=warning_at(0))[1] == [(211, BACK, NONE)]


def test_recovery_fires_from_the_timer_at_the_deadline() -> None:
    state, _ = run([(100, obs("0.07"))], state=warning_at(0))
    assert next_deadline(state, TH) == 160
    assert drive_timers(state, 1000, "0.07")[1] == [(160, BACK, NONE)]


def test_critical_recovers_to_warning_first_when_still_below_the_warning_rearm_line() -> None:
    steps = [(10, obs("0.04")), (69, obs("0.04")), (70, obs("0.04"))]
    state, said = run(steps, state=critical_at(0))
    assert said == [(70, BACK, WARN)]
    assert state.level is WARN and state.entered_at == 70
    state, said = run([(80, obs("0.07")), (140, obs("0.07"))], state=state)
    assert said == [(140, BACK, NONE)]


def test_critical_straight_to_none_with_one_recovered() -> None:
    assert run([(10, obs("0.1")), (70, obs("0.1"))], state=critical_at(0))[1] == [(70, BACK, NONE)]


def test_a_recovery_names_the_level_it_left() -> None:
    def left(steps: list[tuple[float, Observation]], state: PolicyState) -> list[Level]:
        out: list[Level] = []
        for t, o in steps:
            state, decisions = evaluate(state, o, TH, t)
            out += [d.left for d in decisions if d.kind is BACK]
        return out

    assert left([(10, obs("0.04")), (70, obs("0.04"))], critical_at(0)) == [CRIT]  # → warning
    assert left([(10, obs("0.1")), (70, obs("0.1"))], critical_at(0)) == [CRIT]  # → none
    assert left([(10, obs("0.1")), (70, obs("0.1"))], warning_at(0)) == [WARN]  # → none


def test_critical_recovery_waits_for_a_running_warning_rearm_hold() -> None:
    steps = [(10, obs("0.04")), (40, obs("0.1")), (70, obs("0.1")), (100, obs("0.1"))]
    assert run(steps, state=critical_at(0))[1] == [(100, BACK, NONE)]
    steps = [(10, obs("0.04")), (40, obs("0.1")), (70, obs("0.1")), (80, obs("0.05"))]
    assert run(steps, state=critical_at(0))[1] == [(80, BACK, WARN)]  # the W' hold broke


def test_a_new_episode_after_recovery_needs_the_debounce_again() -> None:
    state, _ = run([(100, obs("0.07")), (160, obs("0.07"))], state=warning_at(0))
    state, said = run([(200, obs("0.04")), (201, obs("0.04"))], state=state)
    assert said == [(201, ALERT, WARN)] and state.episode == 2


# -- stale data ---------------------------------------------------------------------------------
def test_stale_observations_never_debounce_or_alert() -> None:
    steps = [(t, obs(d, fresh=False)) for t, d in [(0, "0.04"), (1, "0.04"), (2, "0.01")]]
    state, said = run(steps)
    assert said == [] and state == SEEN
    assert run([(3, obs("0.04")), (4, obs("0.04"))], state=state)[1] == [(4, ALERT, WARN)]


def test_stale_observations_never_recover_and_reset_the_hold() -> None:
    state = warning_at(0)
    steps = [(100, obs("0.07")), (160, obs("0.07", fresh=False)), (200, obs("0.07", fresh=False))]
    state, said = run(steps, state=state)
    assert said == [] and state.level is WARN and state.rearm_since is None
    assert drive_timers(state, 1000, "0.07")[1] == []  # nothing scheduled until the reminder
    assert run([(201, obs("0.07")), (261, obs("0.07"))], state=state)[1] == [(261, BACK, NONE)]


def test_stale_data_does_not_escalate_but_reminders_keep_their_time() -> None:
    state = warning_at(0)
    assert run([(10, obs("0.01", fresh=False))], state=state)[1] == []
    assert run([(1801, obs("0.01", fresh=False))], state=state)[1] == [(1801, REMIND, WARN)]


def test_a_stale_first_look_is_ignored() -> None:
    state, said = run([(0, obs("0.04", fresh=False, fingerprint="x"))], state=PolicyState())
    assert (state, said) == (PolicyState(), [])


# -- opened inside a zone, closed, liquidated ---------------------------------------------------
def test_opened_inside_warning_alerts_audibly_once_then_only_critical_alerts() -> None:
    steps = [(0, obs("0.04", fingerprint="a")), (1, obs("0.04")), (2, obs("0.045"))]
    _state, said = run([*steps, (50, obs("0.03")), (60, obs("0.02"))], state=PolicyState())
    assert said == [(0, ALERT, WARN), (60, ALERT, CRIT)]
    first = evaluate(PolicyState(), obs("0.04"), TH, 0)[1]
    assert first == [Decision(ALERT, WARN, D("0.04"), 1, opened=True)]
    assert not first[0].silent


def test_opened_inside_critical_is_the_audible_critical_alert() -> None:
    state, first = evaluate(PolicyState(), obs("0.014", fingerprint="a"), TH, 0)
    assert first == [Decision(ALERT, CRIT, D("0.014"), 1, opened=True)]
    assert not first[0].silent and state.level is CRIT


def test_a_snooze_left_over_never_mutes_the_first_alert_of_a_position() -> None:
    state = snooze(PolicyState(), 10_000)
    assert run([(0, obs("0.04", fingerprint="a"))], state=state)[1] == [(0, ALERT, WARN)]


def test_opened_outside_any_zone_says_nothing() -> None:
    state, said = run([(0, obs("0.09"))], state=PolicyState())
    assert said == [] and state.seen and state.level is NONE


def test_close_and_liquidation_end_the_episode_once() -> None:
    state, said = run([(5, obs("0.03", closed=True)), (6, obs(None, closed=True))], warning_at(0))
    assert said == [(5, CLOSED, WARN)]
    assert state.level is NONE and state.episode == 1 and not state.seen
    both = obs(None, closed=True, liquidated=True)
    state, said = run([(5, both), (6, obs(None, liquidated=True))], state=critical_at(0))
    assert said == [(5, LIQ, CRIT)]
    assert run([(0, both)], state=PolicyState())[1] == []  # never seen: nothing to end


def test_closing_a_calm_position_is_a_silent_note() -> None:
    said = evaluate(SEEN, obs(None, closed=True), TH, 0)[1]
    assert said == [Decision(CLOSED, NONE, None, 0, silent=True)]


def test_a_position_reopened_after_a_close_is_a_new_episode() -> None:
    state, _ = run([(5, obs(None, closed=True))], state=critical_at(0))
    state, said = run([(9, obs("0.04", fingerprint="b"))], state=state)
    assert said == [(9, ALERT, WARN)] and state.episode == 2


# -- disabled alerts ------------------------------------------------------------------------------
def test_disabled_alerts_say_nothing_and_reenabling_alerts_debounced() -> None:
    off = replace(TH, enabled=False)
    steps = [(0, obs("0.02")), (1, obs("0.02")), (2, obs(None, liquidated=True))]
    assert run(steps, state=critical_at(-5), th=off)[1] == []
    state, _ = run([(0, obs("0.04")), (1, obs("0.04"))], state=critical_at(-5), th=off)
    assert state.level is NONE and next_deadline(state, off) is None
    assert run([(2, obs("0.04")), (3, obs("0.04"))], state=state)[1] == [(3, ALERT, WARN)]


# -- restart -------------------------------------------------------------------------------------
def reload(state: PolicyState) -> PolicyState:
    return state_from_dict(json.loads(json.dumps(asdict(state))))


def test_a_restart_mid_episode_resends_nothing_and_keeps_the_reminder_grid() -> None:
    steps = [(0, obs("0.04")), (1, obs("0.04")), (100, obs("0.02")), (150, obs("0.03"))]
    steps += [(t, obs("0.021")) for t in range(200, 4000, 7)]
    straight = run(steps)
    state, said = SEEN, []
    for t, o in steps:  # save and reload around every single update
        state, decisions = evaluate(reload(state), o, TH, t)
        said += [(t, d.kind, d.level) for d in decisions]
    assert (state, said) == straight


def test_downtime_sends_one_overdue_reminder_then_resumes_the_grid() -> None:
    state = reload(critical_at(0))  # down from t=1 to t=1300: reminders at 300 … 1200 missed
    _, said = run([(1300, obs("0.02")), *marks(1301, 2000, 1, "0.02")], state=state)
    assert [t for t, _, _ in said] == [1300, 1500, 1800]


def test_state_from_dict_reads_level_names_and_drops_unknown_keys() -> None:
    data = {**asdict(critical_at(0)), "level": "critical", "from_the_future": 1}
    assert state_from_dict(data) == critical_at(0)


# -- quiet band and deadlines, by example -------------------------------------------------------
def test_quiet_bands() -> None:
    assert quiet_band(SEEN, TH) == (D("0.05").next_plus(), NO_LIMIT)
    assert quiet_band(run([(0, obs("0.04"))])[0], TH) is None  # debouncing
    warned = warning_at(0)
    assert quiet_band(warned, TH) == (D("0.025").next_plus(), D("0.0625"))
    assert quiet_band(run([(5, obs("0.07"))], state=warned)[0], TH) == (D("0.0625"), NO_LIMIT)
    crit = critical_at(0)
    assert quiet_band(crit, TH) == (D("0.01").next_plus(), D("0.03125"))  # 2 % halves at 1 %
    assert quiet_band(run([(5, obs("0.04"))], state=crit)[0], TH) == (D("0.03125"), D("0.0625"))
    both = run([(5, obs("0.04")), (6, obs("0.07"))], state=crit)[0]
    assert quiet_band(both, TH) == (D("0.0625"), NO_LIMIT)
    assert quiet_band(PolicyState(), TH) is None  # the first look always matters


def test_next_deadline() -> None:
    assert next_deadline(SEEN, TH) is None
    assert next_deadline(warning_at(0), TH) == 1801
    assert next_deadline(critical_at(0), TH) == 300
    assert next_deadline(run([(5, obs("0.04"))], state=critical_at(0))[0], TH) == 65
    both = run([(5, obs("0.04")), (30, obs("0.07"))], state=critical_at(0))[0]
    assert next_deadline(both, TH) == 90  # the C' hold (65) waits for the W' one


# -- deepening inside critical ------------------------------------------------------------------
def test_each_halving_since_the_last_critical_alert_alerts_again() -> None:
    steps = [(0, obs("0.025")), (40, obs("0.013")), (80, obs("0.0125")), (120, obs("0.0063")),
             (160, obs("0.00625")), (200, obs("0.0032")), (240, obs("0.003125"))]
    _state, said = run(steps)
    assert said == [(0, ALERT, CRIT), (80, DEEPER, CRIT), (160, DEEPER, CRIT),
                    (240, DEEPER, CRIT)]


def test_a_deepening_says_the_distance_it_halved_from() -> None:
    state = critical_at(0)  # at 2 %
    _, said = evaluate(state, obs("0.0099"), TH, 31)
    assert said == [Decision(DEEPER, CRIT, D("0.0099"), 1, previous=D("0.02"))]


def test_deepenings_are_at_least_30_s_apart_and_a_held_one_goes_out_on_time() -> None:
    state = critical_at(0)  # 2 %
    state, said = run([(10, obs("0.009")), (20, obs("0.008"))], state=state)
    assert said == [] and next_deadline(state, TH) == 30  # held until 30 s after the alert
    assert quiet_band(state, TH) == (D(0), D("0.01").next_plus())
    state, said = drive_timers(state, 31, "0.008")
    assert said == [(30, DEEPER, CRIT)]
    state, said = run([(40, obs("0.0039")), (59, obs("0.001"))], state=state)  # 0.8 % -> 0.4 %
    assert said == [] and next_deadline(state, TH) == 60
    assert drive_timers(state, 61, "0.001")[1] == [(60, DEEPER, CRIT)]


def test_a_held_deepening_is_dropped_when_the_mark_backs_off_or_the_feed_goes_stale() -> None:
    held, _ = run([(10, obs("0.009"))], state=critical_at(0))
    backed, said = run([(20, obs("0.011"))], state=held)
    assert said == [] and next_deadline(backed, TH) == 300  # only the reminder grid remains
    assert run([(31, obs("0.011"))], state=backed)[1] == []
    stale, said = run([(20, obs("0.009", fresh=False))], state=held)
    assert said == [] and next_deadline(stale, TH) == 300
    assert run([(35, obs("0.009"))], state=stale)[1] == [(35, DEEPER, CRIT)]


def test_snooze_never_hides_a_deepening() -> None:
    state = snooze(critical_at(0), 10_000)
    assert run([(100, obs("0.005"))], state=state)[1] == [(100, DEEPER, CRIT)]


def test_a_reminder_due_with_a_deepening_is_folded_into_it() -> None:
    state, said = run([(300, obs("0.009")), (301, obs("0.009"))], state=critical_at(0))
    assert said == [(300, DEEPER, CRIT)]
    assert next_deadline(state, TH) == 600


def test_reminders_do_not_move_the_halving_line() -> None:
    _state, said = run([(300, obs("0.015")), (330, obs("0.0101")), (340, obs("0.01"))],
                      state=critical_at(0))  # fmt: skip
    assert said == [(300, REMIND, CRIT), (340, DEEPER, CRIT)]


def test_the_deepening_record_survives_a_restart_and_ends_with_the_level() -> None:
    held, _ = run([(10, obs("0.009"))], state=critical_at(0))
    assert reload(held) == held
    assert drive_timers(reload(held), 31, "0.009")[1] == [(30, DEEPER, CRIT)]
    down, _ = run([(100, obs("0.04")), (160, obs("0.04"))], state=critical_at(0))
    assert down.level is WARN and quiet_band(down, TH) == (D("0.025").next_plus(), D("0.0625"))
    _again, said = run([(200, obs("0.024")), (230, obs("0.012"))], state=down)
    assert said == [(200, ALERT, CRIT), (230, DEEPER, CRIT)]


def test_a_liquidation_price_on_the_mark_stops_deepening() -> None:
    _state, said = run([(40, obs("0")), (80, obs("0")), (120, obs("0"))], state=critical_at(0))
    assert said == [(40, DEEPER, CRIT)]
