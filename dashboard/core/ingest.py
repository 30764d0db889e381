"""Write a batch of check-ins in one transaction (the group commit's unit of work).

``apply_pings`` resolves slug URLs to heartbeats (creating them for
``?create=1``), reads every heartbeat the batch touches, applies the pings in
arrival order in memory (``core.schedule.apply_ping``), and writes events, final
heartbeat states, hourly rollups and status flips with a handful of
``executemany`` calls.  A ping's answer (status, 404, 405, 409) is decided inside
the same transaction that records it, so a concurrent delete or update can never
be half-seen.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from dashboard.core.counters import add_counters
from dashboard.core.days_off import parse_skip_dates
from dashboard.core.recording import RollupAccumulator, insert_flips
from dashboard.core.schedule import STATUS_NEW, ScheduleState, apply_ping, runs_from_json, runs_to_json
from dashboard.core.sql import driver_sql, write_rows
from dashboard.models import new_public_id
from dashboard.timeutil import to_micros

MESSAGE_LIMIT = 1000
_SELECT_CHUNK = 500
# A heartbeat made by /ping/{ping_key}/{slug}?create=1: daily, an hour of grace.
CREATED_INTERVAL_S = 86_400
CREATED_GRACE_S = 3600
CREATED_METHODS = "GET,POST,HEAD"


@dataclass(slots=True)
class PingRequest:
    """One check-in.  It names its heartbeat by its check-in id (``ping_id``), or by
    the service's ``ping_key`` and the heartbeat's ``slug`` (then ``ping_id`` is "")."""

    ping_id: str
    result: str
    message: str = ""
    message_truncated: bool = False
    method: str = "GET"
    source_ip: str | None = None
    user_agent: str | None = None
    rid: str | None = None
    exit_code: int | None = None
    ping_key: str | None = None
    slug: str | None = None
    # With a slug: create the heartbeat in the key's service when it does not exist.
    create: bool = False


@dataclass(slots=True, frozen=True)
class PingOutcome:
    """``kind`` is "ok", "not_found", "method_not_allowed" or "conflict"."""

    kind: str
    status: str | None = None
    allowed_methods: tuple[str, ...] = ()
    created: bool = False
    message: str = ""


NOT_FOUND = PingOutcome("not_found")

_SELECT_COLUMNS = (
    "SELECT ping_id, id, interval, grace, methods, enabled, status, last_ping_at, next_due_at, miss_at, "
    "schedule, timezone, max_runtime, holidays, skip_dates, runs, run_timeout_at, manual_resume, last_duration_ms "
    "FROM heartbeat WHERE "
)
_EVENT_COLUMNS = ("heartbeat_id, result, message, message_truncated, received_at, method, source_ip, user_agent, "
                  "duration_ms, exit_code, rid")
_INSERT_EVENT = f"INSERT INTO event ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_EVENT_PG = (
    f"INSERT INTO event ({_EVENT_COLUMNS}) SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], "
    "%s::boolean[], %s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[], %s::bigint[], %s::smallint[], "
    "%s::varchar[])"
)
# n_pings is added to, not set: the rows are locked, but an addition stays right
# even for a writer that read the row before another committed.
_UPDATE_HEARTBEAT = (
    "UPDATE heartbeat SET enabled = ?, status = ?, last_ping_at = ?, next_due_at = ?, miss_at = ?, "
    "runs = ?, run_timeout_at = ?, last_duration_ms = ?, n_pings = n_pings + ? WHERE id = ?"
)
_UPDATE_HEARTBEAT_PG = (
    "UPDATE heartbeat AS h SET enabled = v.enabled, status = v.status, last_ping_at = v.last_ping_at, "
    "next_due_at = v.next_due_at, miss_at = v.miss_at, runs = v.runs, run_timeout_at = v.run_timeout_at, "
    "last_duration_ms = v.last_duration_ms, n_pings = h.n_pings + v.added "
    "FROM unnest(%s::boolean[], %s::varchar[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::bigint[], "
    "%s::bigint[], %s::bigint[], %s::varchar[]) "
    "AS v(enabled, status, last_ping_at, next_due_at, miss_at, runs, run_timeout_at, last_duration_ms, added, id) "
    "WHERE h.id = v.id"
)
_SLUG_MATCHES = (
    "SELECT h.ping_id, h.slug FROM heartbeat h JOIN service s ON s.id = h.service_id "
    "WHERE s.ping_key = ? AND h.slug = ?"
)
_SERVICE_BY_KEY = "SELECT id FROM service WHERE ping_key = ?"
_NAME_TAKEN = "SELECT id FROM heartbeat WHERE service_id = ? AND name = ?"
_INSERT_HEARTBEAT = (
    "INSERT INTO heartbeat (id, ping_id, public_id, service_id, name, slug, interval, grace, methods, enabled, "
    "status, timezone, created_at, updated_at, alert_threshold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'UTC', ?, ?, 1)"
)


def load_states(conn: Connection, ping_ids: Sequence[str]) -> dict[str, ScheduleState]:
    """Read the heartbeats with these check-in ids (locking them on PostgreSQL) into
    state records, keyed by check-in id; each record carries the row's own id."""
    lock = " ORDER BY id FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    states: dict[str, ScheduleState] = {}
    for start in range(0, len(ping_ids), _SELECT_CHUNK):
        chunk = tuple(ping_ids[start : start + _SELECT_CHUNK])
        placeholders = "ping_id IN (" + ", ".join("?" * len(chunk)) + ")"
        statement = driver_sql(conn, _SELECT_COLUMNS + placeholders + lock)
        for (ping_id, hb_id, interval, grace, methods, enabled, status, last_ping_at, next_due_at, miss_at, schedule,
             timezone, max_runtime, holidays, skip_dates, runs, run_timeout_at, manual_resume,
             last_duration_ms) in conn.exec_driver_sql(statement, chunk):
            states[ping_id] = ScheduleState(
                id=hb_id,
                interval=interval,
                grace=grace,
                methods=tuple(methods.split(",")),
                enabled=bool(enabled),
                status=status,
                last_ping_at=last_ping_at,
                next_due_at=next_due_at,
                miss_at=miss_at,
                schedule=schedule,
                timezone=timezone,
                max_runtime=max_runtime,
                holidays=holidays,
                skip_dates=parse_skip_dates(skip_dates),
                runs=runs_from_json(runs),
                run_timeout_at=run_timeout_at,
                manual_resume=bool(manual_resume),
                last_duration_ms=last_duration_ms,
            )
    return states


