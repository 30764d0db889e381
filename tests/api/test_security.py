"""Every management endpoint: 401 without a key, 403 for a read-only key on writes;
hostile input is stored verbatim and never breaks anything."""

from __future__ import annotations

import uuid

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from dashboard.api.app import build_api
from dashboard.core.apikeys import create_api_key
from dashboard.db import session_scope
from dashboard.server import api_mount
from dashboard.timeutil import utcnow

PUBLIC_PATHS = {"/health"}


def operations() -> list[tuple[str, str]]:
    """Every (method, path) the OpenAPI document lists, but the public ones."""
    paths = build_api().openapi()["paths"]
    return [(method.upper(), path) for path, item in paths.items() if path not in PUBLIC_PATHS
            for method in item if method in ("get", "post", "put", "delete", "patch")]



def _fill(path: str) -> str:
    parts = [str(uuid.uuid4()) if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


@pytest.fixture
def app_client(engine) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(Starlette(routes=[api_mount()]))


def token(engine, scope: str) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine, write=True) as session:
        return create_api_key(session, scope, scope, utcnow())[1]


def test_there_are_management_operations_to_check() -> None:
    assert len(operations()) >= 15


@pytest.mark.parametrize(("method", "path"), operations())
def test_every_operation_needs_a_key(app_client: TestClient, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer lbd_not-a-real-key"}, {"Authorization": "Basic abc"}):
        response = app_client.request(method, "/api" + _fill(path), headers=headers, json={})
        assert response.status_code == 401, (method, path, headers)
        assert response.json()["error"]["code"]


@pytest.mark.parametrize(("method", "path"), [op for op in operations() if op[0] != "GET"])
def test_a_read_only_key_cannot_write(app_client: TestClient, engine, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token(engine, 'read-only')}"}
    response = app_client.request(method, "/api" + _fill(path), headers=headers, json={})
    assert response.status_code == 403, (method, path)


def test_sql_and_html_in_input_are_stored_verbatim(app_client: TestClient, engine) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token(engine, 'read-write')}"}
    hostile = "Robert'); DROP TABLE heartbeat;-- <script>alert(1)</script>"
    created = app_client.post("/api/v1/service", headers=headers, json={"name": hostile[:100], "description": hostile})
    assert created.status_code == 201
    fetched = app_client.get(f"/api/v1/service/{created.json()['id']}", headers=headers).json()
    assert fetched["name"] == hostile[:100] and fetched["description"] == hostile
    assert app_client.get("/api/v1/service", headers=headers).json()["total"] == 1
