"""What the overview reads and writes: plain functions over core (run in a thread), and its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.components.humanize import cadence_text, exact_text, relative_text
from dashboard.components.status_badge import StatusCount, status_chips
from dashboard.core import services
from dashboard.core.contracts import ServiceCreate
from dashboard.core.errors import DomainError
from dashboard.core.overview import Overview, overview
from dashboard.db import session_scope
from dashboard.forms.parsing import domain_errors, service_input
from dashboard.timeutil import utcnow

PER_SERVICE = 8


@dataclass
class OverviewHeartbeat:
    id: str = ""
    name: str = ""
    status: str = ""
    href: str = ""
    interval_text: str = ""
    last_ping_text: str = ""
    last_ping_exact: str = ""


@dataclass
class OverviewService:
    id: str = ""
    name: str = ""
    description: str = ""
    href: str = ""
    worst_status: str = ""
    heartbeat_count: int = 0
    more: int = 0
    chips: list[StatusCount] = field(default_factory=list)
    heartbeats: list[OverviewHeartbeat] = field(default_factory=list)


def overview_rows(data: Overview, now: datetime) -> list[OverviewService]:
    rows = []
    for service in data.services:
        rows.append(OverviewService(
            id=service.id,
            name=service.name,
            description=service.description,
            href=f"/services/{service.id}",
            worst_status=service.worst_status or "",
            heartbeat_count=service.heartbeat_count,
            more=max(0, service.heartbeat_count - len(service.heartbeats)),
            chips=status_chips(service.status_counts),
            heartbeats=[
                OverviewHeartbeat(
                    id=hb.public_id, name=hb.name, status=hb.status, href=f"/heartbeats/{hb.public_id}",
                    interval_text=cadence_text(hb.interval, hb.schedule),
                    last_ping_text=relative_text(hb.last_ping_at, now, never="no check-in yet"),
                    last_ping_exact=exact_text(hb.last_ping_at),
                )
                for hb in service.heartbeats
            ],
        ))
    return rows


def load_overview(now: datetime) -> tuple[dict[str, int], list[OverviewService]]:
    with session_scope() as session:
        data = overview(session, now, per_service=PER_SERVICE)
    return data.totals, overview_rows(data, now)


def create_service_from_form(form: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """The new-service form → (the new service's id, {}) or (None, field errors)."""
    data, errors = service_input(form, ServiceCreate)
    if data is None:
        return None, errors
    try:
        with session_scope(write=True) as session:
            return services.create_service(session, data, utcnow()).id, {}
    except DomainError as exc:
        return None, domain_errors(exc)
