"""A test-only hook for the crash tests: `TEST_PAUSE_AT=<step>` makes every press stop at that
step, print a marker line to stderr and wait there until the process is killed.

Unset (always, outside those tests) it installs nothing: ApprovalService's checkpoints are
no-ops. The steps of a press, in order:

- ``claimed``: the card is claimed and re-checked; nothing recorded, nothing sent
- ``intent_recorded``: the intent row (with the timestamp to sign) is committed; not yet sent
- ``answered``: the exchange answered; the outcome is not recorded yet
- ``finished``: the outcome is recorded; the card is not edited yet
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

STEPS = ("claimed", "intent_recorded", "answered", "finished")
MARKER = "margin-desk: paused at "


def pause_at(step: str | None) -> Callable[[str], Awaitable[None]] | None:
    """The checkpoint that pauses at `step` for good, or None (no hook) when step is None."""
    if step is None:
        return None
    if step not in STEPS:
        raise ValueError(f"unknown pause step {step!r}; one of {', '.join(STEPS)}")

    async def checkpoint(reached: str) -> None:
        if reached == step:
            print(MARKER + reached, file=sys.stderr, flush=True)
            await asyncio.Event().wait()  # until SIGKILL

    return checkpoint
