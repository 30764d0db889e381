"""Schedules on the real server, over HTTP only: DST through the preview, cron heartbeats,
run-time limits, overlapping runs paired by rid, Healthchecks' URL forms and slugs."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from dashboard.core.apikeys import create_api_key
from dashboard.db import session_scope
from dashboard.timeutil import utcnow
from tests.live_server import LiveServer, start_live_server, wait_for

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_live_server(Path(tmp_path_factory.mktemp("schedules")))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def api(server: LiveServer) -> Iterator[httpx.Client]:
    engine = create_engine(server.database_url)
    with session_scope(engine, write=True) as session:
        _, token = create_api_key(session, "schedules-test", "admin", utcnow())
    engine.dispose()
    with httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                      timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def service(api: httpx.Client) -> dict[str, Any]:
    response = api.post("/service", json={"name": f"jobs-{uuid.uuid4().hex[:6]}"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def preview(api: httpx.Client, schedule: str, timezone: str, after: str, count: int = 2) -> list[str]:
    response = api.get("/schedule/preview", params={"schedule": schedule, "timezone": timezone, "after": after,
                                                    "count": count})
    assert response.status_code == 200, response.text
    return list(response.json()["slots"])


@pytest.mark.parametrize(("schedule", "timezone", "after", "expected"), [
    # Spring forward: 02:30 does not exist; it fires at 03:00 local (Berlin CEST, New York EDT).
    ("30 2 * * *", "Europe/Berlin", "2025-03-29T12:00:00Z", ["2025-03-30T01:00:00.000000Z", "2025-03-31T00:30:00.000000Z"]),
    ("30 2 * * *", "America/New_York", "2025-03-08T12:00:00Z", ["2025-03-09T07:00:00.000000Z", "2025-03-10T06:30:00.000000Z"]),
    # Fall back: 02:30 (Berlin) and 01:30 (New York) happen twice; each fires once, the first time.
    ("30 2 * * *", "Europe/Berlin", "2025-10-25T12:00:00Z", ["2025-10-26T00:30:00.000000Z", "2025-10-27T01:30:00.000000Z"]),
    ("30 1 * * *", "America/New_York", "2025-11-01T12:00:00Z", ["2025-11-02T05:30:00.000000Z", "2025-11-03T06:30:00.000000Z"]),
    # A wildcard hour steps in absolute time: the repeated hour is not skipped.
    ("0 * * * *", "Europe/Berlin", "2025-10-25T23:30:00Z", ["2025-10-26T00:00:00.000000Z", "2025-10-26T01:00:00.000000Z"]),
    # Leap day, and the 31st skips short months.
    ("0 12 29 2 *", "UTC", "2025-01-01T00:00:00Z", ["2028-02-29T12:00:00.000000Z", "2032-02-29T12:00:00.000000Z"]),
    ("0 0 31 * *", "UTC", "2026-04-01T00:00:00Z", ["2026-05-31T00:00:00.000000Z", "2026-07-31T00:00:00.000000Z"]),
])
def test_dst_and_calendar_edges_through_the_preview(api: httpx.Client, schedule: str, timezone: str, after: str,
                                                    expected: list[str]) -> None:
    assert preview(api, schedule, timezone, after) == expected


def test_a_cron_heartbeat_is_due_at_its_next_slot_after_a_check_in(server: LiveServer, api: httpx.Client,
                                                                   service: dict[str, Any]) -> None:
    created = api.post("/heartbeat", json={"service_id": service["id"], "name": "hourly", "schedule": "0 * * * *",
                                           "timezone": "Asia/Kolkata", "grace": 300})
    assert created.status_code == 201, created.text
    heartbeat = created.json()
    assert httpx.get(f"{server.url}/ping/{heartbeat['id']}", timeout=10).status_code == 200
    body = api.get(f"/heartbeat/{heartbeat['id']}").json()
    # Kolkata is UTC+05:30: the top of the local hour is half past in UTC.
    assert body["status"] == "up" and body["next_due_at"].endswith(":30:00.000000Z")
    bad = api.post("/heartbeat", json={"service_id": service["id"], "name": "bad", "schedule": "61 * * * *"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == {"schedule": "minute 61 is out of range 0-59"}


def test_overlapping_runs_and_a_run_time_limit_on_the_live_server(server: LiveServer, api: httpx.Client,
                                                                  service: dict[str, Any]) -> None:
    created = api.post("/heartbeat", json={"service_id": service["id"], "name": "export", "interval": 3600,
                                           "max_runtime": 10})
    heartbeat = created.json()
    ping = f"{server.url}/ping/{heartbeat['id']}"
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{ping}/start", params={"rid": "a"}).status_code == 200
        time.sleep(0.3)
        assert client.get(f"{ping}/start", params={"rid": "b"}).status_code == 200
        time.sleep(0.3)
        assert client.post(f"{ping}/0", params={"rid": "a"}, content=b"a done").status_code == 200
        runs = api.get(f"/heartbeat/{heartbeat['id']}").json()["runs_in_progress"]
        assert [r["rid"] for r in runs] == ["b"]
        # "b" never reports its end: after max_runtime the detector records a timeout and alerts a down.
        assert wait_for(lambda: api.get(f"/heartbeat/{heartbeat['id']}").json()["status"] == "down", timeout_s=20)
        events = api.get(f"/heartbeat/{heartbeat['id']}/events").json()
        by_result = {e["result"]: e for e in events}
        assert by_result["timeout"]["rid"] == "b"
        assert by_result["complete"]["rid"] == "a" and by_result["complete"]["exit_code"] == 0
        assert 500 <= by_result["complete"]["duration_ms"] < 5000  # "a" alone: its own start, not "b"'s
        # The late end pairs with "b", records its whole length and brings the heartbeat back up.
        assert client.post(f"{ping}/1", params={"rid": "b"}, content=b"finally").status_code == 200
    body = api.get(f"/heartbeat/{heartbeat['id']}").json()
    assert body["status"] == "down" and body["runs_in_progress"] == []  # exit code 1: a failure
    last = api.get(f"/heartbeat/{heartbeat['id']}/events", params={"limit": 1}).json()[0]
    assert (last["result"], last["exit_code"], last["rid"]) == ("fail", 1, "b") and last["duration_ms"] >= 10_000


def test_healthchecks_url_forms_and_slugs(server: LiveServer, api: httpx.Client, service: dict[str, Any]) -> None:
    ping_key = api.get(f"/service/{service['id']}").json()["ping_key"]
    base = f"{server.url}/ping/{ping_key}"
    with httpx.Client(timeout=10) as client:
        made = client.post(f"{base}/nightly-db?create=1", content=b"first run")
        assert made.status_code == 201
        assert client.get(f"{base}/nightly-db/start", params={"rid": "r1"}).status_code == 200
        assert client.post(f"{base}/nightly-db/log", content=b"50% done").status_code == 200
        assert client.post(f"{base}/nightly-db/0", params={"rid": "r1"}).status_code == 200
        assert client.get(f"{base}/nightly-db/256").status_code == 400
        assert client.get(f"{base}/Nightly").status_code == 400
        assert client.get(f"{base}/no-such-job").status_code == 404
    listed = api.get(f"/service/{service['id']}/heartbeats").json()["items"]
    heartbeat = next(h for h in listed if h["slug"] == "nightly-db")
    assert (heartbeat["name"], heartbeat["interval"], heartbeat["grace"], heartbeat["status"]) == (
        "nightly-db", 86400, 3600, "up")
    results = [e["result"] for e in api.get(f"/heartbeat/{heartbeat['id']}/events").json()]
    assert results == ["complete", "log", "run", "tick"]
