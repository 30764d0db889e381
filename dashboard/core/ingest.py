"""Write a batch of check-ins in one transaction (the group commit's unit of work).

``apply_pings`` reads every heartbeat the batch touches, applies the pings in
arrival order in memory, and writes events, final heartbeat states, hourly
rollups and status flips with a handful of ``executemany`` calls.  A ping's
answer (status, 404, 405) is decided inside the same transaction that records
it, so a concurrent delete or update can never be half-seen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from dashboard.core.counters import add_counters
from dashboard.core.recording import RollupAccumulator, insert_flips
from dashboard.core.schedule import ScheduleState, apply_ping
from dashboard.core.sql import driver_sql, executemany
from dashboard.timeutil import to_micros

MESSAGE_LIMIT = 1000
_SELECT_CHUNK = 500


@dataclass(slots=True)
class PingRequest:
    heartbeat_id: str
    result: str
    message: str = ""
    message_truncated: bool = False
    method: str = "GET"
    source_ip: str | None = None
    user_agent: str | None = None


@dataclass(slots=True, frozen=True)
class PingOutcome:
    """``kind`` is "ok", "not_found" or "method_not_allowed"."""

    kind: str
    status: str | None = None
    allowed_methods: tuple[str, ...] = ()


NOT_FOUND = PingOutcome("not_found")

_SELECT_COLUMNS = (
    "SELECT id, interval, grace, methods, enabled, status, last_ping_at, next_due_at, "
    "miss_at, last_run_at FROM heartbeat WHERE id IN "
)
_INSERT_EVENT = (
    "INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at, "
    "method, source_ip, user_agent, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_HEARTBEAT = (
    "UPDATE heartbeat SET status = ?, last_ping_at = ?, next_due_at = ?, miss_at = ?, "
    "last_run_at = ? WHERE id = ?"
)


def load_states(conn: Connection, ids: Sequence[str]) -> dict[str, ScheduleState]:
    """Read the heartbeats ``ids`` (locking them on PostgreSQL) into state records."""
    lock = " ORDER BY id FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    states: dict[str, ScheduleState] = {}
    for start in range(0, len(ids), _SELECT_CHUNK):
        chunk = tuple(ids[start : start + _SELECT_CHUNK])
        placeholders = "(" + ", ".join("?" * len(chunk)) + ")"
        statement = driver_sql(conn, _SELECT_COLUMNS + placeholders + lock)
        for (hb_id, interval, grace, methods, enabled, status, last_ping_at, next_due_at, miss_at,
             last_run_at) in conn.exec_driver_sql(statement, chunk):
            states[hb_id] = ScheduleState(
                id=hb_id,
                interval=interval,
                grace=grace,
                methods=tuple(methods.split(",")),
                enabled=bool(enabled),
                status=status,
                last_ping_at=last_ping_at,
                next_due_at=next_due_at,
                miss_at=miss_at,
                last_run_at=last_run_at,
            )
    return states


def apply_pings(conn: Connection, pings: Sequence[PingRequest], received_at: datetime) -> list[PingOutcome]:
    """Record ``pings`` (all stamped ``received_at``) inside the caller's transaction."""
    states = load_states(conn, sorted({p.heartbeat_id for p in pings}))
    received_micros = to_micros(received_at)
    outcomes: list[PingOutcome] = []
    events: list[tuple[object, ...]] = []
    flips: list[tuple[str, str, str, str, int]] = []
    rollups = RollupAccumulator()

    for ping in pings:
        state = states.get(ping.heartbeat_id)
        if state is None:
            outcomes.append(NOT_FOUND)
            continue
        if ping.method not in state.methods:
            outcomes.append(PingOutcome("method_not_allowed", allowed_methods=state.methods))
            continue
        effect = apply_ping(state, ping.result, received_micros)
        events.append((ping.heartbeat_id, ping.result, ping.message, ping.message_truncated, received_micros,
                       ping.method, ping.source_ip, ping.user_agent, effect.duration_ms))
        rollups.add(ping.heartbeat_id, received_micros, ping.result, effect.duration_ms)
        if effect.flip is not None:
            flips.append((ping.heartbeat_id, *effect.flip, received_micros))
        outcomes.append(PingOutcome("ok", status=state.effective_status(received_micros)))

    executemany(conn, _INSERT_EVENT, events)
    executemany(conn, _UPDATE_HEARTBEAT, [
        (s.status, s.last_ping_at, s.next_due_at, s.miss_at, s.last_run_at, s.id)
        for s in states.values() if s.dirty
    ])
    rollups.write(conn)
    insert_flips(conn, flips)
    add_counters(conn, Counter(f"checkins_{event[1]}" for event in events))
    return outcomes
