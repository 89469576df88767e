"""The rules of the liquidation alert policy, precisely, and their numbers: data only.

bot/domain/alert_policy.py applies them (it imports this module; this module imports nothing of
the policy).

d = distance, W/C = warning/critical threshold, W'/C' = 1.25 × those = the re-arm lines:
- A zone is entered at d ≤ threshold (inclusive); a hold runs while d ≥ re-arm line (inclusive).
  d None (no liquidation price) counts as infinitely far: safe, and it re-arms like a far mark.
- NONE: d ≤ C -> ALERT CRITICAL at once; d ≤ W on 2 consecutive fresh non-timer observations
  -> ALERT WARNING (stale and timer observations neither count nor break the run). Each starts
  an episode.
- WARNING: d ≤ C -> ALERT CRITICAL (same episode). d ≥ W' held 60 s -> RECOVERED (NONE).
- CRITICAL: d ≥ W' held 60 s -> RECOVERED (NONE), one message; else d ≥ C' held 60 s with d
  now below W' -> RECOVERED (WARNING). While a W' hold runs, the C' recovery waits for it.
- A hold needs fresh observations: a stale one resets it. Stale data never alerts, debounces
  or recovers; reminders (time-based) still fire on it.
- Reminders sit on a grid from entering the level: WARNING once at +30 min; CRITICAL at +5 …
  +30 min then every 30 min. After downtime one overdue reminder goes out, then the grid.
- Snooze holds reminders until it ends (then one goes out if the level still holds) and mutes
  the WARNING alert (the level is entered silently); CRITICAL and DEEPENED alerts, RECOVERED,
  opened-inside-a-zone alerts and episode ends go out. A fingerprint change or a close clears it.
- First fresh look at a position inside a zone: the level's normal (audible) ALERT, marked
  `opened`, never muted by a snooze; the level is entered (normal reminders), only deeper
  levels stay armed. Stale first looks are ignored.
- Deepening, inside CRITICAL: every critical ALERT and DEEPENED records its distance R and time
  (PolicyState.extra). A fresh observation at d ≤ R/2 (R > 0) -> DEEPENED (a further audible
  alert; snooze never mutes it), at most one per DEEPEN_SPACING s: a halving seen sooner is
  held (DEEPEN_DUE_KEY) and goes out at that time if d ≤ R/2 still; a look above R/2 or a stale
  one drops the held one. A reminder due at the same time is folded into the DEEPENED message
  (the grid moves on). Reminders do not move R.
- closed/liquidated: one CLOSED/LIQUIDATED if the position was seen (LIQUIDATED wins; CLOSED
  is silent when no level was entered), then everything resets but the episode number.
- thresholds.enabled False: no decisions at all; the state rests at NONE (a later re-enable
  alerts normally, debounced).
For the monitor: a timer observation (Observation.timer, last distance and fresh flag) never
counts toward the debounce. quiet_band holds while now < next_deadline; its low sits just above
an inclusive threshold (Decimal.next_plus), its high may be NO_LIMIT (Infinity). next_deadline
is exact (a snooze end matters only through a held reminder) and, evaluated at, moves later.
CRITICAL's hold above W' lives in PolicyState.extra[REARM_W_KEY], so stored extras persist it.
"""

from __future__ import annotations

from decimal import Decimal

REARM_FACTOR = Decimal("1.25")  # a level re-arms at this multiple of its threshold …
REARM_HOLD = 60.0  # … held this long (seconds, fresh observations only)
WARNING_DEBOUNCE = 2  # consecutive fresh observations at or below the warning threshold
WARNING_REMINDER = 1800.0  # the single warning reminder, after entering
CRITICAL_FAST = 300.0  # critical reminders this often …
CRITICAL_FAST_FOR = 1800.0  # … for this long after entering, then
CRITICAL_SLOW = 1800.0  # this often
GROUP_WINDOW = 5.0  # the monitor groups a chat's level changes within this window
NO_LIMIT = Decimal("Infinity")  # quiet_band's high when nothing far away can change anything
REARM_W_KEY = "rearm_warning_since"  # PolicyState.extra: CRITICAL's hold above W' (repr float)
DEEPEN_SPACING = 30.0  # seconds between two audible critical alerts of one position, at least
LOUD_D_KEY = "loud_distance"  # PolicyState.extra: distance of the last critical alert (Decimal)
LOUD_AT_KEY = "loud_at"  # … and its time (repr float)
DEEPEN_DUE_KEY = "deepen_due"  # a halving seen too soon goes out at this time (repr float)
