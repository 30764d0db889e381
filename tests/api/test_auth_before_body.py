"""The API key is checked from the headers before anyone reads the body.

FastAPI reads and parses a body before it runs dependencies; ``ApiKeyGuard``
answers 401/403 first.  ``tests.asgi.call`` streams a body and counts how much
of it the API pulled (a finite one, so a regression fails instead of hanging).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from dashboard.server import api_mount
from tests.asgi import call
from tests.factories import make_service, make_token

BODY = [b"x" * 100] * 50


@pytest.fixture
def api(engine: Engine) -> Starlette:
    return Starlette(routes=[api_mount()])


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/json"}


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "missing API key: send 'Authorization: Bearer <token>'"),
    ({"authorization": "Basic dXNlcjpwdw=="}, "missing API key: send 'Authorization: Bearer <token>'"),
    ({"authorization": "Bearer lbd_not-a-real-key"}, "unknown or revoked API key"),
])
def test_no_usable_key_is_a_401_without_reading_the_body(api: Starlette, headers: dict[str, str], message: str) -> None:
    answer = call(api, "POST", "/api/v1/service", chunks=BODY, headers=headers)
    assert answer.status == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json() == {"error": {"code": "unauthorized", "message": message, "fields": {}}}
    assert answer.chunks_read == 0


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_read_only_key_on_a_write_is_a_403_without_reading_the_body(api: Starlette, engine: Engine,
                                                                       method: str) -> None:
    answer = call(api, method, "/api/v1/service/x", chunks=BODY, headers=bearer(make_token(engine, "read-only")))
    assert answer.status == 403
    assert answer.json() == {"error": {"code": "forbidden", "message": "this API key is read-only", "fields": {}}}
    assert answer.chunks_read == 0


def test_a_read_write_key_gets_its_body_read(api: Starlette, engine: Engine) -> None:
    body = json.dumps({"name": "payments"}).encode()
    answer = call(api, "POST", "/api/v1/service", chunks=[body[:5], body[5:]],
                  headers=bearer(make_token(engine, "read-write")))
    assert answer.status == 201, answer.body
    assert answer.json()["name"] == "payments"
    assert answer.chunks_read == 2


def test_a_read_only_key_still_reads(api: Starlette, engine: Engine) -> None:
    service = make_service(engine)
    answer = call(api, "GET", f"/api/v1/service/{service.id}", headers=bearer(make_token(engine, "read-only")))
    assert (answer.status, answer.json()["id"]) == (200, service.id)


def test_everything_under_v1_needs_a_key_even_unknown_paths(api: Starlette) -> None:
    # No route enumeration without a key; with one, unknown paths are still 404 (test_errors.py).
    assert call(api, "GET", "/api/v1/nothing-here").status == 401
    assert call(api, "GET", "/api/health").status == 200
    assert call(api, "GET", "/api/v2/service").status == 404
