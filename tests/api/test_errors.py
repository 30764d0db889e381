"""Every failure has the one error shape and a documented status; nothing is a 500.

The sweep at the end sends hostile input to every documented operation and
checks each answer against the OpenAPI document: the status must be declared
for that operation and the body must match the declared schema.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from dashboard.api import schemas
from dashboard.core import contracts
from tests.factories import make_heartbeat, make_service

UNKNOWN = "0b0b0b0b-0000-4000-8000-000000000000"


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    schemas.ErrorBody.model_validate(body)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_unknown_routes_are_404(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/v4/service"), 404, "not_found")
    # /api/v2 and /api/v3 are Healthchecks' API, with its error shape (docs/healthchecks.md).
    assert client.get("/api/v2/service").json() == {"error": "not found"}


def test_a_wrong_method_is_405_with_allow(client: TestClient, anon: TestClient) -> None:
    error = assert_error(client.patch("/api/v1/service"), 405, "method_not_allowed")
    assert error["fields"] == {}
    assert set(client.patch("/api/v1/service").headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert_error(anon.post("/api/health"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"name": ', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"null", "application/json"),
        (b"", "application/json"),
        (b"name=x", "application/x-www-form-urlencoded"),
        (b"name", "text/plain"),
    ],
)
def test_a_malformed_body_is_400(client: TestClient, content: bytes, content_type: str) -> None:
    response = client.post("/api/v1/service", content=content, headers={"content-type": content_type})
    assert_error(response, 400, "bad_request")


def test_a_validation_error_names_each_field(client: TestClient) -> None:
    error = assert_error(client.post("/api/v1/heartbeat", json={"name": "", "interval": 5}), 422, "invalid")
    assert error["fields"] == {
        "service_id": "is required",
        "name": "must be at least 1 characters long",
        "interval": "must be at least 10",
    }
    assert error["message"] == (
        "invalid input: service_id is required; name must be at least 1 characters long; interval must be at least 10"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": "\ud800"},
        {"name": "a\x00b"},
        {"name": "ok", "description": 1e400},
        {"name": ["list"]},
        {"name": {"nested": 1}},
    ],
)
def test_hostile_strings_and_numbers_are_422(client: TestClient, body: dict[str, Any]) -> None:
    import json

    raw = json.dumps(body).encode()
    response = client.post("/api/v1/service", content=raw, headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid")


def test_openapi_document_and_docs_are_served(anon: TestClient) -> None:
    document = anon.get("/api/openapi.json").json()
    assert document["info"]["title"] == "Lubdub API"
    assert document["servers"] == [{"url": "/api"}]
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["HTTPBearer"]["description"],
    }
    docs = anon.get("/api/docs")
    assert docs.status_code == 200
    assert "/api/openapi.json" in docs.text


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in document["paths"].items() for method, operation in item.items()]


def test_every_operation_documents_its_errors_with_the_error_body(anon: TestClient) -> None:
    document = anon.get("/api/openapi.json").json()
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        if path == "/health":
            assert set(responses) == {"200", "503"}
            continue
        assert responses["401"]["content"]["application/json"]["schema"] == error_ref, (path, method)
        if method != "get":
            assert "403" in responses, (path, method)
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"] == error_ref, (path, method, status)
        assert "HTTPValidationError" not in str(operation)


def _model(ref: str) -> Any:
    name = ref.rsplit("/", 1)[1]
    return getattr(contracts, name, None) or getattr(schemas, name)


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> TypeAdapter[Any]:
    if "$ref" in schema:
        return TypeAdapter(_model(schema["$ref"]))
    assert schema["type"] == "array"
    item = _model(schema["items"]["$ref"])
    return TypeAdapter(list[item])  # type: ignore[valid-type]


HOSTILE_SEGMENTS = [UNKNOWN, "x", "%00", "%F0%9F%92%A5", "1" * 300]
HOSTILE_QUERIES: list[dict[str, Any]] = [
    {},
    {"page": "0", "limit": "-1"},
    {"page": "999999999999999999999999", "limit": "1e3"},
    {"limit": "1000", "last_received_at": "\x00", "last_id": "9" * 30},
    {"interval": "30d", "start_date": "9999-12-31T23:59:59Z", "end_date": "1970-01-01T00:00:00Z"},
    {"interval": "30d", "start_date": "1970-01-01T00:00:00Z", "end_date": "9999-12-31T23:59:59.999999Z"},
    {"start_date": "0001-01-01T00:00:00Z"},
    {"cascade": "maybe", "id": ["\x00", UNKNOWN]},
]
HOSTILE_BODIES: list[Any] = [
    {},
    {"name": "n" * 1000, "service_id": "\x00", "interval": 2**70, "grace": -(2**70), "methods": ["\x00"]},
    {"name": "ok", "service_id": UNKNOWN, "interval": 60, "enabled": None, "scope": "root"},
    [],
]


def test_hostile_requests_get_documented_answers(client: TestClient, engine: Engine) -> None:
    service = make_service(engine)
    heartbeat = make_heartbeat(engine, service.id)
    document = client.get("/api/openapi.json").json()
    real_ids = {"service_id": service.id, "heartbeat_id": heartbeat.id, "key_id": UNKNOWN}
    checked = 0
    for path, method, operation in _operations(document):
        for segment in [*HOSTILE_SEGMENTS, None]:
            concrete = path
            for name, real in real_ids.items():
                concrete = concrete.replace("{" + name + "}", real if segment is None else segment)
            for query in HOSTILE_QUERIES:
                for body in HOSTILE_BODIES if method in ("post", "put") else [None]:
                    response = client.request(method.upper(), "/api" + concrete, params=query, json=body)
                    status = str(response.status_code)
                    assert status in operation["responses"], (method, concrete, query, body, response.text)
                    declared = operation["responses"][status].get("content", {}).get("application/json")
                    if declared is not None and method != "head":  # HEAD: the status alone
                        _validator(document, declared["schema"]).validate_python(response.json())
                    checked += 1
    assert checked > 500
