"""Every schedule and status rule, as pure functions on integer microseconds.

A heartbeat's schedule state is a small record (``ScheduleState``): its cadence
(a fixed ``interval``, or a cron ``schedule`` in a ``timezone``), its status, when
it was last pinged, when it becomes late (``next_due_at``), when the detector
must act (``miss_at``), and the runs in progress with their run-time limits.  This module decides how a check-in, a pause, a
resume, a schedule change and the passing of time change that record, and what
status it shows at a given moment.  Everything else delegates here: the batched
ping writer (``ingest``), the ORM-level operations (``heartbeats``), the miss
detector, the overview and the API's derived ``status``.

Times are integer microseconds since the epoch, exactly as stored: the writer
never converts a column to a datetime and back.  Nothing here reads the clock or
the database, so every rule is tested on plain values.

``miss_at`` is the stored deadline the detector acts on: while the heartbeat is
up it is ``next_due_at + grace``; while down it is when the next additional
``miss`` falls due (for a cron heartbeat always a slot plus grace); it is None
when nothing can be missed (new or paused).  ``run_timeout_at`` is the earliest
moment an open run exceeds ``max_runtime``: the detector's second deadline.

Cron heartbeats go beyond Healthchecks in one respect: a check-in that arrives
shortly *before* a slot counts for that slot (a job whose clock runs a minute
fast is not flagged): up to ``min(grace, half the gap to the previous slot)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from dashboard.core import cron, days_off
from dashboard.timeutil import MILLISECOND, SECOND, from_micros

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


MAX_OPEN_RUNS = 50  # runs in progress kept per heartbeat; the oldest is forgotten beyond this


# How many consecutive days off a cron heartbeat may have before "it never fires" is assumed.
_MAX_SKIPPED_SLOTS = 5000


@dataclass(frozen=True, slots=True)
class Cadence:
    """When check-ins are expected: every ``interval`` seconds, or on a cron ``schedule``.

    A cron cadence skips the slots that fall on a day off in its zone: a public
    holiday of ``holidays`` (``DE``, ``US-NY``) or one of ``skip_dates``.
    """

    interval: int | None  # seconds; None for a cron heartbeat
    schedule: str | None = None
    timezone: str = "UTC"
    holidays: str | None = None
    skip_dates: frozenset[date] = frozenset()

    def fresh_from(self, moment: int) -> int | None:
        """When a period that starts at ``moment`` (resume, schedule change) is first due."""
        if self.schedule is None:
            return moment + self._step()
        return self._slot_after(moment)

    def following(self, slot: int) -> int | None:
        """The due moment after ``slot``, itself a due moment."""
        return self.fresh_from(slot)

    def first_at_or_after(self, moment: int) -> int | None:
        """``moment`` when it is a due moment, else the next one (cron: slots only)."""
        if self.schedule is None:
            return moment
        return self._slot_after(moment - 1)

    def after_checkin(self, moment: int, grace: int) -> int | None:
        """When the next check-in is due after one at ``moment``.

        Interval: one interval later.  Cron: the first slot after ``moment`` —
        unless ``moment`` is at most ``min(grace, half the gap to the slot before)``
        ahead of that slot, in which case the check-in counts for it and the one
        after is due.  Half the gap keeps a check-in with the nearer slot.
        """
        if self.schedule is None:
            return moment + self._step()
        upcoming = self._slot_after(moment)
        if upcoming is None:
            return None
        previous = cron.slot_before(self.schedule, self.timezone, upcoming)
        tolerance = grace * SECOND
        if previous is not None:
            tolerance = min(tolerance, (upcoming - previous) // 2)
        if upcoming - moment <= tolerance:
            return self._slot_after(upcoming)
        return upcoming

    def due_moments(self, first: int, last: int, limit: int) -> list[int]:
        """Due moments in [first, last] (``first`` is one), oldest first, the newest ``limit``."""
        if self.schedule is None:
            return missed_deadlines(first, self._step(), last, limit)
        slots = cron.slots_between(self.schedule, self.timezone, first, last, limit)
        return [slot for slot in slots if not self.is_day_off(slot)]

    def is_day_off(self, slot: int) -> bool:
        """Whether ``slot`` falls on a holiday or a skipped date in the heartbeat's zone."""
        if self.holidays is None and not self.skip_dates:
            return False
        day = from_micros(slot).astimezone(cron.zone(self.timezone)).date()
        return day in self.skip_dates or (self.holidays is not None and days_off.is_holiday(self.holidays, day))

    def _slot_after(self, moment: int) -> int | None:
        assert self.schedule is not None
        slot = cron.next_slot(self.schedule, self.timezone, moment)
        for _ in range(_MAX_SKIPPED_SLOTS):
            if slot is None or not self.is_day_off(slot):
                return slot
            slot = cron.next_slot(self.schedule, self.timezone, slot)
        return None

    def _step(self) -> int:
        assert self.interval is not None, "an interval heartbeat has an interval"
        return self.interval * SECOND


