"""Shared fixtures: a real, migrated database per test (SQLite file by default).

Set LUBDUB_TEST_DATABASE=postgresql to run the same tests on the PostgreSQL at
127.0.0.1:5432 (database `test`); each test then gets its own schema-less reset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard import db
from dashboard.config import reset_settings
from dashboard.migrate import upgrade_database

POSTGRES_URL = os.environ.get("LUBDUB_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _reset_postgres(url: str) -> None:
    engine = db.build_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if os.environ.get("LUBDUB_TEST_DATABASE") == "postgresql":
        url = POSTGRES_URL
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'lubdub.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PUBLIC_URL", "http://lubdub.test")
    reset_settings()
    db.dispose_engines()
    yield url
    db.dispose_engines()
    reset_settings()


@pytest.fixture
def engine(database_url: str) -> Engine:
    upgrade_database(database_url)
    return db.get_engine(database_url)


@pytest.fixture
def now() -> datetime:
    """A fixed, round moment to build expectations from."""
    return datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def make_heartbeat(engine: Engine):
    """Create a service (once) and heartbeats in it, straight through the ORM."""
    from dashboard.db import session_scope
    from dashboard.models import Heartbeat, Service

    service_ids: dict[str, str] = {}

    def create(name: str = "backup", *, service: str = "default", **fields: object) -> Heartbeat:
        with session_scope(engine, write=True) as session:
            if service not in service_ids:
                row = Service(name=service)
                session.add(row)
                session.flush()
                service_ids[service] = row.id
            heartbeat = Heartbeat(service_id=service_ids[service], name=name, **{"interval": 60, **fields})
            session.add(heartbeat)
        return heartbeat

    return create


@pytest.fixture
def running(engine: Engine):
    """The per-process background machinery with the detector left to the test."""
    from dashboard.api.ping import checkins
    from dashboard.config import get_settings
    from dashboard.core import background

    settings = get_settings()
    bg = background.Background(engine, replace(settings, run_detector=False))
    bg.start()
    checkins.attach(bg.writer, bg.rate_limiter)
    yield bg
    checkins.detach()
    bg.stop()
