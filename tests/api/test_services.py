"""/api/v1/service: CRUD, listing with status counts, a service's heartbeats."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from tests.factories import make_heartbeat, make_service

UNKNOWN = "0b0b0b0b-0000-4000-8000-000000000000"


def test_create_returns_the_service(client: TestClient, now: datetime) -> None:
    with time_machine.travel(now, tick=False):
        response = client.post("/api/v1/service", json={"name": " Billing ", "description": "invoices", "extra": 1})
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Billing",
        "description": "invoices",
        "heartbeat_count": 0,
        "status_counts": {"new": 0, "up": 0, "late": 0, "down": 0, "paused": 0},
        "ping_key": body["ping_key"],
        "created_at": "2026-11-02T12:00:00.000000Z",
        "updated_at": "2026-11-02T12:00:00.000000Z",
    }
    assert client.get(f"/api/v1/service/{body['id']}").json() == body
    assert len(body["ping_key"]) == 22 and body["ping_key"].isalnum() and body["ping_key"].islower()


def test_a_duplicate_name_is_a_conflict(client: TestClient) -> None:
    assert client.post("/api/v1/service", json={"name": "Billing"}).status_code == 201
    response = client.post("/api/v1/service", json={"name": "Billing"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 7}, "name"),
        ({"name": None}, "name"),
        ({"name": "ok", "description": "d" * 501}, "description"),
        ({"name": "ok", "description": "nul\x00"}, "description"),
    ],
)
def test_invalid_fields_are_named(client: TestClient, body: dict[str, object], field: str) -> None:
    response = client.post("/api/v1/service", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert field in error["message"]


def test_limits_are_inclusive(client: TestClient) -> None:
    response = client.post("/api/v1/service", json={"name": "x" * 100, "description": "d" * 500})
    assert response.status_code == 201


def test_update_changes_only_the_given_fields(client: TestClient, engine: Engine, now: datetime) -> None:
    service = make_service(engine, "Billing", description="invoices")
    make_service(engine, "Shipping")
    later = now + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        response = client.put(f"/api/v1/service/{service.id}", json={"description": "money"})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["updated_at"]) == (
        "Billing",
        "money",
        "2026-11-02T13:00:00.000000Z",
    )
    assert client.put(f"/api/v1/service/{service.id}", json={"name": "Shipping"}).status_code == 409
    assert client.put(f"/api/v1/service/{service.id}", json={"name": None}).status_code == 422
    assert client.put(f"/api/v1/service/{UNKNOWN}", json={"name": "x"}).status_code == 404


@pytest.mark.parametrize("service_id", [UNKNOWN, "not-a-uuid", "%00", "1" * 500])
def test_unknown_and_malformed_ids_are_404(client: TestClient, service_id: str) -> None:
    for response in (
        client.get(f"/api/v1/service/{service_id}"),
        client.delete(f"/api/v1/service/{service_id}"),
        client.get(f"/api/v1/service/{service_id}/heartbeats"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_delete_refuses_a_service_with_heartbeats_unless_cascade(client: TestClient, engine: Engine) -> None:
    service = make_service(engine)
    heartbeat = make_heartbeat(engine, service.id)
    refused = client.delete(f"/api/v1/service/{service.id}")
    assert refused.status_code == 409
    assert "cascade" in refused.json()["error"]["message"]
    response = client.delete(f"/api/v1/service/{service.id}", params={"cascade": "true"})
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/api/v1/service/{service.id}").status_code == 404
    assert client.get(f"/api/v1/heartbeat/{heartbeat.ping_id}").status_code == 404


def test_delete_an_empty_service(client: TestClient, engine: Engine) -> None:
    service = make_service(engine)
    assert client.delete(f"/api/v1/service/{service.id}").status_code == 204
    assert client.get(f"/api/v1/service/{service.id}").status_code == 404


def test_list_pages_services_with_status_counts(client: TestClient, engine: Engine, now: datetime) -> None:
    a, b = make_service(engine, "a"), make_service(engine, "b")
    make_service(engine, "c")
    make_heartbeat(engine, a.id, "new")
    make_heartbeat(engine, a.id, "late", status="up", next_due_at=now - timedelta(seconds=1))
    make_heartbeat(engine, a.id, "paused", enabled=False, status="down")
    make_heartbeat(engine, b.id, "down", status="down")
    with time_machine.travel(now, tick=False):
        first = client.get("/api/v1/service", params={"limit": 2}).json()
        second = client.get("/api/v1/service", params={"limit": 2, "page": 2}).json()
    assert (first["page"], first["limit"], first["total"]) == (1, 2, 3)
    assert [s["name"] for s in first["items"]] == ["a", "b"]
    assert [s["name"] for s in second["items"]] == ["c"]
    assert first["items"][0]["heartbeat_count"] == 3
    assert first["items"][0]["status_counts"] == {"new": 1, "up": 0, "late": 1, "down": 0, "paused": 1}
    assert first["items"][1]["status_counts"]["down"] == 1


def test_heartbeats_of_a_service_are_paged_by_name(client: TestClient, engine: Engine) -> None:
    service = make_service(engine)
    for name in ["delta", "alpha", "charlie", "bravo"]:
        make_heartbeat(engine, service.id, name)
    make_heartbeat(engine, make_service(engine, "other").id, "aardvark")
    page = client.get(f"/api/v1/service/{service.id}/heartbeats", params={"page": 2, "limit": 3}).json()
    assert [h["name"] for h in page["items"]] == ["delta"]
    assert (page["page"], page["limit"], page["total"]) == (2, 3, 4)
    default = client.get(f"/api/v1/service/{service.id}/heartbeats").json()
    assert [h["name"] for h in default["items"]] == ["alpha", "bravo", "charlie", "delta"]
    assert (default["page"], default["limit"]) == (1, 50)
    beyond = client.get(f"/api/v1/service/{service.id}/heartbeats", params={"page": 9}).json()
    assert (beyond["items"], beyond["total"]) == ([], 4)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"limit": "1.5"}, "limit"),
        ({"page": 10**30}, "page"),
    ],
)
def test_paging_parameters_are_validated(
    client: TestClient, engine: Engine, params: dict[str, object], field: str
) -> None:
    service = make_service(engine)
    for path in ("/api/v1/service", f"/api/v1/service/{service.id}/heartbeats"):
        response = client.get(path, params=params)
        assert response.status_code == 422
        assert list(response.json()["error"]["fields"]) == [field]
    assert client.get("/api/v1/service", params={"limit": 500}).status_code == 200
