"""The event feed's ordering and cursor semantics."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard.core import events
from dashboard.core.errors import Invalid, NotFound
from dashboard.db import session_scope
from tests.factories import add_events, make_heartbeat, make_service


@pytest.fixture
def heartbeat_id(engine: Engine) -> str:
    return make_heartbeat(engine, make_service(engine).id).id


def feed(engine: Engine, heartbeat_id: str, **kwargs: object) -> list[tuple[str, datetime, int]]:
    with session_scope(engine) as session:
        found = events.list_events(session, heartbeat_id, **kwargs)  # type: ignore[arg-type]
    return [(e.result, e.received_at, e.id) for e in found]  # type: ignore[misc]


def test_newest_first_without_a_cursor(engine: Engine, heartbeat_id: str, now: datetime) -> None:
    add_events(engine, heartbeat_id, [("run", now), ("complete", now + timedelta(seconds=1)), ("tick", now)])
    assert [r for r, _, _ in feed(engine, heartbeat_id)] == ["complete", "tick", "run"]
    assert [r for r, _, _ in feed(engine, heartbeat_id, limit=1)] == ["complete"]


def test_paging_forward_with_both_cursor_parts_sees_every_event_once(
    engine: Engine, heartbeat_id: str, now: datetime
) -> None:
    stamps = [now + timedelta(microseconds=i % 7) for i in range(1000)]
    add_events(engine, heartbeat_id, [("tick", t) for t in stamps])
    other = make_heartbeat(engine, make_service(engine, "other").id).id
    add_events(engine, other, [("tick", now)] * 10)

    seen: list[int] = []
    cursor: dict[str, object] = {"after": now - timedelta(seconds=1)}
    while page := feed(engine, heartbeat_id, limit=33, **cursor):
        seen.extend(i for _, _, i in page)
        _, last_at, last_id = page[-1]
        cursor = {"after": last_at, "after_id": last_id}
    with engine.connect() as conn:
        expected = (
            conn.execute(
                text("SELECT id FROM event WHERE heartbeat_id = :h ORDER BY received_at, id"), {"h": heartbeat_id}
            )
            .scalars()
            .all()
        )
    assert seen == expected
    assert len(set(seen)) == 1000


def test_the_time_cursor_alone_is_strictly_after(engine: Engine, heartbeat_id: str, now: datetime) -> None:
    add_events(engine, heartbeat_id, [("run", now), ("tick", now), ("complete", now + timedelta(microseconds=1))])
    assert [r for r, _, _ in feed(engine, heartbeat_id, after=now)] == ["complete"]
    assert [r for r, _, _ in feed(engine, heartbeat_id, after=now - timedelta(microseconds=1))] == [
        "run",
        "tick",
        "complete",
    ]


def test_bad_arguments(engine: Engine, heartbeat_id: str, now: datetime) -> None:
    with pytest.raises(Invalid):
        feed(engine, heartbeat_id, after_id=3)
    with pytest.raises(Invalid):
        feed(engine, heartbeat_id, limit=1001)
    with pytest.raises(NotFound):
        feed(engine, "0b0b0b0b-0000-4000-8000-000000000000")
