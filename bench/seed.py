"""Fast bulk seeding straight through the driver (sqlite3 or psycopg), not the ORM.

Creating 100,000 heartbeats or 1,000,000 events through the ORM or the API would
take minutes and measure nothing useful; ``executemany`` on the raw connection
takes seconds.  Rows are what the application itself would have written:
heartbeats that are up with a future deadline, events with the hourly
``event_rollup`` rows that the ping writer keeps beside them.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import make_url

from dashboard.migrate import upgrade_database

SECOND = 1_000_000
HOUR = 3600 * SECOND
_CHUNK = 50_000
_METHODS = "GET,POST,HEAD"

_INSERT_SERVICE = (
    "INSERT INTO service (id, name, description, ping_key, created_at, updated_at) VALUES (?, ?, '', ?, ?, ?)"
)
_INSERT_HEARTBEAT = (
    "INSERT INTO heartbeat (id, ping_id, public_id, service_id, name, interval, schedule, timezone, grace, methods, "
    "enabled, status, last_ping_at, next_due_at, miss_at, created_at, updated_at, alert_threshold) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 'up', ?, ?, ?, ?, ?, 1)"
)
# A mix of real-world cron jobs and zones for the "every heartbeat on cron" runs.
CRON_MIX = (
    ("*/5 * * * *", "UTC"), ("0 * * * *", "Europe/Berlin"), ("30 2 * * *", "America/New_York"),
    ("0 9 * * 1-5", "Asia/Kolkata"), ("15 */6 * * *", "Australia/Sydney"), ("0 0 * * 0", "America/Sao_Paulo"),
    ("0 3 1 * *", "Africa/Cairo"), ("*/15 8-18 * * MON-FRI", "Asia/Tokyo"),
)
_INSERT_EVENT = (
    "INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at, method, source_ip, "
    "user_agent, duration_ms) VALUES (?, ?, '', ?, ?, 'GET', '127.0.0.1', 'lubdub-bench', ?)"
)
_INSERT_ROLLUP = (
    "INSERT INTO event_rollup (heartbeat_id, hour_start, tick_count, run_count, complete_count, fail_count, "
    "miss_count, duration_total_ms, duration_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)  # timeout/log/skip counts keep their default 0


class Raw:
    """A DB-API connection and the placeholder its driver wants."""

    def __init__(self, connection: Any, paramstyle: str) -> None:
        self.connection = connection
        self.paramstyle = paramstyle

    def sql(self, statement: str) -> str:
        return statement if self.paramstyle == "qmark" else statement.replace("?", "%s")

    def executemany(self, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        cursor = self.connection.cursor()
        for start in range(0, len(rows), _CHUNK):
            cursor.executemany(self.sql(statement), rows[start : start + _CHUNK])
        cursor.close()

    def scalar(self, statement: str, params: tuple[Any, ...] = ()) -> Any:
        cursor = self.connection.cursor()
        cursor.execute(self.sql(statement), params)
        row = cursor.fetchone()
        cursor.close()
        return None if row is None else row[0]


@contextmanager
def connect(url: str) -> Iterator[Raw]:
    """One transaction on a raw connection to ``url``: committed on success."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database or ":memory:", timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        raw = Raw(connection, "qmark")
    else:
        import psycopg

        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = psycopg.connect(conninfo)
        raw = Raw(connection, "format")
    try:
        yield raw
        connection.commit()
    finally:
        connection.close()


def fresh_database(url: str) -> None:
    upgrade_database(url)


def count_events(url: str, heartbeat_id: str | None = None) -> int:
    with connect(url) as raw:
        if heartbeat_id is None:
            return int(raw.scalar("SELECT COUNT(*) FROM event"))
        return int(raw.scalar("SELECT COUNT(*) FROM event WHERE heartbeat_id = ?", (heartbeat_id,)))


def seed_heartbeats(url: str, count: int, *, now: int, interval: int = 3600, miss_at: int | None = None,
                    service_name: str | None = None, cron: bool = False) -> list[str]:
    """``count`` heartbeats that are up, last pinged at ``now`` (epoch micros), due one interval later.

    With ``cron``, each runs on a schedule of ``CRON_MIX`` (mixed zones) instead,
    due at its next slot.  ``miss_at`` overrides the stored deadline of all of
    them (default: when they are due).  Returns their ids in insertion order:
    each heartbeat's check-in id (the id in /ping/{id}) equals its row id (which
    events point at), as for heartbeats made before check-in ids could be
    regenerated, so benchmarks can use one id for both.
    """
    from dashboard.core.schedule import Cadence

    service_id = str(uuid.uuid4())
    ids = [str(uuid.uuid4()) for _ in range(count)]
    rows = []
    for i, hb_id in enumerate(ids):
        expression, zone = CRON_MIX[i % len(CRON_MIX)] if cron else (None, "UTC")
        due = Cadence(None, expression, zone).fresh_from(now) if expression else now + interval * SECOND
        public_id = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        rows.append((hb_id, hb_id, public_id, service_id, f"hb-{i:06d}", None if expression else interval, expression, zone, _METHODS,
                     True, now, due, miss_at if miss_at is not None else due, now, now))
    with connect(url) as raw:
        raw.executemany(_INSERT_SERVICE, [(service_id, service_name or f"bench-{service_id[:8]}",
                                           uuid.uuid4().hex[:22], now, now)])
        raw.executemany(_INSERT_HEARTBEAT, rows)
        analyze(raw)
    return ids


def analyze(raw: Raw) -> None:
    """Table statistics, as autovacuum would have gathered them on a live PostgreSQL
    database: without them, the planner may pick a sequential scan for the first
    minutes of a benchmark on freshly bulk-loaded rows."""
    if raw.paramstyle != "qmark":
        cursor = raw.connection.cursor()
        cursor.execute("ANALYZE")
        cursor.close()


def _result_of(index: int) -> str:
    """A plausible mix: a run/complete pair every 10 events, a failure every 50, ticks otherwise."""
    if index % 10 == 0:
        return "run"
    if index % 10 == 1:
        return "complete"
    if index % 50 == 7:
        return "fail"
    return "tick"


_ROLLUP_INDEX = {"tick": 0, "run": 1, "complete": 2, "fail": 3, "miss": 4}


def seed_events(url: str, heartbeat_id: str, count: int, *, start: int, end: int) -> list[tuple[int, int]]:
    """``count`` events of one heartbeat spread evenly over [start, end), and their hourly rollups.

    Returns the (hour_start, number of events) pairs written to ``event_rollup``.
    """
    step = (end - start) / count
    events: list[tuple[Any, ...]] = []
    rollups: dict[int, list[int]] = {}
    run_started: int | None = None
    for index in range(count):
        received_at = start + int(index * step)
        result = _result_of(index)
        duration_ms = None
        if result == "run":
            run_started = received_at
        elif result == "complete" and run_started is not None:
            duration_ms = (received_at - run_started) // 1000
            run_started = None
        events.append((heartbeat_id, result, False, received_at, duration_ms))
        counts = rollups.setdefault(received_at - received_at % HOUR, [0] * 7)
        counts[_ROLLUP_INDEX[result]] += 1
        if duration_ms is not None:
            counts[5] += duration_ms
            counts[6] += 1
    with connect(url) as raw:
        raw.executemany(_INSERT_EVENT, events)
        raw.executemany(_INSERT_ROLLUP, [(heartbeat_id, hour, *counts) for hour, counts in sorted(rollups.items())])
    return [(hour, sum(counts[:5])) for hour, counts in sorted(rollups.items())]
