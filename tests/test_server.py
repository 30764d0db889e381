"""The real server, as `make run` starts it: check-ins over HTTP, the API, the detector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.live_server import BY_PING_ID, LiveServer, seed_heartbeat, start_live_server, wait_for

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_live_server(Path(tmp_path_factory.mktemp("server")))
    yield live
    live.stop()


def test_the_server_records_pings_over_http(server: LiveServer) -> None:
    heartbeat_id = seed_heartbeat(server.database_url)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get(f"/ping/{heartbeat_id}").json() == {"ok": True, "status": "up"}
        assert client.post(f"/v1/heartbeat/{heartbeat_id}?result=fail", content=b"exit 3").json()["status"] == "down"
        assert client.get("/ping/00000000-0000-4000-8000-000000000000").status_code == 404
        assert client.get(f"/ping/{heartbeat_id}?result=nope").status_code == 400
        # An empty id (a job whose $ID is unset) is the check-in's 404, never Reflex's "pong".
        missing = client.get("/ping")
        assert missing.status_code == 404 and "no heartbeat id" in missing.json()["error"]["message"]
        assert client.get("/_health").status_code == 200
        assert client.get("/").status_code == 200
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        results = [r[0] for r in conn.execute(
            text(f"SELECT result FROM event WHERE heartbeat_id = {BY_PING_ID} ORDER BY id"), {"id": heartbeat_id})]
    engine.dispose()
    assert results == ["tick", "fail"]


def test_the_running_detector_flags_a_missed_deadline(server: LiveServer) -> None:
    heartbeat_id = seed_heartbeat(server.database_url, interval=10)
    httpx.get(f"{server.url}/ping/{heartbeat_id}", timeout=10).raise_for_status()
    engine = create_engine(server.database_url)

    def missed() -> bool:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT COUNT(*) FROM event WHERE heartbeat_id = {BY_PING_ID} AND result = 'miss'"),
                                {"id": heartbeat_id}).scalar_one() > 0

    try:
        # Due 10 s after the ping; SPEC allows 2 s of detection lag.
        assert wait_for(missed, timeout_s=20)
        with engine.connect() as conn:
            lag = conn.execute(text(
                "SELECT e.received_at - h.last_ping_at FROM event e JOIN heartbeat h ON h.id = e.heartbeat_id "
                "WHERE h.ping_id = :id AND e.result = 'miss'"), {"id": heartbeat_id}).scalar_one()
        assert lag == 10_000_000  # the miss is stamped with its deadline, not the detection time
    finally:
        engine.dispose()
