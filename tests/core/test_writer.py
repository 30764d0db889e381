"""The group-commit writer: every acknowledged ping is committed, batches form under load."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from dashboard.core.ingest import PingRequest
from dashboard.core.writer import PingWriter, WriterUnavailable


def count_events(engine, heartbeat_id: str | None = None) -> int:  # type: ignore[no-untyped-def]
    where, params = ("WHERE heartbeat_id = :id", {"id": heartbeat_id}) if heartbeat_id else ("", {})
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM event {where}"), params).scalar_one()


def test_concurrent_pings_to_one_heartbeat_all_land(engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    writer = PingWriter(engine)
    writer.start()
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = list(pool.map(lambda _: writer.submit_sync(PingRequest(hb.ping_id, "tick")), range(400)))
        outcomes = [f.result(timeout=30) for f in futures]
    finally:
        writer.stop()
    assert {o.kind for o in outcomes} == {"ok"}
    assert count_events(engine, hb.id) == 400
    with engine.connect() as conn:
        assert conn.execute(text("SELECT tick_count FROM event_rollup")).scalar_one() == 400


def test_asyncio_submitters_are_batched_into_few_transactions(engine, make_heartbeat) -> None:
    heartbeats = [make_heartbeat(f"job-{i}") for i in range(50)]
    writer = PingWriter(engine)
    writer.start()

    async def burst() -> list:  # type: ignore[type-arg]
        return await asyncio.gather(*(writer.submit(PingRequest(hb.ping_id, "tick")) for hb in heartbeats * 20))

    try:
        outcomes = asyncio.run(burst())
    finally:
        writer.stop()
    assert len(outcomes) == 1000 and all(o.kind == "ok" for o in outcomes)
    assert count_events(engine) == 1000
    # 1,000 pings queued at once cannot have needed one transaction each.
    assert writer.batches_written < 100


def test_a_failed_batch_acknowledges_nothing_and_records_nothing(engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    with engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("uses a SQLite trigger to make the commit fail")
        conn.execute(text(
            "CREATE TRIGGER reject_boom BEFORE INSERT ON event WHEN NEW.message = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'rejected'); END"))
    writer = PingWriter(engine)
    writer.start()
    try:
        failed = writer.submit_sync(PingRequest(hb.ping_id, "tick", message="boom"))
        with pytest.raises(WriterUnavailable):
            failed.result(timeout=10)
        # The writer recovers: the next ping goes through.
        assert writer.submit_sync(PingRequest(hb.ping_id, "tick")).result(timeout=10).kind == "ok"
    finally:
        writer.stop()
    assert count_events(engine, hb.id) == 1


def test_stop_writes_what_is_queued(engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    writer = PingWriter(engine)
    writer.start()
    futures = [writer.submit_sync(PingRequest(hb.ping_id, "tick")) for _ in range(200)]
    writer.stop()
    assert all(f.result(timeout=1).kind == "ok" for f in futures)
    assert count_events(engine, hb.id) == 200
    with pytest.raises(WriterUnavailable):
        writer.submit_sync(PingRequest(hb.ping_id, "tick"))


def test_a_ping_the_database_refuses_does_not_sink_its_batch(engine, make_heartbeat) -> None:
    from dashboard.db import write_lock

    hb = make_heartbeat()
    with engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("uses a SQLite trigger to make one insert fail")
        conn.execute(text(
            "CREATE TRIGGER reject_boom BEFORE INSERT ON event WHEN NEW.message = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'rejected'); END"))
    writer = PingWriter(engine)
    writer.start()
    try:
        with write_lock(engine):  # holds the writer up so the next pings queue as one batch
            first = writer.submit_sync(PingRequest(hb.ping_id, "tick", message="first"))
            batch = [writer.submit_sync(PingRequest(hb.ping_id, "tick", message=m)) for m in ("a", "boom", "b")]
        assert first.result(timeout=10).kind == "ok"
        assert batch[0].result(timeout=10).kind == "ok" and batch[2].result(timeout=10).kind == "ok"
        with pytest.raises(WriterUnavailable):
            batch[1].result(timeout=10)
    finally:
        writer.stop()
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT message FROM event ORDER BY id"))]
    assert stored == ["first", "a", "b"]