@dataclass(slots=True)
class OpenRun:
    """A job that reported ``run`` and has not reported its end yet."""

    rid: str  # "" when the job sent no run id
    started_at: int
    timeout_at: int | None = None  # started_at + max_runtime, when the heartbeat has one
    timed_out: bool = False


@dataclass(slots=True)
class ScheduleState:
    """A heartbeat's cadence, status, deadlines and open runs, in epoch microseconds."""

    id: str
    interval: int | None  # seconds; None for a cron heartbeat
    grace: int  # seconds
    methods: tuple[str, ...]
    enabled: bool
    status: str
    last_ping_at: int | None
    next_due_at: int | None
    miss_at: int | None
    schedule: str | None = None
    timezone: str = "UTC"
    max_runtime: int | None = None  # seconds
    holidays: str | None = None
    skip_dates: frozenset[date] = frozenset()
    runs: list[OpenRun] = field(default_factory=list)
    run_timeout_at: int | None = None
    # Paused: True = check-ins are only recorded until someone resumes it (Lubdub's
    # rule); False = a check-in resumes it (Healthchecks' default).
    manual_resume: bool = True
    # The run time the last run-ending check-in recorded (None when it ended no run).
    last_duration_ms: int | None = None
    # Set by any change the writer must store.
    dirty: bool = False

    @property
    def cadence(self) -> Cadence:
        return Cadence(self.interval, self.schedule, self.timezone, self.holidays, self.skip_dates)

    def effective_status(self, now: int) -> str:
        return derived_status(self.enabled, self.status, self.next_due_at, now)


def runs_to_json(runs: list[OpenRun]) -> str | None:
    """The stored form of the open runs (None for none): compact, one list per run."""
    if not runs:
        return None
    return json.dumps([[r.rid, r.started_at, r.timeout_at, r.timed_out] for r in runs], separators=(",", ":"))


def runs_from_json(text: str | None) -> list[OpenRun]:
    if not text:
        return []
    return [OpenRun(rid, started_at, timeout_at, bool(timed_out)) for rid, started_at, timeout_at, timed_out in json.loads(text)]


def _earliest_timeout(runs: list[OpenRun]) -> int | None:
    pending = [run.timeout_at for run in runs if run.timeout_at is not None and not run.timed_out]
    return min(pending) if pending else None


@dataclass(slots=True, frozen=True)
class PingEffect:
    """The outcome of one check-in: its duration and any status flip to record."""

    duration_ms: int | None
    flip: tuple[str, str, str] | None  # (old_status, new_status, reason)


_NO_EFFECT = PingEffect(duration_ms=None, flip=None)

# Check-ins that end a run (a plain check-in is how Healthchecks' clients and
# runitor report success, with or without the run's id).
RUN_ENDING_RESULTS = frozenset({"tick", "complete", "fail"})
# Check-ins that resume a paused heartbeat whose ``manual_resume`` is off.
RESUMING_RESULTS = frozenset({"tick", "complete", "fail", "skip"})


def _expect(state: ScheduleState, due: int | None) -> None:
    """Due at ``due``; the detector acts ``grace`` later (never, when nothing is due)."""
    state.next_due_at = due
    state.miss_at = down_after(due, state.grace)


def _start_run(state: ScheduleState, rid: str, received_at: int) -> None:
    runs = [run for run in state.runs if run.rid != rid]
    timeout_at = received_at + state.max_runtime * SECOND if state.max_runtime else None
    runs.append(OpenRun(rid, received_at, timeout_at))
    state.runs = runs[-MAX_OPEN_RUNS:]
    state.run_timeout_at = _earliest_timeout(state.runs)


