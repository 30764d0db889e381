"""Tiny factories for every test layer: rows straight into the database.

``ping`` records a check-in exactly as the endpoint's writer does (same
function, same transaction shape).  ``add_events`` writes events and their
hourly rollups together, as the ping writer and the detector do, so statistics
and event feeds can be tested without running either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from dashboard.core.apikeys import create_api_key
from dashboard.core.ingest import PingRequest, apply_pings
from dashboard.core.recording import ROLLUP_RESULTS, UPSERT_ROLLUP
from dashboard.core.sql import executemany
from dashboard.db import session_scope, write_engine, write_lock
from dashboard.models import Heartbeat, Service
from dashboard.timeutil import HOUR, to_micros, utcnow


def make_service(engine: Engine, name: str = "payments", **fields: Any) -> Service:
    with session_scope(engine, write=True) as session:
        service = Service(name=name, **fields)
        session.add(service)
    return service


def make_heartbeat(engine: Engine, service_id: str, name: str = "backup", **fields: Any) -> Heartbeat:
    """A heartbeat row; any column can be set, e.g. status="up", miss_at=..."""
    with session_scope(engine, write=True) as session:
        heartbeat = Heartbeat(service_id=service_id, name=name, **{"interval": 60, **fields})
        session.add(heartbeat)
    return heartbeat


def ping(
    engine: Engine,
    heartbeat_id: str,
    result: str = "tick",
    *,
    at: datetime | None = None,
    message: str = "",
    source_ip: str | None = None,
    rid: str | None = None,
    exit_code: int | None = None,
) -> None:
    """A check-in at ``at`` (default: now), recorded as the endpoint's writer records it.

    ``heartbeat_id`` is the row id (factories) or the check-in id (API answers).
    """
    with engine.connect() as conn:
        ping_id = conn.execute(text("SELECT ping_id FROM heartbeat WHERE id = :id OR ping_id = :id"),
                               {"id": heartbeat_id}).scalar()
    request = PingRequest(ping_id or "unknown", result, message=message, source_ip=source_ip, rid=rid,
                          exit_code=exit_code)
    with write_lock(engine), write_engine(engine).begin() as conn:
        apply_pings(conn, [request], at or utcnow())


def make_token(engine: Engine, scope: str = "read-write", name: str = "tests", now: datetime | None = None, *,
               service_id: str | None = None) -> str:
    """An API key's token; ``scope`` is a scope (read-only, read-write) or a role (admin, editor, viewer)."""
    with session_scope(engine, write=True) as session:
        _, token = create_api_key(session, name, scope, now or utcnow(), service_id=service_id)
    return token


def add_events(
    engine: Engine,
    heartbeat_id: str,
    events: Iterable[tuple[str, datetime] | tuple[str, datetime, int | None]],
) -> None:
    """Insert ``(result, received_at[, duration_ms])`` events and bump their hourly rollups."""
    rows = []
    rollups: Counter[tuple[int, str]] = Counter()
    durations: Counter[tuple[int, str]] = Counter()
    for result, received_at, *rest in events:
        duration_ms = rest[0] if rest else None
        micros = to_micros(received_at)
        hour = micros - micros % HOUR
        rows.append(
            {
                "heartbeat_id": heartbeat_id,
                "result": result,
                "received_at": micros,
                "duration_ms": duration_ms,
                "method": None if result == "miss" else "GET",
            }
        )
        rollups[(hour, result)] += 1
        if duration_ms is not None:
            durations[(hour, "total")] += duration_ms
            durations[(hour, "count")] += 1
    with session_scope(engine, write=True) as session:
        if rows:
            session.exec(  # type: ignore[call-overload]
                text(
                    "INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at, "
                    "method, duration_ms) VALUES (:heartbeat_id, :result, '', false, :received_at, "
                    ":method, :duration_ms)"
                ),
                params=rows,
            )
        for hour in sorted({hour for hour, _ in rollups}):
            add_rollup(
                session.connection(),
                heartbeat_id,
                hour,
                **{result: rollups[(hour, result)] for result in ROLLUP_RESULTS},
                duration_total_ms=durations[(hour, "total")],
                duration_count=durations[(hour, "count")],
            )


def add_rollup(conn: Connection, heartbeat_id: str, hour_start: int, **counts: int) -> None:
    """Add counts to one hourly rollup row (``tick=3, miss=1, duration_total_ms=...``)."""
    columns = [*ROLLUP_RESULTS, "duration_total_ms", "duration_count"]
    unknown = set(counts) - set(columns)
    assert not unknown, f"not a rollup count: {unknown}"
    executemany(conn, UPSERT_ROLLUP, [(heartbeat_id, hour_start, *(counts.get(column, 0) for column in columns))])
