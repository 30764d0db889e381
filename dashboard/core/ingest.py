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
from dashboard.core.sql import driver_sql, executemany
from dashboard.core.transitions import ScheduleState, apply_ping
from dashboard.timeutil import to_micros

MESSAGE_LIMIT = 1000
HOUR_MICROS = 3_600_000_000
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
UPSERT_ROLLUP = (
    "INSERT INTO event_rollup (heartbeat_id, hour_start, tick_count, run_count, complete_count, "
    "fail_count, miss_count, duration_total_ms, duration_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (heartbeat_id, hour_start) DO UPDATE SET "
    "tick_count = event_rollup.tick_count + excluded.tick_count, "
    "run_count = event_rollup.run_count + excluded.run_count, "
    "complete_count = event_rollup.complete_count + excluded.complete_count, "
    "fail_count = event_rollup.fail_count + excluded.fail_count, "
    "miss_count = event_rollup.miss_count + excluded.miss_count, "
    "duration_total_ms = event_rollup.duration_total_ms + excluded.duration_total_ms, "
    "duration_count = event_rollup.duration_count + excluded.duration_count"
)
_INSERT_FLIP = (
    "INSERT INTO flip (heartbeat_id, old_status, new_status, reason, created_at) VALUES (?, ?, ?, ?, ?)"
)
_ROLLUP_FIELDS = ("tick", "run", "complete", "fail", "miss")


def insert_flips(conn: Connection, flips: Sequence[tuple[str, str, str, str, int]]) -> None:
    """Rows of (heartbeat_id, old_status, new_status, reason, created_at micros)."""
    executemany(conn, _INSERT_FLIP, flips)


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


class RollupAccumulator:
    """Sums counts per (heartbeat, hour) so a batch writes one upsert per pair."""

    def __init__(self) -> None:
        # (heartbeat, hour) -> [tick, run, complete, fail, miss, duration_total_ms, duration_count]
        self._counts: dict[tuple[str, int], list[int]] = {}

    def add(self, heartbeat_id: str, received_micros: int, result: str, duration_ms: int | None) -> None:
        key = (heartbeat_id, received_micros - received_micros % HOUR_MICROS)
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = [0] * 7
        counts[_ROLLUP_FIELDS.index(result)] += 1
        if duration_ms is not None:
            counts[5] += duration_ms
            counts[6] += 1

    def write(self, conn: Connection) -> None:
        executemany(conn, UPSERT_ROLLUP, [(hb_id, hour, *counts) for (hb_id, hour), counts in self._counts.items()])


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
