"""Clients for the management API, mounted at /api as the real server does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from dashboard.api.app import build_api
from tests.factories import make_token


@pytest.fixture
def api_app(engine: Engine) -> Starlette:
    return Starlette(routes=[Mount("/api", app=build_api())])


@pytest.fixture
def anon(api_app: Starlette) -> Iterator[TestClient]:
    """No API key."""
    with TestClient(api_app) as client:
        yield client


@pytest.fixture
def client(api_app: Starlette, engine: Engine) -> Iterator[TestClient]:
    """Authenticated with a read-write key."""
    headers = {"Authorization": f"Bearer {make_token(engine, 'read-write')}"}
    with TestClient(api_app, headers=headers) as test_client:
        yield test_client


@pytest.fixture
def reader(api_app: Starlette, engine: Engine) -> Iterator[TestClient]:
    """Authenticated with a read-only key."""
    headers = {"Authorization": f"Bearer {make_token(engine, 'read-only', name='reader')}"}
    with TestClient(api_app, headers=headers) as test_client:
        yield test_client
