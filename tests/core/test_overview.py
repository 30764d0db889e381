"""The overview query and backward event paging."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from dashboard.core.events import events_before, list_events
from dashboard.core.overview import overview
from dashboard.db import session_scope
from tests.factories import add_events, make_heartbeat, make_service


def test_the_overview_puts_the_worst_services_and_heartbeats_first(engine: Engine, now: datetime) -> None:
    calm = make_service(engine, "aaa-calm")
    burning = make_service(engine, "zzz-burning")
    make_heartbeat(engine, calm.id, "fine", status="up", next_due_at=now + timedelta(minutes=5))
    make_heartbeat(engine, burning.id, "a-fine", status="up", next_due_at=now + timedelta(minutes=5))
    make_heartbeat(engine, burning.id, "b-paused", status="down", enabled=False)
    make_heartbeat(engine, burning.id, "c-late", status="up", next_due_at=now - timedelta(seconds=1))
    make_heartbeat(engine, burning.id, "d-new")
    make_heartbeat(engine, burning.id, "e-down", status="down")
    make_service(engine, "mmm-empty")

    with session_scope(engine) as session:
        result = overview(session, now, per_service=3)

    assert [s.name for s in result.services] == ["zzz-burning", "aaa-calm", "mmm-empty"]
    burning_summary = result.services[0]
    assert [(h.name, h.status) for h in burning_summary.heartbeats] == [
        ("e-down", "down"), ("c-late", "late"), ("a-fine", "up")]
    assert burning_summary.heartbeat_count == 5
    assert burning_summary.worst_status == "down"
    assert result.totals == {"new": 1, "up": 2, "late": 1, "down": 1, "paused": 1}
    assert result.services[2].heartbeats == [] and result.services[2].worst_status is None
    with session_scope(engine) as session:
        everything = overview(session, now, per_service=10).services[0].heartbeats
    assert [h.name for h in everything] == ["e-down", "c-late", "a-fine", "d-new", "b-paused"]


def test_paging_backwards_returns_every_event_once_even_on_equal_timestamps(engine: Engine, now: datetime) -> None:
    service = make_service(engine)
    heartbeat = make_heartbeat(engine, service.id)
    add_events(engine, heartbeat.id, [("tick", now - timedelta(seconds=i // 3)) for i in range(20)])

    with session_scope(engine) as session:
        page = list_events(session, heartbeat.id, limit=4)
        seen = [e.id for e in page]
        while page:
            page = events_before(session, heartbeat.id, before=page[-1].received_at, before_id=page[-1].id, limit=4)
            seen.extend(e.id for e in page)
        everything = list_events(session, heartbeat.id, limit=100)

    assert seen == [e.id for e in everything]
    assert len(seen) == 20
