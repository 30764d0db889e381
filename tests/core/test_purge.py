from datetime import timedelta

from sqlalchemy import text

from dashboard.core import heartbeats, purge
from dashboard.core.ingest import PingRequest, apply_pings
from dashboard.db import session_scope, write_engine


def count(engine, sql: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_a_deleted_heartbeats_events_go_in_batches_and_others_stay(engine, make_heartbeat, now) -> None:
    gone, kept = make_heartbeat("gone"), make_heartbeat("kept")
    with write_engine(engine).begin() as conn:
        apply_pings(conn, [PingRequest(gone.ping_id, "tick")] * 25 + [PingRequest(kept.ping_id, "tick")] * 3, now)
    with session_scope(engine, write=True) as session:
        heartbeats.delete_heartbeat(session, gone.id, now + timedelta(seconds=1))

    assert purge.purge_events(engine, batch=10, max_batches=2) == 20  # bounded work per call
    assert count(engine, "SELECT COUNT(*) FROM heartbeat_purge") == 1
    assert purge.purge_events(engine, batch=10) == 5
    assert count(engine, "SELECT COUNT(*) FROM heartbeat_purge") == 0
    assert count(engine, "SELECT COUNT(*) FROM event") == 3
    assert purge.purge_events(engine) == 0


def test_pings_to_a_deleted_heartbeat_are_refused_and_not_recorded(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat()
    with session_scope(engine, write=True) as session:
        heartbeats.delete_heartbeat(session, hb.id, now)
    with write_engine(engine).begin() as conn:
        assert apply_pings(conn, [PingRequest(hb.ping_id, "tick")], now)[0].kind == "not_found"
    assert count(engine, "SELECT COUNT(*) FROM event") == 0