def _finish_run(state: ScheduleState, rid: str | None, received_at: int) -> int | None:
    """Close the run ``rid`` names (without one: the newest); its duration in ms."""
    if not state.runs:
        return None
    if rid:
        matching = [run for run in state.runs if run.rid == rid]
        if not matching:
            return None
        finished = matching[0]
    else:
        finished = max(state.runs, key=lambda run: run.started_at)
    state.runs = [run for run in state.runs if run is not finished]
    state.run_timeout_at = _earliest_timeout(state.runs)
    return max(0, (received_at - finished.started_at) // MILLISECOND)


def apply_ping(state: ScheduleState, result: str, received_at: int, rid: str | None = None) -> PingEffect:
    """Apply one job signal at ``received_at`` to ``state``.

    ``tick``/``complete`` → up; ``fail`` → down at once; both count as the
    check-in that satisfies the current deadline (``Cadence.after_checkin``).
    ``skip`` (the job deliberately did not run) satisfies it too, neither success
    nor failure: the status stays (a new heartbeat becomes up).  ``run`` records
    a start and moves no deadline; ``tick``, ``complete`` and ``fail`` end the run
    their ``rid`` names (without one: the newest) and record its duration as
    ``last_duration_ms``; ``log`` is only recorded.

    A paused heartbeat only keeps the record: nothing about it changes — unless
    its ``manual_resume`` is off (Healthchecks' default), in which case a
    ``tick``, ``complete``, ``fail`` or ``skip`` resumes it and then counts as
    usual (a ``run`` or ``log`` does not: the job has not shown it is back).
    """
    if result == "log":
        return _NO_EFFECT
    if not state.enabled:
        if state.manual_resume or result not in RESUMING_RESULTS:
            return _NO_EFFECT
        state.enabled = True
    state.dirty = True
    state.last_ping_at = received_at

    if result == "run":
        _start_run(state, rid or "", received_at)
        return _NO_EFFECT

    duration_ms = None
    if result in RUN_ENDING_RESULTS:
        duration_ms = _finish_run(state, rid, received_at)
        state.last_duration_ms = duration_ms
    old_status = state.status
    _expect(state, state.cadence.after_checkin(received_at, state.grace))
    if result == "skip":
        if old_status == STATUS_NEW:
            state.status = STATUS_UP
        return _NO_EFFECT
    if result == "fail":
        state.status = STATUS_DOWN
        flip = (old_status, STATUS_DOWN, "fail") if old_status != STATUS_DOWN else None
    else:  # tick or complete
        state.status = STATUS_UP
        flip = (old_status, STATUS_UP, "recovery") if old_status == STATUS_DOWN else None
    return PingEffect(duration_ms=duration_ms, flip=flip)


def pause(state: ScheduleState) -> None:
    """Stop expecting check-ins: nothing can be missed or time out until a resume.

    The status keeps its value so a resume knows whether it was ever pinged.
    """
    state.enabled = False
    state.miss_at = None
    state.runs, state.run_timeout_at = [], None
    state.dirty = True


def resume(state: ScheduleState, now: int) -> None:
    """Expect check-ins again; a heartbeat that has checked in before is up and
    due as if a fresh period started ``now`` (one full interval, or the next slot).

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
    _expect(state, state.cadence.fresh_from(now))


def reschedule(state: ScheduleState, now: int, previous: Cadence) -> None:
    """Recompute the deadlines of an enabled heartbeat after its cadence, grace or
    run-time limit changed (``previous`` is the cadence before the change).

    Up, interval before and after: the next check-in is due one (new) interval
    after the moment the current deadline was counted from: the last check-in,
    or the resume that followed a pause (counting from an old check-in would flag
    a just-resumed job at once).  Up, any other change of cadence: a fresh period
    starts now.  Down: the next additional miss falls one cadence step from now.
    New: nothing is due.  Open runs get the new run-time limit.
    """
    state.dirty = True
    for run in state.runs:
        if not run.timed_out:
            run.timeout_at = run.started_at + state.max_runtime * SECOND if state.max_runtime else None
    state.run_timeout_at = _earliest_timeout(state.runs)
    cadence = state.cadence
    if state.status == STATUS_UP:
        if state.next_due_at is not None and previous.schedule is None and cadence.schedule is None:
            assert previous.interval is not None and state.interval is not None
            counted_from = state.next_due_at - previous.interval * SECOND
            state.next_due_at = counted_from + state.interval * SECOND
        elif cadence != previous:
            state.next_due_at = cadence.fresh_from(now)
        state.miss_at = down_after(state.next_due_at, state.grace)
    elif state.status == STATUS_DOWN:
        if cadence.schedule is None:
            state.miss_at = cadence.fresh_from(now)
        else:
            state.miss_at = down_after(cadence.fresh_from(now), state.grace)


@dataclass(slots=True, frozen=True)
class Misses:
    """What the detector records for one heartbeat whose ``miss_at`` passed."""

    deadlines: list[int]  # each missed deadline, oldest first: one ``miss`` event each
    next_miss_at: int | None  # when the next one falls due (None: the schedule never fires again)
    flip: tuple[str, str, str] | None  # (old_status, "down", "miss") on the first miss of a down period


def missed_deadlines(first_deadline: int, interval_micros: int, now: int, limit: int) -> list[int]:
    """Deadlines from ``first_deadline`` up to ``now``, one interval apart, the newest ``limit``."""
    if first_deadline > now:
        return []
    count = (now - first_deadline) // interval_micros + 1
    skipped = max(0, count - limit)
    return [first_deadline + (skipped + k) * interval_micros for k in range(count - skipped)]


def misses_due(status: str, cadence: Cadence, grace: int, miss_at: int, now: int, limit: int) -> Misses | None:
    """The misses an enabled heartbeat whose deadline ``miss_at`` passed has at ``now``.

    ``miss_at`` is a due moment plus ``grace``; one ``miss`` is recorded per due
    moment whose grace has run out by ``now`` (a catch-up after downtime keeps
    the newest ``limit``), each stamped with its real deadline.  The first of a
    down period flips the heartbeat down (one alert per down period).  None when
    nothing is due yet; no ``deadlines`` when only the stored deadline must move.
    """
    grace_micros = grace * SECOND
    first = cadence.first_at_or_after(miss_at - grace_micros)
    if first is None:  # the schedule never fires again: nothing is ever due
        return Misses(deadlines=[], next_miss_at=None, flip=None)
    due = cadence.due_moments(first, now - grace_micros, limit)
    if not due:
        if first + grace_micros == miss_at:
            return None
        # A stored deadline that is no slot plus grace (written by hand, or by an
        # older version) is moved to the next one rather than read on every pass.
        return Misses(deadlines=[], next_miss_at=first + grace_micros, flip=None)
    following = cadence.following(due[-1])
    flip = (status, STATUS_DOWN, "miss") if status != STATUS_DOWN else None
    return Misses(deadlines=[moment + grace_micros for moment in due],
                  next_miss_at=None if following is None else following + grace_micros, flip=flip)


@dataclass(slots=True, frozen=True)
class Timeouts:
    """Runs of one heartbeat that exceeded ``max_runtime`` by ``now``."""

    runs: list[OpenRun]  # each gets a ``timeout`` event stamped with its ``timeout_at``
    flip: tuple[str, str, str] | None  # (old_status, "down", "timeout") unless already down


def timeouts_due(state: ScheduleState, now: int) -> Timeouts | None:
    """Mark the runs whose limit passed as timed out and turn the heartbeat down.

    A timed-out run stays open: its late ``complete`` still records the full
    duration and brings the heartbeat back up.
    """
    expired = [run for run in state.runs
               if not run.timed_out and run.timeout_at is not None and run.timeout_at <= now]
    if not expired:
        return None
    for run in expired:
        run.timed_out = True
    state.run_timeout_at = _earliest_timeout(state.runs)
    state.dirty = True
    flip = (state.status, STATUS_DOWN, "timeout") if state.status != STATUS_DOWN else None
    state.status = STATUS_DOWN
    return Timeouts(runs=sorted(expired, key=lambda run: run.timeout_at or 0), flip=flip)
