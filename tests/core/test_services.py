"""Service CRUD in core, and the per-status heartbeat counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard.core import purge, services
from dashboard.core.contracts import ServiceCreate, ServiceUpdate
from dashboard.core.errors import Conflict, NotFound
from dashboard.db import session_scope
from tests.factories import add_events, make_heartbeat, make_service


def test_create_update_and_name_uniqueness(engine: Engine, now: datetime) -> None:
    with session_scope(engine, write=True) as session:
        created = services.create_service(session, ServiceCreate(name=" Billing ", description="money"), now)
    assert (created.name, created.description, created.created_at) == ("Billing", "money", now)
    make_service(engine, "Shipping")
    later = now + timedelta(minutes=5)
    with session_scope(engine, write=True) as session, pytest.raises(Conflict):
        services.create_service(session, ServiceCreate(name="Shipping"), now)
    with session_scope(engine, write=True) as session, pytest.raises(Conflict):
        services.update_service(session, created.id, ServiceUpdate(name="Shipping"), later)
    with session_scope(engine, write=True) as session:
        updated = services.update_service(session, created.id, ServiceUpdate(description="cash"), later)
    assert (updated.name, updated.description, updated.updated_at) == ("Billing", "cash", later)


def test_status_counts_derive_late_and_paused(engine: Engine, now: datetime) -> None:
    sid = make_service(engine).id
    empty = make_service(engine, "empty").id
    minute = timedelta(minutes=1)
    make_heartbeat(engine, sid, "new")
    make_heartbeat(engine, sid, "up", status="up", next_due_at=now + minute)
    make_heartbeat(engine, sid, "late", status="up", next_due_at=now - minute)
    make_heartbeat(engine, sid, "late-too", status="up", next_due_at=now)
    make_heartbeat(engine, sid, "down", status="down", next_due_at=now - minute)
    make_heartbeat(engine, sid, "paused", status="up", enabled=False, next_due_at=now - minute)
    with session_scope(engine) as session:
        counts = services.status_counts(session, [sid, empty], now)
        page = services.list_services(session, now)
    assert counts[sid] == {"new": 1, "up": 1, "late": 2, "down": 1, "paused": 1}
    assert counts[empty] == {"new": 0, "up": 0, "late": 0, "down": 0, "paused": 0}
    assert [(o.service.name, o.heartbeat_count) for o in page.items] == [("empty", 0), ("payments", 6)]


def test_delete_refuses_a_service_with_heartbeats_unless_cascading(engine: Engine, now: datetime) -> None:
    sid = make_service(engine).id
    hb = make_heartbeat(engine, sid)
    add_events(engine, hb.id, [("tick", now)])
    with session_scope(engine, write=True) as session, pytest.raises(Conflict):
        services.delete_service(session, sid, now=now)
    with session_scope(engine, write=True) as session:
        services.delete_service(session, sid, cascade=True, now=now)
    purge.purge_events(engine)
    with session_scope(engine) as session, pytest.raises(NotFound):
        services.get_service(session, sid)
    with engine.connect() as conn:
        for table in ("heartbeat", "event", "event_rollup"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0


def test_malformed_and_unknown_ids_are_not_found(engine: Engine) -> None:
    with session_scope(engine) as session:
        for service_id in ["", "x", "\x00", "0b0b0b0b-0000-4000-8000-000000000000"]:
            with pytest.raises(NotFound):
                services.get_service(session, service_id)
