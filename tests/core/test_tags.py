"""Heartbeat tags: normalised storage, whole-word filters; n_pings and last_duration from the writer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from dashboard.core import heartbeats
from dashboard.core.contracts import HeartbeatCreate, HeartbeatUpdate
from dashboard.core.heartbeats import HeartbeatFilter
from dashboard.core.tags import TagError, has_all, normalise_tags
from dashboard.db import session_scope
from tests.factories import make_service, ping


@pytest.mark.parametrize(("raw", "stored"), [
    ("prod  db prod", "prod db"),
    ("  ", ""),
    (" a\tb\nc ", "a b c"),
    (["x y", "x", "z"], "x y z"),
    ("100% a_b", "100% a_b"),
])
def test_tags_are_stored_normalised(raw: str | list[str], stored: str) -> None:
    assert normalise_tags(raw) == stored


@pytest.mark.parametrize("raw", ["ok bad\x00tag", "a" * 501, "x\u200b\x07"])
def test_unstorable_tags_are_refused(raw: str) -> None:
    with pytest.raises(TagError):
        normalise_tags(raw)


def test_has_all_is_a_whole_word_and_match() -> None:
    assert has_all("prod db", ["db", "prod"]) and not has_all("prod db", ["pro"]) and has_all("prod", [])


def test_filters_match_whole_words_all_of_them_in_every_service(engine: Engine, now: datetime) -> None:
    first, second = make_service(engine, "a").id, make_service(engine, "b").id
    with session_scope(engine, write=True) as session:
        for service, name, tags in [(first, "web", "prod www"), (first, "db", "prod db"), (second, "db2", "db  prod"),
                                    (second, "odd", "10%_x prod_db"), (first, "none", "")]:
            heartbeats.create_heartbeat(session, HeartbeatCreate(service_id=service, name=name, interval=60, tags=tags), now)

    def names(**kwargs: object) -> list[str]:
        with session_scope(engine) as session:
            page = heartbeats.search_heartbeats(session, HeartbeatFilter(**kwargs), limit=50)  # type: ignore[arg-type]
            return [hb.name for hb in page.items]

    assert names(tags=("prod",)) == ["db", "db2", "web"]
    assert names(tags=("prod", "db")) == ["db", "db2"]
    assert names(tags=("pro",)) == [] and names(tags=("",)) == [] and names(tags=("prod db",)) == []
    assert names(tags=("10%_x",)) == ["odd"] and names(tags=("10%",)) == [] and names(tags=("prod_db",)) == ["odd"]
    assert names(tags=("prod",), service_ids=frozenset([second])) == ["db2"]
    with session_scope(engine) as session:
        assert [hb.name for hb in heartbeats.list_heartbeats(session, first, tags=["db"]).items] == ["db"]
        batches = list(heartbeats.iter_heartbeats(session, HeartbeatFilter(), batch=2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(hb.name for batch in batches for hb in batch) == ["db", "db2", "none", "odd", "web"]


def test_update_normalises_tags_and_keeps_the_rest(engine: Engine, now: datetime) -> None:
    service = make_service(engine).id
    with session_scope(engine, write=True) as session:
        hb = heartbeats.create_heartbeat(session, HeartbeatCreate(
            service_id=service, name="x", interval=60, description="why", manual_resume=False), now)
        hb_id = hb.id
    with session_scope(engine, write=True) as session:
        updated = heartbeats.update_heartbeat(session, hb_id, HeartbeatUpdate(tags="b a b"), now)  # type: ignore[call-arg]
        assert (updated.tags, updated.description, updated.manual_resume) == ("b a", "why", False)


def test_every_recorded_check_in_counts_and_ends_of_runs_set_the_last_duration(engine: Engine, make_heartbeat,
                                                                              now: datetime) -> None:
    hb = make_heartbeat()
    ping(engine, hb.id, "run", at=now, rid="r1")
    ping(engine, hb.id, "log", at=now + timedelta(seconds=1))
    ping(engine, hb.id, "tick", at=now + timedelta(seconds=3), rid="r1")
    with session_scope(engine) as session:
        row = heartbeats.get_heartbeat(session, hb.id)
        assert (row.n_pings, row.last_duration_ms, row.open_runs()) == (3, 3000, [])
    with session_scope(engine, write=True) as session:
        heartbeats.pause_heartbeat(session, hb.id, now)
    ping(engine, hb.id, "tick", at=now + timedelta(seconds=5))  # paused, manual_resume: recorded, counted
    with session_scope(engine) as session:
        row = heartbeats.get_heartbeat(session, hb.id)
        assert (row.n_pings, row.enabled, row.last_duration_ms) == (4, False, 3000)


def test_a_check_in_resumes_a_paused_heartbeat_without_manual_resume(engine: Engine, make_heartbeat,
                                                                     now: datetime) -> None:
    hb = make_heartbeat(manual_resume=False, status="up", last_ping_at=now)
    with session_scope(engine, write=True) as session:
        heartbeats.pause_heartbeat(session, hb.id, now)
    ping(engine, hb.id, "tick", at=now + timedelta(minutes=5))
    with session_scope(engine) as session:
        row = heartbeats.get_heartbeat(session, hb.id)
        assert (row.enabled, row.status, row.n_pings) == (True, "up", 1)
        assert row.next_due_at == now + timedelta(minutes=6)
