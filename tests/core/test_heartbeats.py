"""Heartbeat CRUD in core, above all the detector's deadline (miss_at) invariants."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard.core import heartbeats, purge
from dashboard.core.contracts import HeartbeatCreate, HeartbeatUpdate
from dashboard.core.errors import Conflict, Invalid, NotFound
from dashboard.db import session_scope
from dashboard.models import Heartbeat
from tests.factories import add_events, make_heartbeat, make_service

MIN = timedelta(minutes=1)


@pytest.fixture
def service_id(engine: Engine) -> str:
    return make_service(engine).id


def reload(engine: Engine, heartbeat_id: str) -> Heartbeat:
    with session_scope(engine) as session:
        return heartbeats.get_heartbeat(session, heartbeat_id)


def update(engine: Engine, heartbeat_id: str, now: datetime, **fields: object) -> Heartbeat:
    with session_scope(engine, write=True) as session:
        return heartbeats.update_heartbeat(session, heartbeat_id, HeartbeatUpdate(**fields), now)  # type: ignore[arg-type]


def test_create_makes_a_new_heartbeat_with_nothing_due(engine: Engine, service_id: str, now: datetime) -> None:
    data = HeartbeatCreate(service_id=service_id, name=" nightly ", interval=3600, grace=60, methods=["put", "get"])
    with session_scope(engine, write=True) as session:
        created = heartbeats.create_heartbeat(session, data, now)
    hb = reload(engine, created.id)
    assert (hb.name, hb.interval, hb.grace, hb.methods) == ("nightly", 3600, 60, "GET,PUT")
    assert (hb.status, hb.enabled, hb.next_due_at, hb.miss_at) == ("new", True, None, None)
    assert hb.created_at == hb.updated_at == now


def test_create_rejects_an_unknown_service_and_a_duplicate_name(engine: Engine, service_id: str, now: datetime) -> None:
    make_heartbeat(engine, service_id, "backup")
    with session_scope(engine, write=True) as session:
        with pytest.raises(Invalid) as invalid:
            heartbeats.create_heartbeat(
                session, HeartbeatCreate(service_id="5f0c7a4e-0000-4000-8000-000000000000", name="x", interval=60), now
            )
        assert invalid.value.field == "service_id"
        with pytest.raises(Conflict):
            heartbeats.create_heartbeat(
                session, HeartbeatCreate(service_id=service_id, name="backup", interval=60), now
            )


def test_pause_clears_the_deadline_and_keeps_the_status_column(engine: Engine, service_id: str, now: datetime) -> None:
    hb = make_heartbeat(
        engine, service_id, status="down", last_ping_at=now - 5 * MIN, next_due_at=now - 4 * MIN, miss_at=now + MIN
    )
    update(engine, hb.id, now, enabled=False)
    row = reload(engine, hb.id)
    assert (row.enabled, row.status, row.miss_at) == (False, "down", None)
    assert row.get_status(now) == "paused"
    assert row.updated_at == now


def test_resuming_a_never_pinged_heartbeat_keeps_it_new(engine: Engine, service_id: str, now: datetime) -> None:
    hb = make_heartbeat(engine, service_id, enabled=False)
    with session_scope(engine, write=True) as session:
        heartbeats.resume_heartbeat(session, hb.id, now)
    row = reload(engine, hb.id)
    assert (row.enabled, row.status, row.next_due_at, row.miss_at) == (True, "new", None, None)


@pytest.mark.parametrize("stored_status", ["up", "down"])
def test_resume_gives_a_full_interval_from_now(
    engine: Engine, service_id: str, now: datetime, stored_status: str
) -> None:
    hb = make_heartbeat(
        engine,
        service_id,
        interval=600,
        grace=30,
        enabled=False,
        status=stored_status,
        last_ping_at=now - timedelta(days=3),
        next_due_at=now - timedelta(days=3) + 10 * MIN,
    )
    with session_scope(engine, write=True) as session:
        heartbeats.resume_heartbeat(session, hb.id, now)
    row = reload(engine, hb.id)
    assert row.enabled is True
    assert row.status == "up"
    assert row.next_due_at == now + 10 * MIN
    assert row.miss_at == now + 10 * MIN + timedelta(seconds=30)
    assert row.updated_at == now


def test_resume_through_update_uses_the_new_interval(engine: Engine, service_id: str, now: datetime) -> None:
    hb = make_heartbeat(engine, service_id, interval=600, enabled=False, status="up", last_ping_at=now - MIN)
    update(engine, hb.id, now, enabled=True, interval=60, grace=5)
    row = reload(engine, hb.id)
    assert row.next_due_at == now + MIN
    assert row.miss_at == now + MIN + timedelta(seconds=5)


def test_interval_change_while_up_counts_from_the_last_ping(engine: Engine, service_id: str, now: datetime) -> None:
    last_ping = now - 2 * MIN
    hb = make_heartbeat(
        engine,
        service_id,
        interval=600,
        grace=0,
        status="up",
        last_ping_at=last_ping,
        next_due_at=last_ping + 10 * MIN,
        miss_at=last_ping + 10 * MIN,
    )
    update(engine, hb.id, now, interval=300, grace=20)
    row = reload(engine, hb.id)
    assert row.next_due_at == last_ping + 5 * MIN
    assert row.miss_at == last_ping + 5 * MIN + timedelta(seconds=20)
    assert row.status == "up"
    assert row.updated_at == now


def test_grace_change_alone_moves_only_the_miss_deadline(engine: Engine, service_id: str, now: datetime) -> None:
    last_ping = now - 2 * MIN
    hb = make_heartbeat(
        engine,
        service_id,
        interval=600,
        grace=0,
        status="up",
        last_ping_at=last_ping,
        next_due_at=last_ping + 10 * MIN,
        miss_at=last_ping + 10 * MIN,
    )
    update(engine, hb.id, now, grace=120)
    row = reload(engine, hb.id)
    assert row.next_due_at == last_ping + 10 * MIN
    assert row.miss_at == last_ping + 12 * MIN


def test_interval_change_while_down_schedules_the_next_miss_from_now(
    engine: Engine, service_id: str, now: datetime
) -> None:
    hb = make_heartbeat(
        engine,
        service_id,
        interval=600,
        status="down",
        last_ping_at=now - timedelta(hours=1),
        next_due_at=now - 50 * MIN,
        miss_at=now + 7 * MIN,
    )
    update(engine, hb.id, now, interval=120)
    row = reload(engine, hb.id)
    assert row.status == "down"
    assert row.miss_at == now + 2 * MIN
    assert row.next_due_at == now - 50 * MIN


def test_interval_change_while_paused_or_new_leaves_nothing_due(engine: Engine, service_id: str, now: datetime) -> None:
    paused = make_heartbeat(engine, service_id, "paused", enabled=False, status="up", last_ping_at=now - MIN)
    new = make_heartbeat(engine, service_id, "new")
    update(engine, paused.id, now, interval=30)
    update(engine, new.id, now, interval=30, grace=10)
    assert reload(engine, paused.id).miss_at is None
    assert (reload(engine, new.id).miss_at, reload(engine, new.id).status) == (None, "new")


def test_an_unchanged_interval_does_not_move_deadlines(engine: Engine, service_id: str, now: datetime) -> None:
    hb = make_heartbeat(
        engine,
        service_id,
        interval=600,
        status="down",
        last_ping_at=now - timedelta(hours=1),
        next_due_at=now - 50 * MIN,
        miss_at=now + 7 * MIN,
    )
    update(engine, hb.id, now, interval=600, name="renamed")
    row = reload(engine, hb.id)
    assert (row.name, row.miss_at, row.updated_at) == ("renamed", now + 7 * MIN, now)


def test_update_moves_to_another_service_and_checks_the_name_there(
    engine: Engine, service_id: str, now: datetime
) -> None:
    other = make_service(engine, "other").id
    hb = make_heartbeat(engine, service_id, "backup")
    make_heartbeat(engine, other, "taken")
    with pytest.raises(Conflict):
        update(engine, hb.id, now, service_id=other, name="taken")
    update(engine, hb.id, now, service_id=other.upper())
    assert reload(engine, hb.id).service_id == other
    with pytest.raises(Invalid):
        update(engine, hb.id, now, service_id="not-a-uuid")


def test_bulk_pause_and_resume_report_what_they_found(engine: Engine, service_id: str, now: datetime) -> None:
    a = make_heartbeat(engine, service_id, "a", status="up", last_ping_at=now, next_due_at=now + MIN, miss_at=now + MIN)
    b = make_heartbeat(engine, service_id, "b", enabled=False)
    missing = "0b0b0b0b-0000-4000-8000-000000000000"
    with session_scope(engine, write=True) as session:
        result = heartbeats.set_heartbeats_enabled(session, [a.id, b.id, missing, "junk", a.id], False, now)
    assert result.done == [a.id, b.id]
    assert result.not_found == [missing, "junk"]
    assert reload(engine, a.id).miss_at is None
    with session_scope(engine, write=True) as session:
        heartbeats.set_heartbeats_enabled(session, [a.id], True, now)
    assert reload(engine, a.id).miss_at == now + MIN


def test_list_pages_by_name_then_id(engine: Engine, service_id: str) -> None:
    for name in ["c", "a", "b", "d"]:
        make_heartbeat(engine, service_id, name)
    make_heartbeat(engine, make_service(engine, "other").id, "a")
    with session_scope(engine) as session:
        first = heartbeats.list_heartbeats(session, service_id, page=1, limit=3)
        second = heartbeats.list_heartbeats(session, service_id, page=2, limit=3)
    assert [hb.name for hb in first.items] == ["a", "b", "c"]
    assert [hb.name for hb in second.items] == ["d"]
    assert (first.total, second.total, second.page, second.limit) == (4, 4, 2, 3)


def test_delete_removes_its_events_and_rollups(engine: Engine, service_id: str, now: datetime) -> None:
    hb = make_heartbeat(engine, service_id)
    keep = make_heartbeat(engine, service_id, "keep")
    add_events(engine, hb.id, [("tick", now), ("fail", now)])
    add_events(engine, keep.id, [("tick", now)])
    with session_scope(engine, write=True) as session:
        heartbeats.delete_heartbeat(session, hb.id, now)
    with pytest.raises(NotFound):
        reload(engine, hb.id)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT heartbeat_id FROM event_rollup")).scalars().all() == [keep.id]
        # Its events wait for the purge job, which deletes them in short batches.
        assert conn.execute(text("SELECT heartbeat_id FROM heartbeat_purge")).scalars().all() == [hb.id]
    assert purge.purge_events(engine) == 2
    with engine.connect() as conn:
        assert conn.execute(text("SELECT heartbeat_id FROM event")).scalars().all() == [keep.id]
        assert conn.execute(text("SELECT COUNT(*) FROM heartbeat_purge")).scalar_one() == 0


def test_bulk_delete_splits_found_and_not_found(engine: Engine, service_id: str, now: datetime) -> None:
    a, b = make_heartbeat(engine, service_id, "a"), make_heartbeat(engine, service_id, "b")
    missing = "0b0b0b0b-0000-4000-8000-000000000000"
    with session_scope(engine, write=True) as session:
        result = heartbeats.delete_heartbeats(session, [b.id.upper(), "nope", missing, a.id, b.id], now)
    assert result.done == [b.id, a.id]
    assert result.not_found == [missing, "nope"]
    with session_scope(engine) as session:
        assert heartbeats.list_heartbeats(session, service_id).total == 0


def test_an_interval_change_after_a_resume_counts_from_the_resume(engine, make_heartbeat, now) -> None:
    from datetime import timedelta

    from dashboard.core.contracts import HeartbeatUpdate
    from dashboard.core.heartbeats import pause_heartbeat, resume_heartbeat, update_heartbeat
    from dashboard.db import session_scope
    from tests.factories import ping

    hb = make_heartbeat(interval=60)
    ping(engine, hb.id, at=now - timedelta(days=2))
    with session_scope(engine, write=True) as session:
        pause_heartbeat(session, hb.id, now - timedelta(days=1))
        resume_heartbeat(session, hb.id, now)
        updated = update_heartbeat(session, hb.id, HeartbeatUpdate(interval=120), now + timedelta(seconds=10))
    assert updated.next_due_at == now + timedelta(seconds=120)
    assert updated.miss_at == now + timedelta(seconds=120)