def _create_by_slug(conn: Connection, ping_key: str, slug: str, received_micros: int) -> PingOutcome | str:
    """A new heartbeat named and slugged ``slug`` in the key's service: its check-in id, or why not."""
    service = conn.exec_driver_sql(driver_sql(conn, _SERVICE_BY_KEY), (ping_key,)).first()
    if service is None:
        return NOT_FOUND
    if conn.exec_driver_sql(driver_sql(conn, _NAME_TAKEN), (service[0], slug)).first() is not None:
        return PingOutcome("conflict", message=f"the service already has a heartbeat named {slug!r} with another slug")
    ping_id = str(uuid.uuid4())
    conn.exec_driver_sql(driver_sql(conn, _INSERT_HEARTBEAT), (
        str(uuid.uuid4()), ping_id, new_public_id(), service[0], slug, slug, CREATED_INTERVAL_S, CREATED_GRACE_S,
        CREATED_METHODS, True, STATUS_NEW, received_micros, received_micros,
    ))
    return ping_id


def _resolve_slugs(conn: Connection, pings: Sequence[PingRequest], received_micros: int,
                   created: set[str]) -> dict[tuple[str, str], PingOutcome | str]:
    """(ping_key, slug) → the check-in id of the heartbeat it names, or the outcome to answer.

    Heartbeats made for ``?create=1`` are added to ``created``.
    """
    resolved: dict[tuple[str, str], PingOutcome | str] = {}
    wants_create = {(p.ping_key, p.slug) for p in pings if p.slug is not None and p.create}
    for ping in pings:
        if ping.slug is None or ping.ping_key is None or (ping.ping_key, ping.slug) in resolved:
            continue
        key = (ping.ping_key, ping.slug)
        matches = list(conn.exec_driver_sql(driver_sql(conn, _SLUG_MATCHES), key))
        if len(matches) == 1:
            resolved[key] = str(matches[0][0])
        elif len(matches) > 1:
            resolved[key] = PingOutcome("conflict", message=f"{len(matches)} heartbeats have the slug {ping.slug!r}")
        elif key in wants_create:
            made = _create_by_slug(conn, ping.ping_key, ping.slug, received_micros)
            if isinstance(made, str):
                created.add(made)
            resolved[key] = made
        else:
            resolved[key] = NOT_FOUND
    return resolved


