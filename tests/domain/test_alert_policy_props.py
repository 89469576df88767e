"""Properties the monitor relies on: quiet bands are exact, deadlines are never late nor busy,
a restart changes nothing, and levels move as announced."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.alert_policy import (
    DecisionKind,
    Level,
    Observation,
    PolicyState,
    Thresholds,
    evaluate,
    next_deadline,
    quiet_band,
    snooze,
    state_from_dict,
    unsnooze,
)
from bot.domain.alert_rules import REARM_FACTOR, REARM_W_KEY

times = st.one_of(st.none(), st.integers(-100, 6000).map(float), st.floats(0, 6000))


@st.composite
def thresholds(draw: st.DrawFn) -> Thresholds:
    critical = draw(st.decimals(D("0.001"), D("0.1"), places=4))
    warning = critical + draw(st.decimals(D("0.0001"), D("0.1"), places=4))
    if draw(st.integers(0, 9)) == 0:  # misordered or equal pairs must not break anything
        warning = draw(st.sampled_from([critical, critical / 2]))
    return Thresholds(warning=warning, critical=critical, enabled=draw(st.integers(0, 9)) > 0)


@st.composite
def any_states(draw: st.DrawFn) -> PolicyState:
    """Arbitrary field combinations, including ones evaluate never produces."""
    rearm_w = draw(times)
    extra = {} if rearm_w is None else {REARM_W_KEY: repr(rearm_w)}
    if draw(st.booleans()):
        extra["monitor"] = "kept"
    return PolicyState(
        level=draw(st.sampled_from(Level)),
        episode=draw(st.integers(0, 3)),
        pending_warning=draw(st.sampled_from([0, 0, 0, 1, 2])),
        entered_at=draw(times),
        last_sent_at=draw(times),
        next_reminder_at=draw(times),
        rearm_since=draw(times),
        snooze_until=draw(times),
        fingerprint=draw(st.sampled_from([None, "a", "b"])),
        seen=draw(st.booleans()),
        extra=extra,
    )


def landmarks(th: Thresholds) -> list[D]:
    """Every line of the policy and its nearest neighbours."""
    lines = [th.warning, th.critical, th.warning * REARM_FACTOR, th.critical * REARM_FACTOR]
    return [D(0)] + [x for line in lines for x in (line.next_minus(), line, line.next_plus())]


@st.composite
def inside(draw: st.DrawFn, band: tuple[D, D], th: Thresholds) -> D:
    low, high = band
    picks = [x for x in landmarks(th) if low <= x < high] + [low]
    if high.is_finite():
        picks += [high.next_minus(), (low + high) / 2]
        fraction = draw(st.decimals(0, 1, places=6))
        picks.append(low + (high - low) * fraction)
    else:
        picks += [low + draw(st.decimals(0, 10, places=6)), D("1e6")]
    distance = draw(st.sampled_from(picks))
    return distance if low <= distance < high else low


@settings(max_examples=1000, deadline=None)
@given(st.data(), any_states(), thresholds(), st.booleans(), st.booleans())
def test_inside_the_quiet_band_nothing_changes_until_the_deadline(
    data: st.DataObject, state: PolicyState, th: Thresholds, timer: bool, same_fp: bool
) -> None:
    band = quiet_band(state, th)
    if band is None or band[0] >= band[1]:  # empty when critical == warning
        return
    distance = data.draw(inside(band, th))
    deadline = next_deadline(state, th)
    now = data.draw(st.floats(-200, 8000))
    if deadline is not None:
        now = deadline - data.draw(st.floats(1e-6, 8000))
    obs = Observation(distance, fingerprint=state.fingerprint if same_fp else None, timer=timer)
    assert evaluate(state, obs, th, now) == (state, [])


# -- random histories ------------------------------------------------------------------------
DISTANCES = st.one_of(
    st.sampled_from(landmarks(Thresholds())),
    st.decimals(D(0), D("0.12"), places=4),
    st.none(),
)
STEPS = st.lists(
    st.tuples(
        st.one_of(st.sampled_from([0.0, 1, 5, 30, 59, 60, 61, 300, 1800, 3600]), st.floats(0, 900)),
        DISTANCES,
        st.integers(0, 9),  # 0: stale, 1: snooze, 2: unsnooze, 3: new fingerprint, 4: close
    ),
    max_size=40,
)


def reload(state: PolicyState) -> PolicyState:
    return state_from_dict(json.loads(json.dumps(asdict(state))))


@settings(max_examples=250, deadline=None)
@given(STEPS, st.booleans())
def test_random_histories_keep_every_promise(steps: list, opened_seen: bool) -> None:
    th, now = Thresholds(), 1000.0
    state = PolicyState(seen=True) if opened_seen else PolicyState()
    for dt, distance, event in steps:
        now += dt
        if event == 1:
            state = snooze(state, now + 900)
        elif event == 2:
            state = unsnooze(state)
        obs = Observation(
            distance,
            fresh=event != 0,
            fingerprint={3: f"fp{now}", 5: "fp"}.get(event),
            closed=event == 4,
        )
        before = state
        state, decisions = evaluate(before, obs, th, now)
        assert evaluate(reload(before), obs, th, now) == (state, decisions)  # restart-proof
        check_announcements(before, state, decisions, obs)
        if not obs.closed:
            check_deadline(state, obs, th, now)
        check_band_is_tight(state, th, now)


def check_announcements(before: PolicyState, after: PolicyState, decisions: list, obs) -> None:
    """At most one decision; ALERTs go deeper, RECOVEREDs shallower, stale data alerts nothing."""
    assert len(decisions) <= 1
    for d in decisions:
        if d.kind is DecisionKind.ALERT:
            assert before.level < d.level == after.level and obs.fresh and not d.silent
            assert d.opened == (not before.seen and before.level is Level.NONE
                                and before.fingerprint is None)
        elif d.kind is DecisionKind.DEEPENED:
            assert before.level is after.level is d.level is Level.CRITICAL and obs.fresh
            assert d.previous is not None and d.distance is not None
            assert d.distance <= d.previous / 2
        elif d.kind is DecisionKind.RECOVERED:
            assert before.level > d.level == after.level and obs.fresh
        elif d.kind is DecisionKind.REMINDER:
            assert d.level == before.level == after.level
        else:
            assert after.level is Level.NONE and not after.seen
        assert d.episode == after.episode
    if after.level > before.level and not decisions:  # only a snoozed warning enters silently
        assert after.level is Level.WARNING and before.snooze_until is not None


def check_deadline(state: PolicyState, last: Observation, th: Thresholds, now: float) -> None:
    """A timer re-look before the deadline changes nothing; at it, the next one lies later."""
    timer = replace(last, fingerprint=None, timer=True)
    deadline = next_deadline(state, th)
    probes = [now, now + 0.5, now + 59.9, now + 7200]
    for t in probes if deadline is None else [*probes, (now + deadline) / 2, deadline - 1e-6]:
        if t >= now and (deadline is None or t < deadline):
            assert evaluate(state, timer, th, t) == (state, [])
    if deadline is not None:
        at = max(now, deadline)
        after, _ = evaluate(state, timer, th, at)
        later = next_deadline(after, th)
        assert later is None or later > at


def check_band_is_tight(state: PolicyState, th: Thresholds, now: float) -> None:
    """Just outside a quiet band a mark does change something: the band is exact, not just safe."""
    band = quiet_band(state, th)
    if band is None:
        return
    low, high = band
    edges = ([low.next_minus()] if low > 0 else []) + ([high] if high.is_finite() else [])
    for distance in edges:
        assert evaluate(state, Observation(distance), th, now) != (state, [])
