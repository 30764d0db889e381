"""SIGKILL the server mid-load: every acknowledged ping survives; the detector catches up."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.live_server import BY_PING_ID, seed_heartbeat, start_live_server, wait_for
from tests.load_client import PingLoad

pytestmark = pytest.mark.server


def test_a_killed_server_loses_no_acknowledged_ping_and_catches_up(tmp_path: Path) -> None:
    server = start_live_server(tmp_path)
    engine = create_engine(server.database_url)
    try:
        heartbeat_ids = [seed_heartbeat(server.database_url, interval=3600) for _ in range(20)]
        load = PingLoad([server.url], heartbeat_ids)
        load.start()
        assert wait_for(lambda: load.count() >= 500, timeout_s=60)
        os.killpg(server.process.pid, signal.SIGKILL)  # no chance to flush anything
        server.process.wait()
        load.stop()
        acknowledged = set(load.acknowledged)
        assert len(acknowledged) >= 500

        with engine.connect() as conn:
            stored = {row[0] for row in conn.execute(text("SELECT message FROM event WHERE result = 'tick'"))}
        assert acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged pings were lost"

        # While the server is down, three deadlines of one heartbeat pass: move its
        # stored deadline into the past instead of waiting for real time to pass.
        late_id = heartbeat_ids[0]
        now_micros = int(time.time() * 1_000_000)
        first_deadline = now_micros - 3_600_000_000 * 2 - 60_000_000
        with engine.begin() as conn:
            conn.execute(text("UPDATE heartbeat SET status = 'up', miss_at = :m WHERE ping_id = :id"),
                         {"m": first_deadline, "id": late_id})
    finally:
        server.stop()

    restarted = start_live_server(tmp_path, database_url=server.database_url)
    try:
        def caught_up() -> bool:
            with engine.connect() as conn:
                return conn.execute(text("SELECT COUNT(*) FROM event WHERE result = 'miss'")).scalar_one() >= 3

        assert wait_for(caught_up, timeout_s=20)
        with engine.connect() as conn:
            misses = [r[0] for r in conn.execute(text(
                f"SELECT received_at FROM event WHERE result = 'miss' AND heartbeat_id = {BY_PING_ID} ORDER BY received_at"),
                {"id": late_id})]
            status = conn.execute(text("SELECT status FROM heartbeat WHERE ping_id = :id"), {"id": late_id}).scalar_one()
        # Each back-filled miss carries its own deadline, one interval apart.
        assert misses == [first_deadline + k * 3_600_000_000 for k in range(3)]
        assert status == "down"
    finally:
        restarted.stop()
        engine.dispose()
