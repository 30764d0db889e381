"""What a check-in does to a heartbeat: pure functions on a small state record.

Kept apart from the SQL so the rules can be tested on plain values, and so the
batched writer can apply many pings to one heartbeat in memory before writing
the final state once.  Times are integer microseconds since the epoch, exactly
as stored: the writer never converts a column to a datetime and back.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.models import STATUS_DOWN, STATUS_LATE, STATUS_PAUSED, STATUS_UP
from dashboard.timeutil import MILLISECOND, SECOND


@dataclass(slots=True)
class ScheduleState:
    """A heartbeat's status and deadlines, in epoch microseconds."""

    id: str
    interval: int  # seconds
    grace: int  # seconds
    methods: tuple[str, ...]
    enabled: bool
    status: str
    last_ping_at: int | None
    next_due_at: int | None
    miss_at: int | None
    last_run_at: int | None
    dirty: bool = False

    def effective_status(self, now: int) -> str:
        if not self.enabled:
            return STATUS_PAUSED
        if self.status == STATUS_UP and self.next_due_at is not None and now >= self.next_due_at:
            return STATUS_LATE
        return self.status


@dataclass(slots=True, frozen=True)
class PingEffect:
    """The outcome of one check-in: its duration and any status flip to record."""

    duration_ms: int | None
    flip: tuple[str, str, str] | None  # (old_status, new_status, reason)


def _schedule_next(state: ScheduleState, received_at: int) -> None:
    state.next_due_at = received_at + state.interval * SECOND
    state.miss_at = state.next_due_at + state.grace * SECOND


def _take_duration(state: ScheduleState, received_at: int) -> int | None:
    if state.last_run_at is None:
        return None
    elapsed = received_at - state.last_run_at
    state.last_run_at = None
    return max(0, elapsed // MILLISECOND)


def apply_ping(state: ScheduleState, result: str, received_at: int) -> PingEffect:
    """Apply one job signal (tick, run, complete, fail) at ``received_at`` (µs) to ``state``."""
    if not state.enabled:
        # A paused heartbeat only keeps the record; nothing else about it changes.
        return PingEffect(duration_ms=None, flip=None)
    state.dirty = True
    state.last_ping_at = received_at

    if result == "run":
        state.last_run_at = received_at
        return PingEffect(duration_ms=None, flip=None)

    duration_ms = _take_duration(state, received_at) if result in ("complete", "fail") else None
    old_status = state.status
    _schedule_next(state, received_at)
    if result == "fail":
        state.status = STATUS_DOWN
        flip = (old_status, STATUS_DOWN, "fail") if old_status != STATUS_DOWN else None
    else:  # tick or complete
        state.status = STATUS_UP
        flip = (old_status, STATUS_UP, "recovery") if old_status == STATUS_DOWN else None
    return PingEffect(duration_ms=duration_ms, flip=flip)
