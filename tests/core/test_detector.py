"""The miss detector, with time passed in: late, down, repeated misses, catch-up, idempotence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from dashboard import db
from dashboard.core import detector
from dashboard.models import Heartbeat
from dashboard.timeutil import from_micros
from tests.factories import ping


def misses(engine, heartbeat_id: str) -> list[datetime]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT received_at FROM event WHERE heartbeat_id = :id AND result = 'miss' "
                                 "ORDER BY received_at"), {"id": heartbeat_id})
        return [from_micros(r[0]) for r in rows]


def flips(engine) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT heartbeat_id, old_status, new_status, reason, created_at FROM flip ORDER BY id"))]


def load(engine, heartbeat_id: str) -> Heartbeat:  # type: ignore[no-untyped-def]
    with db.session_scope(engine) as session:
        return session.get(Heartbeat, heartbeat_id)


def test_it_handles_grace_late_then_down_at_the_deadline(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60, grace=30)
    ping(engine, hb.id, at=now)
    assert load(engine, hb.id).get_status(now + timedelta(seconds=59)) == "up"
    assert load(engine, hb.id).get_status(now + timedelta(seconds=60)) == "late"

    almost = detector.run_pass(engine, now + timedelta(seconds=90) - timedelta(microseconds=1))
    assert almost.misses == 0
    report = detector.run_pass(engine, now + timedelta(seconds=90))
    assert (report.misses, report.flips) == (1, 1)
    assert misses(engine, hb.id) == [now + timedelta(seconds=90)]
    assert load(engine, hb.id).get_status(now + timedelta(seconds=90)) == "down"
    assert flips(engine) == [(hb.id, "up", "down", "miss", int((now + timedelta(seconds=90)).timestamp() * 1e6))]


def test_it_records_one_more_miss_per_interval_but_flips_once(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60, grace=0)
    ping(engine, hb.id, at=now)
    for seconds in (60, 61, 119, 120, 180):
        detector.run_pass(engine, now + timedelta(seconds=seconds))
    assert misses(engine, hb.id) == [now + timedelta(seconds=s) for s in (60, 120, 180)]
    assert len(flips(engine)) == 1


def test_it_catches_up_every_deadline_after_downtime(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60, grace=30)
    ping(engine, hb.id, at=now)
    report = detector.run_pass(engine, now + timedelta(seconds=90 + 600))
    assert report.misses == 11
    assert misses(engine, hb.id) == [now + timedelta(seconds=90 + 60 * k) for k in range(11)]
    # Nothing more until the next interval elapses.
    assert detector.run_pass(engine, now + timedelta(seconds=90 + 659)).misses == 0


def test_catch_up_is_capped_to_the_newest_deadlines(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=10, grace=0)
    ping(engine, hb.id, at=now)
    detector.run_pass(engine, now + timedelta(seconds=10 * 50), max_misses=5)
    assert misses(engine, hb.id) == [now + timedelta(seconds=10 * k) for k in range(46, 51)]


def test_new_and_paused_heartbeats_are_never_missed(engine, make_heartbeat, now) -> None:
    make_heartbeat("never-pinged")
    paused = make_heartbeat("paused", enabled=False)
    ping(engine, paused.id, at=now)
    assert detector.run_pass(engine, now + timedelta(days=30)).misses == 0
    assert flips(engine) == []


def test_a_ping_before_the_deadline_prevents_the_miss(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60)
    ping(engine, hb.id, at=now)
    ping(engine, hb.id, at=now + timedelta(seconds=59))
    assert detector.run_pass(engine, now + timedelta(seconds=100)).misses == 0
    assert detector.run_pass(engine, now + timedelta(seconds=119)).misses == 1


def test_a_ping_after_down_recovers_with_a_flip(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60)
    ping(engine, hb.id, at=now)
    detector.run_pass(engine, now + timedelta(seconds=60))
    ping(engine, hb.id, at=now + timedelta(seconds=70))
    assert [f[1:4] for f in flips(engine)] == [("up", "down", "miss"), ("down", "up", "recovery")]
    assert load(engine, hb.id).status == "up"


def test_misses_feed_the_rollups(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60)
    ping(engine, hb.id, at=now)
    detector.run_pass(engine, now + timedelta(seconds=60 * 5))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT SUM(miss_count) FROM event_rollup")).scalar_one() == 5


def test_two_detectors_on_one_database_record_each_deadline_once(engine, database_url, make_heartbeat, now) -> None:
    heartbeats = [make_heartbeat(f"job-{i}", interval=10) for i in range(300)]
    for hb in heartbeats:
        ping(engine, hb.id, at=now)
    # A second, independent engine stands for a second process.
    other = db.build_engine(database_url)
    barrier = threading.Barrier(2)
    reports: list[detector.PassReport] = []

    def run(target) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        for step in range(1, 6):
            reports.append(detector.run_pass(target, now + timedelta(seconds=10 * step)))

    threads = [threading.Thread(target=run, args=(e,)) for e in (engine, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    with engine.connect() as conn:
        duplicated = conn.execute(text(
            "SELECT COUNT(*) FROM (SELECT heartbeat_id, received_at FROM event WHERE result = 'miss' "
            "GROUP BY heartbeat_id, received_at HAVING COUNT(*) > 1) d")).scalar_one()
        total = conn.execute(text("SELECT COUNT(*) FROM event WHERE result = 'miss'")).scalar_one()
    assert duplicated == 0
    assert total == 300 * 5
    assert sum(r.misses for r in reports) == 300 * 5
    assert len(flips(engine)) == 300



def timeouts(engine, heartbeat_id: str) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT received_at, rid FROM event WHERE heartbeat_id = :id AND result = 'timeout' "
                                 "ORDER BY received_at"), {"id": heartbeat_id})
        return [(from_micros(r[0]), r[1]) for r in rows]


def test_a_cron_heartbeat_misses_each_slot_in_its_zone(engine, make_heartbeat) -> None:
    # Weekdays 09:00 Berlin (08:00 UTC in winter), 5 minutes of grace.
    hb = make_heartbeat(interval=None, schedule="0 9 * * 1-5", timezone="Europe/Berlin", grace=300)
    friday = datetime(2026, 1, 9, 8, 1, tzinfo=UTC)
    ping(engine, hb.id, at=friday)
    assert load(engine, hb.id).next_due_at == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)  # Monday
    detector.run_pass(engine, datetime(2026, 1, 14, 12, 0, tzinfo=UTC))  # Wednesday noon
    assert misses(engine, hb.id) == [datetime(2026, 1, d, 8, 5, tzinfo=UTC) for d in (12, 13, 14)]
    assert load(engine, hb.id).miss_at == datetime(2026, 1, 15, 8, 5, tzinfo=UTC)
    assert [f[3] for f in flips(engine)] == ["miss"]


def test_a_run_past_its_limit_records_a_timeout_once(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=3600, max_runtime=60)
    ping(engine, hb.id, "run", at=now, rid="nightly-1")
    assert detector.run_pass(engine, now + timedelta(seconds=59)).timeouts == 0
    report = detector.run_pass(engine, now + timedelta(seconds=65))
    assert (report.timeouts, report.flips) == (1, 1)
    assert timeouts(engine, hb.id) == [(now + timedelta(seconds=60), "nightly-1")]
    assert flips(engine)[-1][1:4] == ("new", "down", "timeout")
    assert detector.run_pass(engine, now + timedelta(seconds=120)).timeouts == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT SUM(timeout_count) FROM event_rollup")).scalar_one() == 1
    # The late end still pairs with the run, records its full length and recovers.
    ping(engine, hb.id, "complete", at=now + timedelta(seconds=300), rid="nightly-1")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT duration_ms FROM event WHERE result = 'complete'")).scalar_one() == 300_000
    assert load(engine, hb.id).status == "up"
    assert flips(engine)[-1][1:4] == ("down", "up", "recovery")


def test_two_detectors_record_each_timeout_once(engine, database_url, make_heartbeat, now) -> None:
    heartbeats = [make_heartbeat(f"job-{i}", interval=3600, max_runtime=10) for i in range(100)]
    for hb in heartbeats:
        ping(engine, hb.id, "run", at=now)
    other = db.build_engine(database_url)
    barrier = threading.Barrier(2)

    def run(target) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        detector.run_pass(target, now + timedelta(seconds=11))

    threads = [threading.Thread(target=run, args=(e,)) for e in (engine, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM event WHERE result = 'timeout'")).scalar_one() == 100
    assert len(flips(engine)) == 100
