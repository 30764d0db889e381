"""Every schedule and status rule, as pure functions on integer microseconds.

A heartbeat's schedule state is a small record (``ScheduleState``): its status,
when it was last pinged, when it becomes late (``next_due_at``) and when the
detector must act (``miss_at``).  This module decides how a check-in, a pause, a
resume, a schedule change and the passing of time change that record, and what
status it shows at a given moment.  Everything else delegates here: the batched
ping writer (``ingest``), the ORM-level operations (``heartbeats``), the miss
detector, the overview and the API's derived ``status``.

Times are integer microseconds since the epoch, exactly as stored: the writer
never converts a column to a datetime and back.  Nothing here reads the clock or
the database, so every rule is tested on plain values.

``miss_at`` is the stored deadline the detector acts on: while the heartbeat is
up it is ``next_due_at + grace``; while down it is when the next additional
``miss`` falls due; it is None when nothing can be missed (new or paused).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.timeutil import MILLISECOND, SECOND

# Stored statuses; "late" and "paused" are derived (see ``derived_status``).
STATUS_NEW, STATUS_UP, STATUS_DOWN = "new", "up", "down"
STATUS_LATE, STATUS_PAUSED = "late", "paused"
STATUSES = (STATUS_NEW, STATUS_UP, STATUS_LATE, STATUS_DOWN, STATUS_PAUSED)

# Worst first: what an operator must look at comes to the top.
SEVERITY = {STATUS_DOWN: 0, STATUS_LATE: 1, STATUS_UP: 2, STATUS_NEW: 3, STATUS_PAUSED: 4}
WORST_FIRST = tuple(sorted(SEVERITY, key=SEVERITY.__getitem__))


def severity(status: str) -> int:
    """Sort key: down, late, up, new, paused; anything unknown last."""
    return SEVERITY.get(status, len(SEVERITY))


def worst_status(counts: dict[str, int]) -> str | None:
    """The worst status that has a non-zero count, or None when all are zero."""
    for status in WORST_FIRST:
        if counts.get(status):
            return status
    return None


def derived_status(enabled: bool, status: str, next_due_at: int | None, now: int) -> str:
    """The status shown at ``now``: ``paused`` when disabled; ``late`` when an up
    heartbeat is past ``next_due_at``.

    Past the deadline but before the detector has flipped it, a heartbeat stays
    ``late`` (not ``down``), so the status never claims a miss that is not recorded.
    """
    if not enabled:
        return STATUS_PAUSED
    if status == STATUS_UP and next_due_at is not None and now >= next_due_at:
        return STATUS_LATE
    return status


def down_after(next_due_at: int | None, grace: int) -> int | None:
    """When an up heartbeat turns down if no check-in arrives (``grace`` in seconds)."""
    return None if next_due_at is None else next_due_at + grace * SECOND


@dataclass(slots=True)
class ScheduleState:
    """A heartbeat's schedule, status and deadlines, in epoch microseconds."""

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
    # Set by any change the writer must store.
    dirty: bool = False

    def effective_status(self, now: int) -> str:
        return derived_status(self.enabled, self.status, self.next_due_at, now)


@dataclass(slots=True, frozen=True)
class PingEffect:
    """The outcome of one check-in: its duration and any status flip to record."""

    duration_ms: int | None
    flip: tuple[str, str, str] | None  # (old_status, new_status, reason)


def _expect_next(state: ScheduleState, counted_from: int) -> None:
    """Due one interval after ``counted_from``; the detector acts ``grace`` later."""
    state.next_due_at = counted_from + state.interval * SECOND
    state.miss_at = down_after(state.next_due_at, state.grace)


