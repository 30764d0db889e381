"""Roles and service limits through the API: every action, for keys of every kind.

An admin key may do everything; an editor key services, heartbeats and links; a
viewer key reads.  A key limited to a service sees nothing outside it (404, as if
it did not exist) and cannot widen itself by making keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.factories import make_heartbeat, make_service, make_token

Client = Callable[..., TestClient]


@pytest.fixture
def as_key(api_app: Starlette, engine: Engine) -> Client:
    def make(role: str, service_id: str | None = None) -> TestClient:
        token = make_token(engine, role, name=f"{role}-{service_id}", service_id=service_id)
        return TestClient(api_app, headers={"Authorization": f"Bearer {token}"})

    return make


@pytest.fixture
def world(engine: Engine) -> dict[str, Any]:
    mine, theirs = make_service(engine, "mine"), make_service(engine, "theirs")
    return {
        "mine": mine, "theirs": theirs,
        "hb_mine": make_heartbeat(engine, mine.id, "a", interval=60),
        "hb_theirs": make_heartbeat(engine, theirs.id, "b", interval=60),
        "hb_mine_too": make_heartbeat(engine, mine.id, "c", interval=60),
    }


def actions(world: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """Name → (method, path, JSON body) of one write of each kind, on the service 'mine'."""
    mine, hb = world["mine"], world["hb_mine"]
    return {
        "create service": ("POST", "/api/v1/service", {"name": "new"}),
        "rename service": ("PUT", f"/api/v1/service/{mine.id}", {"description": "x"}),
        "create heartbeat": ("POST", "/api/v1/heartbeat", {"service_id": mine.id, "name": "n", "interval": 60}),
        "update heartbeat": ("PUT", f"/api/v1/heartbeat/{hb.ping_id}", {"grace": 5}),
        "rotate ping key": ("POST", f"/api/v1/service/{mine.id}/rotate-ping-key", None),
        "set alert threshold": ("PUT", f"/api/v1/heartbeat/{hb.ping_id}/alerting", {"alert_threshold": 2}),
        "create channel": ("POST", "/api/v1/channel", {"name": "c", "kind": "email", "config": {"to": ["a@b.co"]}}),
        "create admin key": ("POST", "/api/v1/api-key", {"name": "k", "role": "admin"}),
        "create viewer key": ("POST", "/api/v1/api-key", {"name": "k", "role": "viewer", "service_id": mine.id}),
        # Last: after these the check-in id in the other paths is gone.
        "delete heartbeat": ("DELETE", f"/api/v1/heartbeat/{hb.ping_id}", None),
        "rotate check-in id": ("POST", f"/api/v1/heartbeat/{world['hb_mine_too'].ping_id}/rotate", None),
    }


EXPECTED = {
    # role, limited? → the actions it may do (everything else: 403)
    ("admin", False): "all",
    ("editor", False): {"create service", "rename service", "create heartbeat", "update heartbeat",
                        "rotate check-in id", "rotate ping key", "set alert threshold", "create viewer key",
                        "delete heartbeat"},
    ("editor", True): {"rename service", "create heartbeat", "update heartbeat", "rotate check-in id",
                       "rotate ping key", "set alert threshold", "create viewer key", "delete heartbeat"},
    ("viewer", False): set(),
    ("viewer", True): set(),
}


@pytest.mark.parametrize(("role", "limited"), list(EXPECTED))
def test_every_write_for_every_kind_of_key(as_key: Client, world: dict[str, Any], role: str, limited: bool) -> None:
    client = as_key(role, world["mine"].id if limited else None)
    allowed = EXPECTED[(role, limited)]
    for name, (method, path, body) in actions(world).items():
        response = client.request(method, path, json=body)
        may = allowed == "all" or name in allowed
        assert (response.status_code < 300) == may, (role, limited, name, response.status_code, response.text)
        if not may:
            assert response.status_code == 403, (name, response.text)
            assert response.json()["error"]["message"], name


def test_a_limited_key_finds_nothing_outside_its_service(as_key: Client, world: dict[str, Any]) -> None:
    client = as_key("editor", world["mine"].id)
    theirs, hb = world["theirs"], world["hb_theirs"]
    assert [s["name"] for s in client.get("/api/v1/service").json()["items"]] == ["mine"]
    for path in (f"/api/v1/service/{theirs.id}", f"/api/v1/service/{theirs.id}/heartbeats",
                 f"/api/v1/heartbeat/{hb.ping_id}", f"/api/v1/heartbeat/{hb.public_id}/events",
                 f"/api/v1/heartbeat/{hb.ping_id}/statistic", f"/api/v1/heartbeat/{hb.ping_id}/alerting"):
        assert client.get(path).status_code == 404, path
    assert client.put(f"/api/v1/heartbeat/{hb.ping_id}", json={"grace": 1}).status_code == 404
    assert client.delete(f"/api/v1/heartbeat/{hb.ping_id}").status_code == 404
    bulk = client.delete("/api/v1/heartbeat", params={"id": [hb.ping_id, world["hb_mine"].ping_id]}).json()
    assert bulk == {"deleted": [world["hb_mine"].ping_id], "not_found": [hb.ping_id]}
    moved = client.put(f"/api/v1/heartbeat/{world['hb_theirs'].ping_id}", json={"service_id": world["mine"].id})
    assert moved.status_code == 404
    created = client.post("/api/v1/heartbeat", json={"service_id": theirs.id, "name": "x", "interval": 60})
    assert created.status_code == 422 and set(created.json()["error"]["fields"]) == {"service_id"}


def test_a_limited_key_cannot_move_a_heartbeat_out_of_its_service(as_key: Client, world: dict[str, Any]) -> None:
    client = as_key("editor", world["mine"].id)
    moved = client.put(f"/api/v1/heartbeat/{world['hb_mine'].ping_id}", json={"service_id": world["theirs"].id})
    assert moved.status_code == 422 and set(moved.json()["error"]["fields"]) == {"service_id"}


def test_keys_made_by_a_key_are_no_stronger_and_only_its_own_are_listed(as_key: Client, world: dict[str, Any]) -> None:
    editor = as_key("editor", world["mine"].id)
    made = editor.post("/api/v1/api-key", json={"name": "ci", "role": "editor", "service_id": world["mine"].id})
    assert made.status_code == 201 and (made.json()["role"], made.json()["service_id"]) == ("editor", world["mine"].id)
    assert editor.post("/api/v1/api-key", json={"name": "x", "role": "editor"}).status_code == 403
    assert editor.post("/api/v1/api-key", json={"name": "x", "role": "viewer",
                                                "service_id": world["theirs"].id}).status_code == 422
    assert [k["name"] for k in editor.get("/api/v1/api-key").json()] == ["ci"]
    admin = as_key("admin")
    assert len(admin.get("/api/v1/api-key").json()) >= 3
    # The key it made works within the limit it was given.
    token = made.json()["token"]
    api_app = editor.app
    child = TestClient(api_app, headers={"Authorization": f"Bearer {token}"})
    assert [s["name"] for s in child.get("/api/v1/service").json()["items"]] == ["mine"]


def test_scope_and_role_must_agree_and_no_scope_means_read_only(as_key: Client) -> None:
    admin = as_key("admin")
    assert admin.post("/api/v1/api-key", json={"name": "a"}).json()["role"] == "viewer"
    assert admin.post("/api/v1/api-key", json={"name": "b", "scope": "read-write"}).json()["role"] == "admin"
    clash = admin.post("/api/v1/api-key", json={"name": "c", "scope": "read-only", "role": "admin"})
    assert clash.status_code == 422 and set(clash.json()["error"]["fields"]) == {"role"}


def test_deleting_a_service_deletes_the_keys_limited_to_it(as_key: Client, world: dict[str, Any]) -> None:
    limited = as_key("viewer", world["theirs"].id)
    assert limited.get("/api/v1/service").status_code == 200
    admin = as_key("admin")
    assert admin.delete(f"/api/v1/service/{world['theirs'].id}", params={"cascade": "true"}).status_code == 204
    # Never an unlimited key: it is gone.
    assert limited.get("/api/v1/service").status_code == 401
