"""Bearer API keys: 401 without a usable key, 403 for writes with a read-only key,
and the API key endpoints themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from dashboard.db import session_scope
from dashboard.models import ApiKey
from tests.factories import make_service, make_token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwdw=="}, bearer("lbd_not-a-real-key")],
)
def test_it_rejects_requests_without_a_valid_key(anon: TestClient, headers: dict[str, str]) -> None:
    assert_unauthorized(anon.get("/api/v1/service", headers=headers))


def test_the_scheme_is_case_insensitive(anon: TestClient, engine: Engine) -> None:
    token = make_token(engine, "read-only")
    assert anon.get("/api/v1/service", headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_health_needs_no_key(anon: TestClient) -> None:
    response = anon.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_a_read_only_key_reads_but_cannot_write(reader: TestClient, engine: Engine) -> None:
    service = make_service(engine)
    assert reader.get(f"/api/v1/service/{service.id}").status_code == 200
    writes = [
        reader.post("/api/v1/service", json={"name": "new"}),
        reader.put(f"/api/v1/service/{service.id}", json={"name": "renamed"}),
        reader.delete(f"/api/v1/service/{service.id}"),
        reader.delete("/api/v1/heartbeat", params={"id": "x"}),
        reader.post("/api/v1/api-key", json={"name": "escalate", "scope": "read-write"}),
    ]
    for response in writes:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert reader.get(f"/api/v1/service/{service.id}").json()["name"] == "payments"


def test_a_revoked_key_stops_working(client: TestClient, engine: Engine) -> None:
    token = make_token(engine, "read-only", name="temporary")
    keys = client.get("/api/v1/api-key").json()
    key_id = next(k["id"] for k in keys if k["name"] == "temporary")
    assert client.get("/api/v1/service", headers=bearer(token)).status_code == 200
    revoked = client.delete(f"/api/v1/api-key/{key_id}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_unauthorized(client.get("/api/v1/service", headers=bearer(token)))


def test_creating_a_key_shows_the_token_once(client: TestClient, anon: TestClient) -> None:
    response = client.post("/api/v1/api-key", json={"name": "  deploy  ", "scope": "read-write"})
    assert response.status_code == 201
    created = response.json()
    token = created["token"]
    assert token.startswith("lbd_")
    assert created["prefix"] == token[:12]
    assert (created["name"], created["scope"], created["revoked_at"]) == ("deploy", "read-write", None)
    listed = client.get("/api/v1/api-key").json()
    assert [k["id"] for k in listed if k["name"] == "deploy"] == [created["id"]]
    assert all("token" not in k for k in listed)
    assert anon.post("/api/v1/service", json={"name": "via new key"}, headers=bearer(token)).status_code == 201


def test_a_new_key_is_read_only_by_default(client: TestClient) -> None:
    assert client.post("/api/v1/api-key", json={"name": "viewer"}).json()["scope"] == "read-only"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "x", "scope": "admin"}, "scope"), ({"scope": "read-only"}, "name"), ({"name": ""}, "name")],
)
def test_key_creation_validates_its_fields(client: TestClient, body: dict[str, object], field: str) -> None:
    response = client.post("/api/v1/api-key", json=body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_revoking_an_unknown_key_is_a_404(client: TestClient) -> None:
    for key_id in ["0b0b0b0b-0000-4000-8000-000000000000", "nope"]:
        assert client.delete(f"/api/v1/api-key/{key_id}").status_code == 404


def test_last_used_at_is_written_at_most_once_a_minute(anon: TestClient, engine: Engine, now: datetime) -> None:
    token = make_token(engine, "read-only", now=now)

    def last_used() -> datetime | None:
        with session_scope(engine) as session:
            return session.exec(select(ApiKey.last_used_at).where(ApiKey.name == "tests")).one()

    with time_machine.travel(now, tick=False) as traveller:
        anon.get("/api/v1/service", headers=bearer(token))
        assert last_used() == now
        traveller.shift(timedelta(seconds=59))
        anon.get("/api/v1/service", headers=bearer(token))
        assert last_used() == now
        traveller.shift(timedelta(seconds=1))
        anon.get("/api/v1/service", headers=bearer(token))
        assert last_used() == now + timedelta(seconds=60)
