"""Read-only means read-only: no read route shows a read-only key a check-in secret.

Anyone holding a check-in id, a ping URL or a service's ping key can make a
failing job look healthy.  A read-only key sees public ids instead, on every read
route; every read route also takes a public id; the write routes keep the
check-in id.  Regenerating a check-in id makes the old URL a 404 at once.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from dashboard.api.ping import ping_app
from dashboard.core import detector
from dashboard.core.alerts.dispatcher import dispatch_pass
from dashboard.db import session_scope
from dashboard.models import Heartbeat
from tests.alerts.conftest import attach, make_channel
from tests.factories import make_heartbeat, make_service, ping


@pytest.fixture
def world(engine: Engine, now: Any) -> dict[str, Any]:
    """A service with a heartbeat made before check-in ids were separate (row id = check-in id),
    one made after, a slug, events of every kind, a channel link and a delivery."""
    service = make_service(engine, "billing")
    legacy = make_heartbeat(engine, service.id, "legacy", interval=60, slug="legacy-job")
    with session_scope(engine, write=True) as session:
        row = session.get(Heartbeat, legacy.id)
        assert row is not None
        row.ping_id = row.id
    fresh = make_heartbeat(engine, service.id, "fresh", interval=60, max_runtime=30)
    for heartbeat in (legacy, fresh):
        ping(engine, heartbeat.id, "run", at=now, rid="r1")
        ping(engine, heartbeat.id, "complete", at=now + timedelta(seconds=5), rid="r1")
        ping(engine, heartbeat.id, "run", at=now + timedelta(seconds=10))
    channel = make_channel(engine, "webhook", {"url": "https://example.com/hook"}, name="hook", now=now)
    attach(engine, channel, now, heartbeat_id=fresh.id)
    detector.run_pass(engine, now + timedelta(minutes=5))
    dispatch_pass(engine, now + timedelta(minutes=5), public_url="http://lubdub.test")
    with engine.connect() as conn:
        heartbeats = {r.name: r for r in conn.execute(text("SELECT id, ping_id, public_id, name FROM heartbeat"))}
        ping_key = conn.execute(text("SELECT ping_key FROM service")).scalar_one()
    return {"service": service, "heartbeats": heartbeats, "ping_key": ping_key, "channel": channel}


def secrets_of(world: dict[str, Any]) -> list[str]:
    found = [world["ping_key"]]
    for row in world["heartbeats"].values():
        found += [row.id, row.ping_id]
    return found


def read_paths(client: TestClient, world: dict[str, Any], ref_of: str) -> list[str]:
    """Every GET route of the OpenAPI document, filled in with this world's ids."""
    fresh = world["heartbeats"]["fresh"]
    values = {"service_id": world["service"].id, "heartbeat_id": getattr(fresh, ref_of),
              "channel_id": world["channel"].id, "key_id": "00000000-0000-4000-8000-000000000000"}
    paths = []
    for template, operations in client.get("/api/openapi.json").json()["paths"].items():
        if "get" in operations:
            paths.append("/api" + re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template))
    return paths


def test_a_read_only_key_sees_no_secret_on_any_read_route(reader: TestClient, world: dict[str, Any]) -> None:
    extra = {"/api/v1/schedule/preview": {"schedule": "@daily"}}
    paths = read_paths(reader, world, "public_id")
    assert len(paths) >= 12
    for path in paths:
        response = reader.get(path, params=extra.get(path, {}))
        assert response.status_code in (200, 404), (path, response.text)
        body = response.text
        for secret in secrets_of(world):
            assert secret not in body, (path, "shows a secret", body[:500])
        assert "/ping/" not in body, (path, body[:500])
    fresh = world["heartbeats"]["fresh"]
    assert reader.get(f"/api/v1/heartbeat/{fresh.public_id}").json()["id"] == fresh.public_id
    listed = reader.get(f"/api/v1/service/{world['service'].id}/heartbeats").json()["items"]
    assert {h["id"] for h in listed} == {r.public_id for r in world["heartbeats"].values()}
    assert all(h["url"] is None for h in listed)
    events = reader.get(f"/api/v1/heartbeat/{fresh.public_id}/events").json()
    assert events and {e["heartbeat_id"] for e in events} == {fresh.public_id}


