"""Schemathesis fuzzes every operation of /api/openapi.json: no 5xx, and every
response (errors included) matches the schema the document declares."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from dashboard.core.apikeys import create_api_key
from dashboard.db import session_scope
from dashboard.server import api_mount
from dashboard.timeutil import utcnow

app = Starlette(routes=[api_mount()])
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)


@pytest.fixture
def token(engine) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine, write=True) as session:
        _, secret = create_api_key(session, "fuzz", "read-write", utcnow())
    return secret


def not_a_server_error(ctx, response, case):  # type: ignore[no-untyped-def]
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}"


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_matches_its_schema(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
