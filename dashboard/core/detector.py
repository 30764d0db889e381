"""The miss detector: one pass finds every heartbeat whose stored deadlines passed.

Two deadlines are stored per heartbeat, each indexed: ``miss_at`` (a check-in is
overdue) and ``run_timeout_at`` (a run exceeded ``max_runtime``), so a pass when
nothing is due is two index range queries.  For each due heartbeat it records
what ``core/schedule.py`` says: one ``miss`` event per deadline that elapsed
(stamped with that deadline, so a catch-up after downtime has the real times),
one ``timeout`` event per run that exceeded its limit (stamped with the moment
it did), the flip of an up heartbeat to down for alerting, and the next deadlines.

Every write is guarded by ``WHERE <deadline> = <the value we read>``: when
several processes run a pass at once, only one of them can advance a given
deadline, and the others record nothing for it.  The events are inserted only
after the guarded update succeeded, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from dashboard.core import schedule
from dashboard.core.counters import add_counters
from dashboard.core.days_off import parse_skip_dates
from dashboard.core.recording import RollupAccumulator, insert_flips
from dashboard.core.schedule import STATUS_DOWN
from dashboard.core.sql import executemany
from dashboard.db import write_engine, write_lock
from dashboard.timeutil import from_micros, isoformat, to_micros

# How many due heartbeats one transaction handles; the pass loops until none is due.
CLAIM_BATCH = 2000

_DUE = text(
    "SELECT id, interval, schedule, timezone, holidays, skip_dates, grace, status, miss_at FROM heartbeat "
    "WHERE miss_at <= :now AND enabled = :enabled ORDER BY miss_at, id LIMIT :limit"
)
_DUE_TIMEOUTS = text(
    "SELECT id, interval, grace, status, max_runtime, runs, run_timeout_at FROM heartbeat "
    "WHERE run_timeout_at <= :now AND enabled = :enabled ORDER BY run_timeout_at, id LIMIT :limit"
)
_ADVANCE = text(
    "UPDATE heartbeat SET status = :status, miss_at = :next_miss_at "
    "WHERE id = :id AND miss_at = :miss_at AND enabled = :enabled"
)
_MOVE_DEADLINE = text("UPDATE heartbeat SET miss_at = :next_miss_at WHERE id = :id AND miss_at = :miss_at")
_INSERT_MISS = (
    "INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at) "
    "VALUES (?, 'miss', '', ?, ?)"
)
_TIME_OUT = text(
    "UPDATE heartbeat SET status = :status, runs = :runs, run_timeout_at = :next_timeout_at "
    "WHERE id = :id AND run_timeout_at = :run_timeout_at AND enabled = :enabled"
)
_INSERT_TIMEOUT = (
    "INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at, rid) "
    "VALUES (?, 'timeout', ?, ?, ?, ?)"
)


@dataclass(slots=True)
class PassReport:
    heartbeats: int = 0
    misses: int = 0
    timeouts: int = 0
    flips: int = 0

    def add(self, other: PassReport) -> None:
        self.heartbeats += other.heartbeats
        self.misses += other.misses
        self.timeouts += other.timeouts
        self.flips += other.flips


def _due_rows(conn: Connection, now: int) -> list:  # type: ignore[type-arg]
    return list(conn.execute(_DUE, {"now": now, "enabled": True, "limit": CLAIM_BATCH}))


def _due_timeouts(conn: Connection, now: int) -> list:  # type: ignore[type-arg]
    return list(conn.execute(_DUE_TIMEOUTS, {"now": now, "enabled": True, "limit": CLAIM_BATCH}))


def _record(conn: Connection, rows: list, now: int, max_misses: int) -> PassReport:  # type: ignore[type-arg]
    report = PassReport()
    events: list[tuple[str, bool, int]] = []
    flips: list[tuple[str, str, str, str, int]] = []
    rollups = RollupAccumulator()
    # Lock rows in id order, as the ping writer does, so PostgreSQL never deadlocks.
    for row in sorted(rows, key=lambda r: r.id):
        cadence = schedule.Cadence(row.interval, row.schedule, row.timezone, row.holidays,
                                   parse_skip_dates(row.skip_dates))
        due = schedule.misses_due(row.status, cadence, row.grace, row.miss_at, now, max_misses)
        if due is None:
            continue
        if not due.deadlines:
            conn.execute(_MOVE_DEADLINE, {"id": row.id, "miss_at": row.miss_at, "next_miss_at": due.next_miss_at})
            continue
        advanced = conn.execute(_ADVANCE, {
            "id": row.id, "miss_at": row.miss_at, "enabled": True,
            "status": STATUS_DOWN, "next_miss_at": due.next_miss_at,
        })
        if advanced.rowcount != 1:
            continue  # another detector got there first, or it was just pinged or paused
        report.heartbeats += 1
        for deadline in due.deadlines:
            events.append((row.id, False, deadline))
            rollups.add(row.id, deadline, "miss", None)
        report.misses += len(due.deadlines)
        if due.flip is not None:
            flips.append((row.id, *due.flip, due.deadlines[0]))
    executemany(conn, _INSERT_MISS, events)
    rollups.write(conn)
    insert_flips(conn, flips)
    add_counters(conn, {"misses": report.misses})
    report.flips = len(flips)
    return report


def _record_timeouts(conn: Connection, rows: list, now: int) -> PassReport:  # type: ignore[type-arg]
    report = PassReport()
    events: list[tuple[object, ...]] = []
    flips: list[tuple[str, str, str, str, int]] = []
    rollups = RollupAccumulator()
    for row in sorted(rows, key=lambda r: r.id):
        state = schedule.ScheduleState(
            id=row.id, interval=row.interval, grace=row.grace, methods=(), enabled=True, status=row.status,
            last_ping_at=None, next_due_at=None, miss_at=None, max_runtime=row.max_runtime,
            runs=schedule.runs_from_json(row.runs), run_timeout_at=row.run_timeout_at,
        )
        due = schedule.timeouts_due(state, now)
        if due is None:
            continue
        changed = conn.execute(_TIME_OUT, {
            "id": row.id, "run_timeout_at": row.run_timeout_at, "enabled": True, "status": state.status,
            "runs": schedule.runs_to_json(state.runs), "next_timeout_at": state.run_timeout_at,
        })
        if changed.rowcount != 1:
            continue  # another detector got there first, or the run just ended
        report.heartbeats += 1
        for run in due.runs:
            assert run.timeout_at is not None
            message = (f"no complete or fail within max_runtime ({row.max_runtime} s) "
                       f"of the run started at {isoformat(from_micros(run.started_at))}")
            events.append((row.id, message, False, run.timeout_at, run.rid or None))
            rollups.add(row.id, run.timeout_at, "timeout", None)
        report.timeouts += len(due.runs)
        if due.flip is not None:
            first = due.runs[0].timeout_at
            assert first is not None
            flips.append((row.id, *due.flip, first))
    executemany(conn, _INSERT_TIMEOUT, events)
    rollups.write(conn)
    insert_flips(conn, flips)
    add_counters(conn, {"timeouts": report.timeouts})
    report.flips = len(flips)
    return report


def run_pass(engine: Engine, now: datetime, *, max_misses: int = 1000) -> PassReport:
    """Record every miss and run timeout due at ``now``. Safe to run concurrently from many processes."""
    now_micros = to_micros(now)
    total = PassReport()
    with engine.connect() as reader:
        # The cheap checks first, outside any write lock: the usual answer is "nothing".
        misses_due = bool(_due_rows(reader, now_micros))
        timeouts_due = bool(_due_timeouts(reader, now_micros))
    if not misses_due and not timeouts_due:
        return total
    def misses(conn: Connection, rows: list) -> PassReport:  # type: ignore[type-arg]
        return _record(conn, rows, now_micros, max_misses)

    def timeouts(conn: Connection, rows: list) -> PassReport:  # type: ignore[type-arg]
        return _record_timeouts(conn, rows, now_micros)

    with write_engine(engine).connect() as conn:
        # Misses first: a heartbeat both overdue and over its run-time limit flips once.
        for find, record in ((_due_rows, misses), (_due_timeouts, timeouts)):
            while True:
                with write_lock(engine), conn.begin():
                    rows = find(conn, now_micros)
                    if not rows:
                        break
                    total.add(record(conn, rows))
                if len(rows) < CLAIM_BATCH:
                    break
    return total