def test_a_read_write_key_sees_check_in_ids_and_reads_by_either_id(client: TestClient, world: dict[str, Any]) -> None:
    fresh = world["heartbeats"]["fresh"]
    by_ping = client.get(f"/api/v1/heartbeat/{fresh.ping_id}").json()
    by_public = client.get(f"/api/v1/heartbeat/{fresh.public_id}").json()
    assert by_ping == by_public
    assert (by_ping["id"], by_ping["public_id"], by_ping["url"]) == (
        fresh.ping_id, fresh.public_id, f"http://lubdub.test/ping/{fresh.ping_id}")
    assert client.get(f"/api/v1/service/{world['service'].id}").json()["ping_key"] == world["ping_key"]
    # The row id is no name for it from outside (for new heartbeats it differs from the check-in id).
    assert client.get(f"/api/v1/heartbeat/{fresh.id}").status_code == 404


def test_writes_take_only_the_check_in_id(client: TestClient, world: dict[str, Any]) -> None:
    fresh = world["heartbeats"]["fresh"]
    assert client.put(f"/api/v1/heartbeat/{fresh.public_id}", json={"grace": 5}).status_code == 404
    assert client.post(f"/api/v1/heartbeat/{fresh.public_id}/rotate").status_code == 404
    assert client.delete(f"/api/v1/heartbeat/{fresh.public_id}").status_code == 404
    assert client.delete("/api/v1/heartbeat", params={"id": fresh.public_id}).json()["not_found"] == [fresh.public_id]
    assert client.put(f"/api/v1/heartbeat/{fresh.ping_id}", json={"grace": 5}).status_code == 200


def test_regenerating_the_check_in_id_makes_the_old_url_a_404(client: TestClient, engine: Engine,
                                                             world: dict[str, Any], running: object) -> None:
    legacy = world["heartbeats"]["legacy"]
    pings = TestClient(ping_app)
    assert pings.get(f"/ping/{legacy.ping_id}").status_code == 200
    history = client.get(f"/api/v1/heartbeat/{legacy.ping_id}/events", params={"limit": 100}).json()
    rotated = client.post(f"/api/v1/heartbeat/{legacy.ping_id}/rotate")
    assert rotated.status_code == 200
    body = rotated.json()
    assert body["id"] != legacy.ping_id and body["public_id"] == legacy.public_id
    assert body["url"].endswith(f"/ping/{body['id']}")
    # The old URL (here also the row id) is dead at once, everywhere.
    assert pings.get(f"/ping/{legacy.ping_id}").status_code == 404
    assert pings.get(f"/v1/heartbeat/{legacy.ping_id}/start").status_code == 404
    assert client.get(f"/api/v1/heartbeat/{legacy.ping_id}").status_code == 404
    assert pings.get(f"/ping/{body['id']}").status_code == 200
    # History, settings and the slug stay.
    events = client.get(f"/api/v1/heartbeat/{body['id']}/events", params={"limit": 100}).json()
    assert [e["id"] for e in events[1:]] == [e["id"] for e in history]  # plus the new check-in on top
    assert body["slug"] == "legacy-job"
    assert pings.get(f"/ping/{world['ping_key']}/legacy-job").status_code == 200


def test_regenerating_the_ping_key_retires_the_old_slug_urls(client: TestClient, world: dict[str, Any],
                                                            running: object) -> None:
    pings = TestClient(ping_app)
    old_key = world["ping_key"]
    assert pings.get(f"/ping/{old_key}/legacy-job").status_code == 200
    service = client.post(f"/api/v1/service/{world['service'].id}/rotate-ping-key").json()
    assert service["ping_key"] != old_key and len(service["ping_key"]) == 22
    assert pings.get(f"/ping/{old_key}/legacy-job").status_code == 404
    assert pings.get(f"/ping/{service['ping_key']}/legacy-job").status_code == 200


def test_read_only_keys_cannot_regenerate(reader: TestClient, world: dict[str, Any]) -> None:
    fresh = world["heartbeats"]["fresh"]
    assert reader.post(f"/api/v1/heartbeat/{fresh.public_id}/rotate").status_code == 403
    assert reader.post(f"/api/v1/service/{world['service'].id}/rotate-ping-key").status_code == 403