def _take_duration(state: ScheduleState, received_at: int) -> int | None:
    if state.last_run_at is None:
        return None
    elapsed = received_at - state.last_run_at
    state.last_run_at = None
    return max(0, elapsed // MILLISECOND)


def apply_ping(state: ScheduleState, result: str, received_at: int) -> PingEffect:
    """Apply one job signal (tick, run, complete, fail) at ``received_at`` to ``state``.

    ``tick``/``complete`` → up, due one interval later; ``fail`` → down at once,
    also due one interval later; ``run`` records a start and moves no deadline; a
    following ``complete``/``fail`` carries the run's duration.  A paused
    heartbeat only keeps the record: nothing about it changes.
    """
    if not state.enabled:
        return PingEffect(duration_ms=None, flip=None)
    state.dirty = True
    state.last_ping_at = received_at

    if result == "run":
        state.last_run_at = received_at
        return PingEffect(duration_ms=None, flip=None)

    duration_ms = _take_duration(state, received_at) if result in ("complete", "fail") else None
    old_status = state.status
    _expect_next(state, received_at)
    if result == "fail":
        state.status = STATUS_DOWN
        flip = (old_status, STATUS_DOWN, "fail") if old_status != STATUS_DOWN else None
    else:  # tick or complete
        state.status = STATUS_UP
        flip = (old_status, STATUS_UP, "recovery") if old_status == STATUS_DOWN else None
    return PingEffect(duration_ms=duration_ms, flip=flip)


def pause(state: ScheduleState) -> None:
    """Stop expecting check-ins: nothing can be missed until a resume.

    The status keeps its value so a resume knows whether it was ever pinged.
    """
    state.enabled = False
    state.miss_at = None
    state.dirty = True


def resume(state: ScheduleState, now: int) -> None:
    """Expect check-ins again; a heartbeat that has checked in before is up and
    due one full interval from ``now``.

    Counting from the last check-in instead would flag a miss the moment a
    long-paused job is resumed; counting from ``now`` gives it a chance to run.
    A never-pinged heartbeat stays ``new`` with nothing due.
    """
    state.enabled = True
    state.dirty = True
    if state.status == STATUS_NEW:
        state.miss_at = None
        return
    state.status = STATUS_UP
    _expect_next(state, now)


def reschedule(state: ScheduleState, now: int, previous_interval: int) -> None:
    """Recompute the deadlines of an enabled heartbeat after its interval or grace changed.

    Up: the next check-in is due one (new) interval after the moment the current
    deadline was counted from: the last check-in, or the resume that followed a
    pause (counting from an old check-in would flag a just-resumed job at once).
    Down: the next additional miss falls one interval from now.  New: nothing is due.
    """
    state.dirty = True
    if state.status == STATUS_UP:
        if state.next_due_at is not None:
            counted_from = state.next_due_at - previous_interval * SECOND
            state.next_due_at = counted_from + state.interval * SECOND
        state.miss_at = down_after(state.next_due_at, state.grace)
    elif state.status == STATUS_DOWN:
        state.miss_at = now + state.interval * SECOND


@dataclass(slots=True, frozen=True)
class Misses:
    """What the detector records for one due heartbeat at one moment."""

    deadlines: list[int]  # each missed deadline, oldest first: one ``miss`` event each
    next_miss_at: int  # when the next one falls due
    flip: tuple[str, str, str] | None  # (old_status, "down", "miss") on the first miss of a down period


def missed_deadlines(first_deadline: int, interval_micros: int, now: int, limit: int) -> list[int]:
    """Deadlines from ``first_deadline`` up to ``now``, one interval apart, the newest ``limit``."""
    if first_deadline > now:
        return []
    count = (now - first_deadline) // interval_micros + 1
    skipped = max(0, count - limit)
    return [first_deadline + (skipped + k) * interval_micros for k in range(count - skipped)]


def misses_due(status: str, interval: int, miss_at: int, now: int, limit: int) -> Misses | None:
    """The misses an enabled heartbeat whose deadline ``miss_at`` passed has at ``now``.

    One ``miss`` per elapsed interval since ``miss_at`` (a catch-up after downtime
    keeps the newest ``limit``, each stamped with its real deadline); the first of
    a down period flips the heartbeat down (one alert per down period).  None when
    nothing is due yet.
    """
    step = interval * SECOND
    deadlines = missed_deadlines(miss_at, step, now, limit)
    if not deadlines:
        return None
    flip = (status, STATUS_DOWN, "miss") if status != STATUS_DOWN else None
    return Misses(deadlines=deadlines, next_miss_at=deadlines[-1] + step, flip=flip)
