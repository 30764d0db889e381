"""/api/v1/heartbeat: create, read, update, delete, bulk delete, derived status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from dashboard.core import purge
from tests.factories import add_events, make_heartbeat, make_service

UNKNOWN = "0b0b0b0b-0000-4000-8000-000000000000"
MINUTE = timedelta(minutes=1)


@pytest.fixture
def service_id(engine: Engine) -> str:
    return make_service(engine).id


def create(client: TestClient, service: Any, **fields: Any) -> Any:
    return client.post("/api/v1/heartbeat", json={"service_id": service, "name": "backup", "interval": 60, **fields})


def test_create_returns_the_heartbeat_with_its_url(client: TestClient, service_id: str, now: datetime) -> None:
    with time_machine.travel(now, tick=False):
        response = create(client, service_id, name="nightly backup", interval=86400)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "public_id": body["public_id"],
        "service_id": service_id,
        "name": "nightly backup",
        "interval": 86400,
        "schedule": None,
        "timezone": "UTC",
        "grace": 0,
        "max_runtime": None,
        "slug": None,
        "holidays": None,
        "skip_dates": [],
        "methods": ["GET", "POST", "HEAD"],
        "enabled": True,
        "status": "new",
        "url": f"http://lubdub.test/ping/{body['id']}",
        "last_ping_at": None,
        "next_due_at": None,
        "runs_in_progress": [],
        "tags": "",
        "description": "",
        "manual_resume": True,
        "n_pings": 0,
        "created_at": "2026-11-02T12:00:00.000000Z",
        "updated_at": "2026-11-02T12:00:00.000000Z",
    }
    assert client.get(f"/api/v1/heartbeat/{body['id']}").json() == body


def test_methods_are_normalised(client: TestClient, service_id: str) -> None:
    response = create(client, service_id, methods=["put", "Get", "GET", "head"], grace=30)
    assert (response.json()["methods"], response.json()["grace"]) == (["GET", "HEAD", "PUT"], 30)


def test_a_paused_heartbeat_can_be_created(client: TestClient, service_id: str) -> None:
    body = create(client, service_id, enabled=False).json()
    assert (body["enabled"], body["status"]) == (False, "paused")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"interval": 9}, "interval"),
        ({"interval": 31_536_001}, "interval"),
        ({"interval": "60"}, "interval"),
        ({"interval": 60.5}, "interval"),
        ({"interval": True}, "interval"),
        ({"interval": None}, "interval"),
        ({"grace": -1}, "grace"),
        ({"grace": 31_536_001}, "grace"),
        ({"methods": []}, "methods"),
        ({"methods": ["PATCH"]}, "methods"),
        ({"methods": "GET"}, "methods"),
        ({"enabled": "true"}, "enabled"),
        ({"enabled": 1}, "enabled"),
        ({"name": ""}, "name"),
        ({"name": " \t "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"service_id": 5}, "service_id"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient, service_id: str, fields: dict[str, Any], field: str
) -> None:
    response = create(client, fields.pop("service_id", service_id), **fields)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", [field])
    assert error["message"].startswith(f"invalid input: {field} ")


def test_limits_are_inclusive(client: TestClient, service_id: str) -> None:
    assert create(client, service_id, name="a", interval=10, grace=0).status_code == 201
    assert create(client, service_id, name="b", interval=31_536_000, grace=31_536_000).status_code == 201


def test_missing_required_fields_are_listed(client: TestClient) -> None:
    response = client.post("/api/v1/heartbeat", json={})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"service_id", "name"}


def test_a_heartbeat_needs_an_interval_or_a_schedule_but_not_both(client: TestClient, service_id: str) -> None:
    neither = client.post("/api/v1/heartbeat", json={"service_id": service_id, "name": "x"})
    assert neither.status_code == 422 and set(neither.json()["error"]["fields"]) == {"interval"}
    both = create(client, service_id, schedule="0 3 * * *")
    assert both.status_code == 422 and set(both.json()["error"]["fields"]) == {"schedule"}
    assert client.get(f"/api/v1/service/{service_id}/heartbeats").json()["total"] == 0


@pytest.mark.parametrize("unknown", [UNKNOWN, "not-a-uuid", ""])
def test_an_unknown_service_is_422(client: TestClient, unknown: str) -> None:
    response = create(client, unknown)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["service_id"]


def test_names_are_unique_within_a_service_only(client: TestClient, engine: Engine, service_id: str) -> None:
    assert create(client, service_id).status_code == 201
    duplicate = create(client, service_id)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "conflict"
    assert create(client, make_service(engine, "other").id).status_code == 201


def test_put_changes_only_the_given_fields(client: TestClient, engine: Engine, service_id: str, now: datetime) -> None:
    heartbeat = create(client, service_id, grace=5, methods=["POST"]).json()
    other = make_service(engine, "other").id
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        response = client.put(f"/api/v1/heartbeat/{heartbeat['id']}", json={"name": "renamed", "service_id": other})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["service_id"], body["interval"], body["grace"], body["methods"]) == (
        "renamed",
        other,
        60,
        5,
        ["POST"],
    )
    assert body["updated_at"] == "2026-11-02T13:00:00.000000Z"
    assert body["created_at"] == heartbeat["created_at"]
    assert client.get(f"/api/v1/heartbeat/{heartbeat['id']}").json() == body


def test_put_can_change_everything(client: TestClient, service_id: str) -> None:
    heartbeat = create(client, service_id).json()
    changes = {"name": "n", "interval": 10, "grace": 1, "methods": ["put"], "enabled": False}
    body = client.put(f"/api/v1/heartbeat/{heartbeat['id']}", json=changes).json()
    assert {k: body[k] for k in changes} == {**changes, "methods": ["PUT"]}
    assert body["status"] == "paused"


def test_put_errors(client: TestClient, engine: Engine, service_id: str) -> None:
    heartbeat = create(client, service_id).json()
    create(client, service_id, name="taken")
    url = f"/api/v1/heartbeat/{heartbeat['id']}"
    assert client.put(url, json={"name": "taken"}).status_code == 409
    assert client.put(url, json={"name": None}).status_code == 422
    assert client.put(url, json={"interval": 5}).status_code == 422
    bad_service = client.put(url, json={"service_id": UNKNOWN})
    assert (bad_service.status_code, list(bad_service.json()["error"]["fields"])) == (422, ["service_id"])
    assert client.put(f"/api/v1/heartbeat/{UNKNOWN}", json={"name": "x"}).status_code == 404
    assert client.put("/api/v1/heartbeat/garbage", json={"name": "x"}).status_code == 404


def test_pause_and_resume_through_put(client: TestClient, engine: Engine, service_id: str, now: datetime) -> None:
    heartbeat = make_heartbeat(
        engine,
        service_id,
        interval=600,
        grace=60,
        status="up",
        last_ping_at=now - 2 * MINUTE,
        next_due_at=now + 8 * MINUTE,
        miss_at=now + 9 * MINUTE,
    )
    url = f"/api/v1/heartbeat/{heartbeat.ping_id}"
    with time_machine.travel(now, tick=False):
        paused = client.put(url, json={"enabled": False}).json()
    assert (paused["enabled"], paused["status"]) == (False, "paused")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT miss_at FROM heartbeat WHERE id = :id"), {"id": heartbeat.id}).scalar() is None
    with time_machine.travel(now + timedelta(hours=5), tick=False):
        resumed = client.put(url, json={"enabled": True}).json()
    assert (resumed["enabled"], resumed["status"]) == (True, "up")
    assert resumed["next_due_at"] == "2026-11-02T17:10:00.000000Z"


def test_status_is_derived_at_read_time(client: TestClient, engine: Engine, service_id: str, now: datetime) -> None:
    heartbeat = make_heartbeat(
        engine,
        service_id,
        interval=60,
        grace=30,
        status="up",
        last_ping_at=now,
        next_due_at=now + MINUTE,
        miss_at=now + 90 * timedelta(seconds=1),
    )
    url = f"/api/v1/heartbeat/{heartbeat.ping_id}"
    with time_machine.travel(now + timedelta(seconds=59), tick=False):
        assert client.get(url).json()["status"] == "up"
    with time_machine.travel(now + timedelta(seconds=61), tick=False):
        body = client.get(url).json()
    assert body["status"] == "late"
    assert (body["last_ping_at"], body["next_due_at"]) == ("2026-11-02T12:00:00.000000Z", "2026-11-02T12:01:00.000000Z")
    down = make_heartbeat(engine, service_id, "down", status="down")
    assert client.get(f"/api/v1/heartbeat/{down.ping_id}").json()["status"] == "down"


@pytest.mark.parametrize("heartbeat_id", [UNKNOWN, "nope", "%00", UNKNOWN.upper()])
def test_unknown_and_malformed_ids_are_404(client: TestClient, heartbeat_id: str) -> None:
    for response in (
        client.get(f"/api/v1/heartbeat/{heartbeat_id}"),
        client.delete(f"/api/v1/heartbeat/{heartbeat_id}"),
        client.get(f"/api/v1/heartbeat/{heartbeat_id}/events"),
        client.get(f"/api/v1/heartbeat/{heartbeat_id}/statistic"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_ids_are_case_insensitive(client: TestClient, service_id: str) -> None:
    heartbeat = create(client, service_id).json()
    assert client.get(f"/api/v1/heartbeat/{heartbeat['id'].upper()}").json()["id"] == heartbeat["id"]


def test_delete_removes_the_heartbeat_and_its_events(
    client: TestClient, engine: Engine, service_id: str, now: datetime
) -> None:
    heartbeat = make_heartbeat(engine, service_id)
    add_events(engine, heartbeat.id, [("tick", now)])
    response = client.delete(f"/api/v1/heartbeat/{heartbeat.ping_id}")
    assert (response.status_code, response.content) == (204, b"")
    assert client.get(f"/api/v1/heartbeat/{heartbeat.ping_id}").status_code == 404
    assert client.delete(f"/api/v1/heartbeat/{heartbeat.ping_id}").status_code == 404
    assert client.get(f"/api/v1/heartbeat/{heartbeat.ping_id}/events").status_code == 404
    # The events themselves are removed by the background purge (core/purge.py).
    assert purge.purge_events(engine) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM event")).scalar() == 0


def test_bulk_delete(client: TestClient, engine: Engine, service_id: str) -> None:
    a, b, c = (make_heartbeat(engine, service_id, name).ping_id for name in "abc")
    response = client.delete("/api/v1/heartbeat", params=[("id", a), ("id", UNKNOWN), ("id", "junk"), ("id", c)])
    assert response.status_code == 200
    assert response.json() == {"deleted": [a, c], "not_found": [UNKNOWN, "junk"]}
    remaining = client.get(f"/api/v1/service/{service_id}/heartbeats").json()["items"]
    assert [h["id"] for h in remaining] == [b]


def test_bulk_delete_needs_at_least_one_id(client: TestClient) -> None:
    response = client.delete("/api/v1/heartbeat")
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["id"]


def test_bulk_delete_caps_the_number_of_ids(client: TestClient) -> None:
    response = client.delete("/api/v1/heartbeat", params=[("id", str(i)) for i in range(1001)])
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["id"]


def test_bulk_delete_also_takes_the_bracket_spelling_of_axios(client, make_heartbeat) -> None:  # type: ignore[no-untyped-def]
    first, second = make_heartbeat("first"), make_heartbeat("second")
    response = client.delete(f"/api/v1/heartbeat?id[]={first.ping_id}&id={second.ping_id}&id[]=nope")
    assert response.status_code == 200
    assert sorted(response.json()["deleted"]) == sorted([first.ping_id, second.ping_id])
    assert response.json()["not_found"] == ["nope"]
    assert client.delete("/api/v1/heartbeat").status_code == 422
