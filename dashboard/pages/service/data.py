"""What the service page reads and writes: plain functions over core (run in a thread), and its rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard.components.heartbeat_facts import HeartbeatFacts, describe
from dashboard.core import heartbeats, services
from dashboard.core.contracts import ServiceUpdate
from dashboard.core.errors import DomainError, NotFound
from dashboard.db import session_scope
from dashboard.forms.parsing import domain_errors, service_input
from dashboard.timeutil import utcnow


@dataclass
class HeartbeatRow(HeartbeatFacts):
    href: str = ""


@dataclass
class ServicePageData:
    name: str
    description: str
    counts: dict[str, int]
    rows: list[HeartbeatRow]
    page: int
    total: int


def load_service_page(service_id: str, page: int, limit: int, now: datetime) -> ServicePageData | None:
    """One page of the service's heartbeats (None for an unknown service).

    A page past the end (after deleting its last rows) falls back to the last page.
    """
    try:
        with session_scope() as session:
            overview = services.get_service_overview(session, service_id, now)
            total = overview.heartbeat_count
            last_page = max(1, math.ceil(total / limit))
            page = min(max(page, 1), last_page)
            listing = heartbeats.list_heartbeats(session, service_id, page=page, limit=limit)
            return ServicePageData(
                name=overview.service.name,
                description=overview.service.description,
                counts=overview.status_counts,
                rows=[describe(hb, now, HeartbeatRow, href=f"/heartbeats/{hb.public_id}") for hb in listing.items],
                page=page,
                total=listing.total,
            )
    except NotFound:
        return None


def pause_or_resume(public_ids: list[str], enabled: bool) -> int:
    """Resume (``enabled``) or pause the heartbeats; returns how many there were."""
    with session_scope(write=True) as session:
        return len(heartbeats.set_heartbeats_enabled(session, public_ids, enabled, utcnow(), by="public_id").done)


def delete_many(public_ids: list[str]) -> int:
    with session_scope(write=True) as session:
        return len(heartbeats.delete_heartbeats(session, public_ids, utcnow(), by="public_id").done)


def update_service_from_form(service_id: str, form: dict[str, Any]) -> dict[str, str]:
    """Apply the edit-service form; returns field errors (empty on success)."""
    data, errors = service_input(form, ServiceUpdate)
    if data is None:
        return errors
    try:
        with session_scope(write=True) as session:
            services.update_service(session, service_id, data, utcnow())
    except DomainError as exc:
        return domain_errors(exc)
    return {}


def delete_with_heartbeats(service_id: str) -> None:
    try:
        with session_scope(write=True) as session:
            services.delete_service(session, service_id, cascade=True, now=utcnow())
    except NotFound:
        pass  # already gone