def apply_pings(conn: Connection, pings: Sequence[PingRequest], received_at: datetime) -> list[PingOutcome]:
    """Record ``pings`` (all stamped ``received_at``) inside the caller's transaction."""
    received_micros = to_micros(received_at)
    created: set[str] = set()
    slugs = _resolve_slugs(conn, pings, received_micros, created) if any(p.slug is not None for p in pings) else {}
    targets: list[str | PingOutcome] = []
    for ping in pings:
        target = slugs[(ping.ping_key, ping.slug)] if ping.slug is not None and ping.ping_key is not None \
            else ping.ping_id
        targets.append(target)
    states = load_states(conn, sorted({t for t in targets if isinstance(t, str)}))
    outcomes: list[PingOutcome] = []
    events: list[tuple[object, ...]] = []
    flips: list[tuple[str, str, str, str, int]] = []
    rollups = RollupAccumulator()
    first_ping_of: set[str] = set()
    recorded: Counter[str] = Counter()  # events per heartbeat: its n_pings grows by as many

    for ping, target in zip(pings, targets, strict=True):
        if isinstance(target, PingOutcome):
            outcomes.append(target)
            continue
        state = states.get(target)
        if state is None:
            outcomes.append(NOT_FOUND)
            continue
        if ping.method not in state.methods:
            outcomes.append(PingOutcome("method_not_allowed", allowed_methods=state.methods))
            continue
        effect = apply_ping(state, ping.result, received_micros, ping.rid)
        events.append((state.id, ping.result, ping.message, ping.message_truncated, received_micros,
                       ping.method, ping.source_ip, ping.user_agent, effect.duration_ms, ping.exit_code, ping.rid))
        rollups.add(state.id, received_micros, ping.result, effect.duration_ms)
        recorded[target] += 1
        if effect.flip is not None:
            flips.append((state.id, *effect.flip, received_micros))
        # The first check-in of a heartbeat this batch created answers 201.
        was_created = target in created and target not in first_ping_of
        first_ping_of.add(target)
        outcomes.append(PingOutcome("ok", status=state.effective_status(received_micros), created=was_created))

    write_rows(conn, _INSERT_EVENT, _INSERT_EVENT_PG, events)
    write_rows(conn, _UPDATE_HEARTBEAT, _UPDATE_HEARTBEAT_PG, [
        (s.enabled, s.status, s.last_ping_at, s.next_due_at, s.miss_at, runs_to_json(s.runs), s.run_timeout_at,
         s.last_duration_ms, recorded[ping_id], s.id)
        for ping_id, s in states.items() if s.dirty or recorded[ping_id]
    ])
    rollups.write(conn)
    insert_flips(conn, flips)
    add_counters(conn, Counter(f"checkins_{event[1]}" for event in events))
    return outcomes
