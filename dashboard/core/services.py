"""Services: named groups of heartbeats.

Functions take the caller's session and only flush; the caller owns the
transaction (``session_scope(engine, write=True)`` for the writing ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from dashboard.core.contracts import ServiceCreate, ServiceUpdate
from dashboard.core.errors import Conflict, NotFound
from dashboard.core.ids import parse_id
from dashboard.core.paging import Page, offset
from dashboard.core.purge import queue_purge
from dashboard.core.schedule import STATUS_LATE, STATUS_PAUSED, STATUS_UP, STATUSES
from dashboard.models import Heartbeat, Service, new_ping_key

MAX_LIMIT = 500


@dataclass(frozen=True)
class ServiceOverview:
    """A service with how many of its heartbeats are in each status (all statuses present)."""

    service: Service
    status_counts: dict[str, int]

    @property
    def heartbeat_count(self) -> int:
        return sum(self.status_counts.values())


def get_service(session: Session, service_id: str, *, for_update: bool = False) -> Service:
    canonical = parse_id(service_id)
    service = session.get(Service, canonical, with_for_update=for_update) if canonical else None
    if service is None:
        raise NotFound("no service with this id")
    return service


def _ensure_name_free(session: Session, name: str, exclude_id: str | None = None) -> None:
    query = select(Service.id).where(Service.name == name)
    if exclude_id is not None:
        query = query.where(Service.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(f"a service named {name!r} already exists")


def _flush(session: Session, name: str) -> None:
    # The pre-check above covers the normal case; this covers a concurrent insert
    # of the same name on PostgreSQL (SQLite writers are serialised).
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a service named {name!r} already exists") from exc


def create_service(session: Session, data: ServiceCreate, now: datetime) -> Service:
    _ensure_name_free(session, data.name)
    service = Service(name=data.name, description=data.description, created_at=now, updated_at=now)
    session.add(service)
    _flush(session, data.name)
    return service


def update_service(session: Session, service_id: str, data: ServiceUpdate, now: datetime) -> Service:
    """Change the fields present in ``data``; omitted ones keep their value."""
    service = get_service(session, service_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] != service.name:
        _ensure_name_free(session, changes["name"], exclude_id=service.id)
    for field, value in changes.items():
        setattr(service, field, value)
    service.updated_at = now
    session.add(service)
    _flush(session, service.name)
    return service


def rotate_ping_key(session: Session, service_id: str, now: datetime) -> Service:
    """A new key for the service's slug check-in URLs; the old ones answer 404 at once."""
    service = get_service(session, service_id, for_update=True)
    service.ping_key = new_ping_key()
    service.updated_at = now
    session.add(service)
    session.flush()
    return service


def delete_service(session: Session, service_id: str, *, now: datetime, cascade: bool = False) -> None:
    """Delete a service; with heartbeats only when ``cascade`` (then they go too,
    through ON DELETE CASCADE, and their events are queued for the purge job)."""
    service = get_service(session, service_id, for_update=True)
    heartbeat_ids = list(session.exec(select(Heartbeat.id).where(Heartbeat.service_id == service.id)))
    if heartbeat_ids and not cascade:
        raise Conflict("the service still has heartbeats; delete them first or pass cascade=true")
    session.exec(delete(Service).where(col(Service.id) == service.id))
    queue_purge(session, heartbeat_ids, now)


def status_counts(session: Session, service_ids: Sequence[str] | None, now: datetime) -> dict[str, dict[str, int]]:
    """Per service, heartbeat counts per derived status (see Heartbeat.get_status).

    ``service_ids=None`` counts every service with one grouped scan of the table:
    without an ``IN (...)`` SQLite scans instead of visiting every row through the
    service index (4x faster at 100,000 heartbeats).  Services without
    heartbeats appear only when named.
    """
    counts: dict[str, dict[str, int]] = {sid: dict.fromkeys(STATUSES, 0) for sid in service_ids or ()}
    if service_ids is not None and not service_ids:
        return counts
    # Grouping by the stored columns and counting the overdue ones in an aggregate
    # (rather than grouping by a CASE with a bound ``now``) keeps PostgreSQL happy.
    overdue = func.sum(case((col(Heartbeat.next_due_at) <= now, 1), else_=0))
    query = sql_select(col(Heartbeat.service_id), col(Heartbeat.enabled), col(Heartbeat.status), func.count(), overdue).group_by(
        col(Heartbeat.service_id), col(Heartbeat.enabled), col(Heartbeat.status)
    )
    if service_ids is not None:
        query = query.where(col(Heartbeat.service_id).in_(service_ids))
    for service_id, enabled, status, count, overdue_count in session.execute(query):
        bucket = counts.setdefault(service_id, dict.fromkeys(STATUSES, 0))
        if not enabled:
            bucket[STATUS_PAUSED] += count
        elif status == STATUS_UP:
            bucket[STATUS_LATE] += int(overdue_count or 0)
            bucket[STATUS_UP] += count - int(overdue_count or 0)
        else:
            bucket[status] += count
    return counts


def get_service_overview(session: Session, service_id: str, now: datetime) -> ServiceOverview:
    service = get_service(session, service_id)
    return ServiceOverview(service, status_counts(session, [service.id], now)[service.id])


def list_services(session: Session, now: datetime, *, page: int = 1, limit: int = 50,
                  only: frozenset[str] | None = None) -> Page[ServiceOverview]:
    """Services ordered by name (only those in ``only``, when given), each with its heartbeats' status counts."""
    skip = offset(page, limit, MAX_LIMIT)
    count_query = select(func.count()).select_from(Service)
    query = select(Service).order_by(col(Service.name), col(Service.id))
    if only is not None:
        count_query = count_query.where(col(Service.id).in_(sorted(only)))
        query = query.where(col(Service.id).in_(sorted(only)))
    total = session.exec(count_query).one()
    services = list(session.exec(query.offset(skip).limit(limit)))
    counts = status_counts(session, [s.id for s in services], now)
    return Page([ServiceOverview(s, counts[s.id]) for s in services], page, limit, total)
