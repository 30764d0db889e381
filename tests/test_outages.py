"""Outages of what Lubdub depends on, with the real server under check-in load.

- PostgreSQL stopped for 6 s (a private cluster: the shared one stays up): check-ins
  answer 503 with Retry-After, come back once it does, no acknowledged ping is lost,
  and the detector back-fills the deadlines that passed meanwhile with their real times.
- SQLite on a full disk (a 16 MB tmpfs, filled up): 503, never a 500 nor a 200 that was not stored;
  the file stays intact, and check-ins are stored again once space returns.

Each scenario runs once (a module fixture) and the tests below read what it saw.
They are slow (about 30 s each, most of it starting the server): marked ``slow``
as well as ``server``.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.factories import make_token
from tests.instances import private_postgres, skip_or_fail
from tests.live_server import BY_PING_ID, seed_heartbeat, start_live_server, stored_messages, wait_for
from tests.load_client import PingLoad

pytestmark = [pytest.mark.server, pytest.mark.slow]

OUTAGE_S = 6.0
DEADLINE_INTERVAL_S = 10
# Where, inside the outage, the deadlines of the detector's heartbeats fall.
DEADLINE_OFFSETS_S = (1.0, 2.5, 4.0)


# --- PostgreSQL stopped under load ----------------------------------------------------------


@dataclass
class PostgresOutage:
    load: PingLoad
    stopped_at: float  # time.monotonic() when pg_ctl stop returned
    restarting_at: float  # ... when pg_ctl start was called
    restarted_at: float  # ... and when it returned (it waits until connections are accepted)
    stored: set[str]
    health_during: list[int]
    health_after: int
    api_during: list[int]
    api_after: int
    # check-in id -> its deadline as stored before the outage, and its misses after it
    deadlines: dict[str, int]
    misses: dict[str, list[int]]
    statuses: dict[str, str]
    stop_wall_micros: int
    restart_wall_micros: int
    server_log: str = field(repr=False, default="")


@pytest.fixture(scope="module")
def postgres_outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresOutage]:
    with private_postgres() as cluster:
        database_url = cluster.create_database()
        workdir = tmp_path_factory.mktemp("pg-outage")
        server = start_live_server(workdir, database_url=database_url)
        engine = create_engine(database_url, pool_pre_ping=True)
        try:
            yield _postgres_outage(cluster, server.url, database_url, engine)
        finally:
            server.stop()
            engine.dispose()


def _postgres_outage(cluster, base_url: str, database_url: str, engine) -> PostgresOutage:  # type: ignore[no-untyped-def]
    from dashboard import db

    app_engine = db.build_engine(database_url)
    token = make_token(app_engine)
    app_engine.dispose()
    load_ids = [seed_heartbeat(database_url, interval=3600) for _ in range(20)]
    deadline_ids = [seed_heartbeat(database_url, interval=DEADLINE_INTERVAL_S) for _ in DEADLINE_OFFSETS_S]
    load = PingLoad([base_url], load_ids, threads=6)
    load.start()
    assert wait_for(lambda: load.count() >= 200, timeout_s=60), "no check-ins before the outage"

    # Check in the detector's heartbeats so that their deadlines fall inside the outage.
    started = time.monotonic()
    stop_at = started + DEADLINE_INTERVAL_S - DEADLINE_OFFSETS_S[0]
    for heartbeat_id, offset in zip(deadline_ids, DEADLINE_OFFSETS_S, strict=True):
        time.sleep(max(0.0, stop_at - DEADLINE_INTERVAL_S + offset - time.monotonic()))
        assert httpx.get(f"{base_url}/ping/{heartbeat_id}", timeout=10).status_code == 200
    with engine.connect() as conn:
        deadlines = {hb: conn.execute(text("SELECT miss_at FROM heartbeat WHERE ping_id = :id"), {"id": hb}).scalar_one()
                     for hb in deadline_ids}
    time.sleep(max(0.0, stop_at - time.monotonic()))

    engine.dispose()
    cluster.stop("fast")
    stopped_at, stop_wall = time.monotonic(), int(time.time() * 1_000_000)
    with httpx.Client(base_url=base_url, timeout=10) as client:
        health_during, api_during = [], []
        while time.monotonic() < stopped_at + OUTAGE_S:
            health_during.append(client.get("/api/health").status_code)
            api_during.append(client.get(f"/api/v1/heartbeat/{load_ids[0]}",
                                         headers={"Authorization": f"Bearer {token}"}).status_code)
            time.sleep(0.5)
        restarting_at = time.monotonic()
        cluster.start()
        restarted_at, restart_wall = time.monotonic(), int(time.time() * 1_000_000)
        assert wait_for(lambda: load.first_success_after(restarted_at) is not None, timeout_s=30), \
            "check-ins did not come back after PostgreSQL did"
        time.sleep(1.0)
        load.stop()
        health_after = client.get("/api/health").status_code
        api_after = client.get(f"/api/v1/heartbeat/{load_ids[0]}",
                               headers={"Authorization": f"Bearer {token}"}).status_code

    def caught_up() -> bool:
        with engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(DISTINCT heartbeat_id) FROM event WHERE result = 'miss'")
                                ).scalar_one() >= len(deadline_ids)

    wait_for(caught_up, timeout_s=15)
    with engine.connect() as conn:
        misses = {hb: [r[0] for r in conn.execute(text(
            f"SELECT received_at FROM event WHERE result = 'miss' AND heartbeat_id = {BY_PING_ID} ORDER BY received_at"),
            {"id": hb})] for hb in deadline_ids}
        statuses = {hb: conn.execute(text("SELECT status FROM heartbeat WHERE ping_id = :id"), {"id": hb}).scalar_one()
                    for hb in deadline_ids}
    return PostgresOutage(
        load=load, stopped_at=stopped_at, restarting_at=restarting_at, restarted_at=restarted_at,
        stored=stored_messages(database_url),
        health_during=health_during, health_after=health_after, api_during=api_during, api_after=api_after,
        deadlines=deadlines, misses=misses, statuses=statuses, stop_wall_micros=stop_wall,
        restart_wall_micros=restart_wall)


def test_check_ins_answer_503_with_retry_after_while_postgresql_is_down(postgres_outage: PostgresOutage) -> None:
    load = postgres_outage.load
    # From one second into the outage (batches in flight when it began may still finish).
    during = [a for a in load.answers
              if postgres_outage.stopped_at + 1.0 <= a.at < postgres_outage.restarting_at]
    assert during, "the load client sent nothing during the outage"
    assert set(Counter(a.status for a in during)) == {503}, Counter(a.status for a in during)
    assert all(a.retry_after == "1" for a in during if a.status == 503)
    # Nothing but 200 and 503 at any time: no 500, no dropped connection.
    assert set(load.statuses()) <= {200, 503}, (load.statuses(), load.unexpected)
    assert load.errors == 0


def test_check_ins_come_back_as_soon_as_postgresql_does(postgres_outage: PostgresOutage,
                                                       record_property: pytest.RecordProperty) -> None:
    load = postgres_outage.load
    first_ok = load.first_success_after(postgres_outage.stopped_at + 1.0)
    assert first_ok is not None
    # Measured from the start command: PostgreSQL itself needs about 0.1 s to accept connections.
    recovery_s = first_ok - postgres_outage.restarting_at
    record_property("recovery_seconds", round(recovery_s, 3))
    print(f"check-ins answered 200 again {recovery_s:.3f} s after PostgreSQL was started")
    # No reconnect backoff that outlives the outage: the next writer batch connects again.
    assert recovery_s < 2.0
    after = load.statuses(since=first_ok + 0.5)
    assert after and set(after) == {200}, after


def test_no_acknowledged_check_in_is_lost_across_the_outage(postgres_outage: PostgresOutage) -> None:
    acknowledged = set(postgres_outage.load.acknowledged)
    assert len(acknowledged) >= 200
    lost = acknowledged - postgres_outage.stored
    assert not lost, f"{len(lost)} acknowledged check-ins are missing, e.g. {sorted(lost)[:5]}"


def test_health_reports_the_database_outage(postgres_outage: PostgresOutage) -> None:
    assert postgres_outage.health_during and set(postgres_outage.health_during[1:]) == {503}
    assert postgres_outage.health_after == 200


def test_the_api_answers_503_not_500_while_the_database_is_down(postgres_outage: PostgresOutage) -> None:
    assert set(postgres_outage.api_during[1:]) == {503}, postgres_outage.api_during
    assert postgres_outage.api_after == 200


def test_the_detector_back_fills_the_deadlines_that_passed_during_the_outage(
        postgres_outage: PostgresOutage) -> None:
    for heartbeat_id, deadline in postgres_outage.deadlines.items():
        # The deadline fell while PostgreSQL was down...
        assert postgres_outage.stop_wall_micros < deadline < postgres_outage.restart_wall_micros
        # ...and its miss carries that moment, not the moment it was recorded.
        assert postgres_outage.misses[heartbeat_id][:1] == [deadline], (deadline, postgres_outage.misses)
        assert postgres_outage.statuses[heartbeat_id] == "down"


# --- SQLite on a full disk ---------------------------------------------------------------


@dataclass
class FullDisk:
    load: PingLoad
    filled_at: float
    first_refusal_at: float | None
    freed_at: float
    stored: set[str]
    integrity_while_full: str
    integrity_after: str
    statuses_after_freeing: Counter[int]


def _mount_small_tmpfs(mount_point: Path) -> None:
    if os.environ.get("CI") != "true" and os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root: full-disk test NOT RUN")
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        skip_or_fail(f"cannot mount a tmpfs for the full-disk test: {result.stderr.strip()}")


def _fill(directory: Path) -> Path:
    """Write a file until the disk is full; returns it."""
    filler = directory / "filler"
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                return filler


def _integrity(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        return ", ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullDisk]:
    workdir = tmp_path_factory.mktemp("full-disk")
    disk = workdir / "disk"
    _mount_small_tmpfs(disk)
    try:
        database_path = disk / "lubdub.db"
        server = start_live_server(workdir, database_url=f"sqlite:///{database_path}")
        try:
            yield _full_disk(server.url, database_path)
        finally:
            server.stop()
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)


def _full_disk(base_url: str, database_path: Path) -> FullDisk:
    database_url = f"sqlite:///{database_path}"
    heartbeat_ids = [seed_heartbeat(database_url, interval=3600) for _ in range(10)]
    load = PingLoad([base_url], heartbeat_ids, threads=4)
    load.start()
    assert wait_for(lambda: load.count() >= 100, timeout_s=60)
    filler = _fill(database_path.parent)
    filled_at = time.monotonic()
    # The WAL file still has room for a while; once it must grow, commits fail.
    wait_for(lambda: load.statuses(since=filled_at)[503] >= 20, timeout_s=60)
    refusal = next((a for a in load.answers if a.at >= filled_at and a.status != 200), None)
    integrity_while_full = _integrity(database_path)
    time.sleep(1.0)
    filler.unlink()
    freed_at = time.monotonic()
    assert wait_for(lambda: load.statuses(since=freed_at)[200] >= 100, timeout_s=30), \
        "check-ins did not come back once the disk had space again"
    time.sleep(2.0)
    load.stop()
    return FullDisk(
        load=load, filled_at=filled_at, first_refusal_at=refusal.at if refusal else None, freed_at=freed_at,
        stored=stored_messages(database_url), integrity_while_full=integrity_while_full,
        integrity_after=_integrity(database_path), statuses_after_freeing=load.statuses(since=freed_at + 1.0))


def test_a_full_disk_refuses_check_ins_with_503_and_never_500(full_disk: FullDisk) -> None:
    load = full_disk.load
    assert full_disk.first_refusal_at is not None, "check-ins never failed on the full disk"
    full = load.statuses(since=full_disk.first_refusal_at, until=full_disk.freed_at)
    assert full[503] >= 20, full
    assert set(load.statuses()) <= {200, 503}, (load.statuses(), load.unexpected)
    assert load.errors == 0
    assert all(a.retry_after == "1" for a in load.answers if a.status == 503)


def test_every_200_on_a_full_disk_was_stored(full_disk: FullDisk) -> None:
    acknowledged = set(full_disk.load.acknowledged)
    lost = acknowledged - full_disk.stored
    assert not lost, f"{len(lost)} acknowledged check-ins are missing, e.g. {sorted(lost)[:5]}"


def test_a_full_disk_does_not_corrupt_the_database(full_disk: FullDisk) -> None:
    assert full_disk.integrity_while_full == "ok"
    assert full_disk.integrity_after == "ok"


def test_check_ins_are_stored_again_once_space_returns(full_disk: FullDisk) -> None:
    assert full_disk.statuses_after_freeing and set(full_disk.statuses_after_freeing) == {200}, \
        full_disk.statuses_after_freeing
    recovered = {a.message for a in full_disk.load.answers if a.at >= full_disk.freed_at and a.status == 200}
    assert len(recovered) >= 100
    assert recovered <= full_disk.stored
