"""The overview: every service with its status counts and its worst heartbeats first.

What the dashboard's home page and the service picker read.  Like the rest of
``core``: functions take the caller's session and ``now``, and return plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dashboard.core.schedule import STATUS_DOWN, STATUS_PAUSED, STATUS_UP, STATUSES, derived_status, severity, worst_status
from dashboard.core.services import status_counts
from dashboard.models import Heartbeat, Service
from dashboard.timeutil import to_micros


@dataclass(frozen=True)
class HeartbeatSummary:
    id: str
    public_id: str
    name: str
    status: str
    interval: int | None
    schedule: str | None
    last_ping_at: datetime | None
    next_due_at: datetime | None


@dataclass(frozen=True)
class ServiceSummary:
    id: str
    name: str
    description: str
    status_counts: dict[str, int]
    # The worst ``per_service`` heartbeats (down, late, up, new, paused; then by name).
    heartbeats: list[HeartbeatSummary] = field(default_factory=list)

    @property
    def heartbeat_count(self) -> int:
        return sum(self.status_counts.values())

    @property
    def worst_status(self) -> str | None:
        return worst_status(self.status_counts)


@dataclass(frozen=True)
class Overview:
    totals: dict[str, int]
    services: list[ServiceSummary]

    @property
    def heartbeat_count(self) -> int:
        return sum(self.totals.values())


_SUMMARY_COLUMNS = (
    col(Heartbeat.id), col(Heartbeat.public_id), col(Heartbeat.service_id), col(Heartbeat.name),
    col(Heartbeat.interval), col(Heartbeat.schedule),
    col(Heartbeat.last_ping_at), col(Heartbeat.next_due_at), col(Heartbeat.enabled), col(Heartbeat.status),
)


def _summaries(session: Session, query, now: datetime) -> list[HeartbeatSummary]:  # type: ignore[no-untyped-def]
    now_micros = to_micros(now)
    found = []
    for row in session.execute(query):
        next_due = None if row.next_due_at is None else to_micros(row.next_due_at)
        found.append(HeartbeatSummary(id=row.id, public_id=row.public_id, name=row.name,
                                      status=derived_status(row.enabled, row.status, next_due, now_micros),
                                      interval=row.interval, schedule=row.schedule, last_ping_at=row.last_ping_at,
                                      next_due_at=row.next_due_at))
    return found


def _worst_heartbeats(session: Session, service_id: str, counts: dict[str, int], now: datetime,
                      limit: int) -> list[HeartbeatSummary]:
    """Down ones, then late ones (each by name), then the rest by status and name.

    Problems are looked for only in services whose counts say they have some; the
    rest come from the (service_id, name) index, so a calm service costs one short
    index range however many heartbeats it has.
    """
    in_service = col(Heartbeat.service_id) == service_id
    enabled = col(Heartbeat.enabled).is_(True)
    chosen: list[HeartbeatSummary] = []
    if counts.get("down"):
        chosen += _summaries(session, sa_select(*_SUMMARY_COLUMNS).where(
            in_service, enabled, col(Heartbeat.status) == STATUS_DOWN).order_by(col(Heartbeat.name)).limit(limit), now)
    if counts.get("late") and len(chosen) < limit:
        chosen += _summaries(session, sa_select(*_SUMMARY_COLUMNS).where(
            in_service, enabled, col(Heartbeat.status) == STATUS_UP, col(Heartbeat.next_due_at) <= now,
        ).order_by(col(Heartbeat.name)).limit(limit - len(chosen)), now)
    if len(chosen) < limit:
        taken = {h.id for h in chosen}
        rest = _summaries(session, sa_select(*_SUMMARY_COLUMNS).where(in_service)
                          .order_by(col(Heartbeat.name)).limit(limit + len(taken)), now)
        rest = [h for h in rest if h.id not in taken and h.status not in ("down", "late")]
        rest.sort(key=lambda h: severity(h.status))  # stable: by name within a status
        chosen += rest[: limit - len(chosen)]
    return chosen


def overview(session: Session, now: datetime, *, per_service: int = 8) -> Overview:
    """Every service with its status counts and its worst heartbeats; worst services first.

    One grouped scan for the counts, then a few index-bounded queries per service:
    a service with 10,000 heartbeats contributes ``per_service`` rows.
    """
    services = list(session.exec(select(Service)))
    counts = status_counts(session, None, now)
    summaries = []
    for service in services:
        service_counts = counts.get(service.id, dict.fromkeys(STATUSES, 0))
        heartbeats = _worst_heartbeats(session, service.id, service_counts, now, per_service) \
            if sum(service_counts.values()) else []
        summaries.append(ServiceSummary(service.id, service.name, service.description, service_counts, heartbeats))
    summaries.sort(key=lambda s: (severity(s.worst_status or STATUS_PAUSED), s.name.lower(), s.name))
    totals = dict.fromkeys(STATUSES, 0)
    for summary in summaries:
        for status, count in summary.status_counts.items():
            totals[status] += count
    return Overview(totals, summaries)


def service_names(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every service, by name: the choices when moving a heartbeat."""
    return [(row[0], row[1]) for row in session.exec(select(Service.id, Service.name).order_by(col(Service.name)))]
