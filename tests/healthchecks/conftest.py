"""Clients for the Healthchecks-compatible API: X-Api-Key keys limited to a service (a project)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.api.conftest import anon, api_app  # noqa: F401  (fixtures)
from tests.factories import make_service, make_token


@pytest.fixture
def project(engine: Engine) -> str:
    """A service standing for a Healthchecks project."""
    return make_service(engine, "project").id


@pytest.fixture
def keyed(api_app: Starlette, engine: Engine) -> Iterator[Callable[..., TestClient]]:  # noqa: F811
    """``keyed(role, service_id=None)``: a client sending that key as X-Api-Key."""
    clients: list[TestClient] = []

    def make(role: str = "editor", service_id: str | None = None) -> TestClient:
        token = make_token(engine, role, name=f"{role}-{len(clients)}", service_id=service_id)
        test_client = TestClient(api_app, headers={"X-Api-Key": token})
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def hc(keyed: Callable[..., TestClient], project: str) -> TestClient:
    """A read-write key of the project."""
    return keyed("editor", project)


@pytest.fixture
def hc_ro(keyed: Callable[..., TestClient], project: str) -> TestClient:
    """A read-only key of the project."""
    return keyed("viewer", project)
