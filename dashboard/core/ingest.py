"""Write a batch of check-ins in one transaction (the group commit's unit of work).

``apply_pings`` reads every heartbeat the batch touches, applies the pings in
arrival order in memory, and writes events, final heartbeat states, hourly
rollups and status flips with a handful of ``executemany`` calls.  A ping's
answer (status, 404, 405) is decided inside the same transaction that records
it, so a concurrent delete or update can never be half-seen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from dashboard.core.transitions import HeartbeatState, apply_ping
from dashboard.timeutil import from_micros, to_micros

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

_SELECT_SQL = (
    "SELECT id, interval, grace, methods, enabled, status, last_ping_at, next_due_at, "
    "miss_at, last_run_at FROM heartbeat WHERE id IN :ids"
)
_INSERT_EVENT = text(
    "INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at, "
    "method, source_ip, user_agent, duration_ms) VALUES (:heartbeat_id, :result, :message, "
    ":message_truncated, :received_at, :method, :source_ip, :user_agent, :duration_ms)"
)
_UPDATE_HEARTBEAT = text(
    "UPDATE heartbeat SET status = :status, last_ping_at = :last_ping_at, "
    "next_due_at = :next_due_at, miss_at = :miss_at, last_run_at = :last_run_at WHERE id = :id"
)
UPSERT_ROLLUP = text(
    "INSERT INTO event_rollup (heartbeat_id, hour_start, tick_count, run_count, complete_count, "
    "fail_count, miss_count, duration_total_ms, duration_count) VALUES (:heartbeat_id, :hour_start, "
    ":tick, :run, :complete, :fail, :miss, :duration_total_ms, :duration_count) "
    "ON CONFLICT (heartbeat_id, hour_start) DO UPDATE SET "
    "tick_count = event_rollup.tick_count + excluded.tick_count, "
    "run_count = event_rollup.run_count + excluded.run_count, "
    "complete_count = event_rollup.complete_count + excluded.complete_count, "
    "fail_count = event_rollup.fail_count + excluded.fail_count, "
    "miss_count = event_rollup.miss_count + excluded.miss_count, "
    "duration_total_ms = event_rollup.duration_total_ms + excluded.duration_total_ms, "
    "duration_count = event_rollup.duration_count + excluded.duration_count"
)
INSERT_FLIP = text(
    "INSERT INTO flip (heartbeat_id, old_status, new_status, reason, created_at) "
    "VALUES (:heartbeat_id, :old_status, :new_status, :reason, :created_at)"
)


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def _moment(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(int(micros))


def load_states(conn: Connection, ids: Sequence[str]) -> dict[str, HeartbeatState]:
    """Read the heartbeats ``ids`` (locking them on PostgreSQL) into state records."""
    lock = " ORDER BY id FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    query = text(_SELECT_SQL + lock).bindparams(bindparam("ids", expanding=True))
    states: dict[str, HeartbeatState] = {}
    for start in range(0, len(ids), _SELECT_CHUNK):
        for row in conn.execute(query, {"ids": list(ids[start : start + _SELECT_CHUNK])}):
            states[row.id] = HeartbeatState(
                id=row.id,
                interval=row.interval,
                grace=row.grace,
                methods=tuple(row.methods.split(",")),
                enabled=bool(row.enabled),
                status=row.status,
                last_ping_at=_moment(row.last_ping_at),
                next_due_at=_moment(row.next_due_at),
                miss_at=_moment(row.miss_at),
                last_run_at=_moment(row.last_run_at),
            )
    return states


class RollupAccumulator:
    """Sums counts per (heartbeat, hour) so a batch writes one upsert per pair."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], dict[str, int | str]] = {}

    def add(self, heartbeat_id: str, received_micros: int, result: str, duration_ms: int | None) -> None:
        hour_start = received_micros - received_micros % HOUR_MICROS
        row = self._rows.get((heartbeat_id, hour_start))
        if row is None:
            row = self._rows[(heartbeat_id, hour_start)] = {
                "heartbeat_id": heartbeat_id, "hour_start": hour_start, "tick": 0, "run": 0,
                "complete": 0, "fail": 0, "miss": 0, "duration_total_ms": 0, "duration_count": 0,
            }
        row[result] = int(row[result]) + 1
        if duration_ms is not None:
            row["duration_total_ms"] = int(row["duration_total_ms"]) + duration_ms
            row["duration_count"] = int(row["duration_count"]) + 1

    def write(self, conn: Connection) -> None:
        if self._rows:
            conn.execute(UPSERT_ROLLUP, list(self._rows.values()))


def apply_pings(conn: Connection, pings: Sequence[PingRequest], received_at: datetime) -> list[PingOutcome]:
    """Record ``pings`` (all stamped ``received_at``) inside the caller's transaction."""
    states = load_states(conn, sorted({p.heartbeat_id for p in pings}))
    received_micros = to_micros(received_at)
    outcomes: list[PingOutcome] = []
    events: list[dict[str, object]] = []
    flips: list[dict[str, object]] = []
    rollups = RollupAccumulator()

    for ping in pings:
        state = states.get(ping.heartbeat_id)
        if state is None:
            outcomes.append(NOT_FOUND)
            continue
        if ping.method not in state.methods:
            outcomes.append(PingOutcome("method_not_allowed", allowed_methods=state.methods))
            continue
        effect = apply_ping(state, ping.result, received_at)
        events.append({
            "heartbeat_id": ping.heartbeat_id, "result": ping.result, "message": ping.message,
            "message_truncated": ping.message_truncated, "received_at": received_micros,
            "method": ping.method, "source_ip": ping.source_ip, "user_agent": ping.user_agent,
            "duration_ms": effect.duration_ms,
        })
        rollups.add(ping.heartbeat_id, received_micros, ping.result, effect.duration_ms)
        if effect.flip is not None:
            old_status, new_status, reason = effect.flip
            flips.append({"heartbeat_id": ping.heartbeat_id, "old_status": old_status,
                          "new_status": new_status, "reason": reason, "created_at": received_micros})
        outcomes.append(PingOutcome("ok", status=state.effective_status(received_at)))

    if events:
        conn.execute(_INSERT_EVENT, events)
    updates = [
        {"id": s.id, "status": s.status, "last_ping_at": _micros(s.last_ping_at),
         "next_due_at": _micros(s.next_due_at), "miss_at": _micros(s.miss_at),
         "last_run_at": _micros(s.last_run_at)}
        for s in states.values() if s.dirty
    ]
    if updates:
        conn.execute(_UPDATE_HEARTBEAT, updates)
    rollups.write(conn)
    if flips:
        conn.execute(INSERT_FLIP, flips)
    return outcomes
