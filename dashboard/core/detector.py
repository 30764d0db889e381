"""The miss detector: one pass finds every heartbeat whose stored deadline passed.

A pass is a single indexed range query on ``heartbeat.miss_at`` when nothing is
due.  For each due heartbeat it records what ``schedule.misses_due`` says: one
``miss`` event per deadline that elapsed (stamped with that deadline, so a
catch-up after downtime has the real times), the flip of an up heartbeat to down
for alerting, and the next deadline.

Every write is guarded by ``WHERE miss_at = <the value we read>``: when several
processes run a pass at once, only one of them can advance a given deadline, and
the others record nothing for it.  The events are inserted only after the guarded
update succeeded, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from dashboard.core import schedule
from dashboard.core.counters import add_counters
from dashboard.core.recording import RollupAccumulator, insert_flips
from dashboard.core.schedule import STATUS_DOWN
from dashboard.core.sql import executemany
from dashboard.db import write_engine, write_lock
from dashboard.timeutil import to_micros

# How many due heartbeats one transaction handles; the pass loops until none is due.
CLAIM_BATCH = 2000

_DUE = text(
    "SELECT id, interval, grace, status, miss_at FROM heartbeat "
    "WHERE miss_at <= :now AND enabled = :enabled ORDER BY miss_at, id LIMIT :limit"
)
_ADVANCE = text(
    "UPDATE heartbeat SET status = :status, miss_at = :next_miss_at "
    "WHERE id = :id AND miss_at = :miss_at AND enabled = :enabled"
)
_INSERT_MISS = (
    "INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at) "
    "VALUES (?, 'miss', '', ?, ?)"
)


@dataclass(slots=True)
class PassReport:
    heartbeats: int = 0
    misses: int = 0
    flips: int = 0


def _due_rows(conn: Connection, now: int) -> list:  # type: ignore[type-arg]
    return list(conn.execute(_DUE, {"now": now, "enabled": True, "limit": CLAIM_BATCH}))


def _record(conn: Connection, rows: list, now: int, max_misses: int) -> PassReport:  # type: ignore[type-arg]
    report = PassReport()
    events: list[tuple[str, bool, int]] = []
    flips: list[tuple[str, str, str, str, int]] = []
    rollups = RollupAccumulator()
    # Lock rows in id order, as the ping writer does, so PostgreSQL never deadlocks.
    for row in sorted(rows, key=lambda r: r.id):
        due = schedule.misses_due(row.status, row.interval, row.miss_at, now, max_misses)
        if due is None:
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


def run_pass(engine: Engine, now: datetime, *, max_misses: int = 1000) -> PassReport:
    """Record every miss due at ``now``. Safe to run concurrently from many processes."""
    now_micros = to_micros(now)
    total = PassReport()
    with engine.connect() as reader:
        # The cheap check first, outside any write lock: the usual answer is "nothing".
        if not _due_rows(reader, now_micros):
            return total
    with write_engine(engine).connect() as conn:
        while True:
            with write_lock(engine), conn.begin():
                rows = _due_rows(conn, now_micros)
                if not rows:
                    break
                report = _record(conn, rows, now_micros, max_misses)
            total.heartbeats += report.heartbeats
            total.misses += report.misses
            total.flips += report.flips
            if len(rows) < CLAIM_BATCH:
                break
    return total
