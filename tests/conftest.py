"""Shared fixtures: a real, migrated database per test (SQLite file by default).

Migrations run once per test session, into a template; each test starts from a
copy of it (SQLite: the file is copied; PostgreSQL: every table is truncated).
Set LUBDUB_TEST_DATABASE=postgresql to run the same tests on the PostgreSQL at
127.0.0.1:5432 (database `test`, or LUBDUB_POSTGRES_URL).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
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


def _fresh_postgres_schema(url: str) -> None:
    engine = db.build_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _empty_postgres_tables(url: str) -> None:
    engine = db.build_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )).scalars().all()
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: a SQLite file to copy, or the PostgreSQL schema to truncate."""
    if os.environ.get("LUBDUB_TEST_DATABASE") == "postgresql":
        _fresh_postgres_schema(POSTGRES_URL)
        upgrade_database(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "lubdub.db"
    upgrade_database(f"sqlite:///{path}")
    db.dispose_engines()
    # Fold the WAL into the main file so one file copy is the whole database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(path)


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A URL for this test; ``engine`` fills it from the migrated template."""
    on_postgres = os.environ.get("LUBDUB_TEST_DATABASE") == "postgresql"
    url = POSTGRES_URL if on_postgres else f"sqlite:///{tmp_path / 'lubdub.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PUBLIC_URL", "http://lubdub.test")
    reset_settings()
    db.dispose_engines()
    yield url
    db.dispose_engines()
    reset_settings()


@pytest.fixture
def engine(database_url: str, migrated_template: str) -> Engine:
    """The test's database, migrated to head and empty."""
    if database_url.startswith("sqlite"):
        shutil.copyfile(migrated_template, database_url.removeprefix("sqlite:///"))
    else:
        _empty_postgres_tables(database_url)
    return db.get_engine(database_url)


@pytest.fixture
def now() -> datetime:
    """A fixed, round moment to build expectations from."""
    return datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def make_heartbeat(engine: Engine):
    """``make_heartbeat(name, service="default", **columns)``: the factory with services made on first use."""
    from tests.factories import make_heartbeat as create_heartbeat
    from tests.factories import make_service

    service_ids: dict[str, str] = {}

    def create(name: str = "backup", *, service: str = "default", **fields: object):  # type: ignore[no-untyped-def]
        if service not in service_ids:
            service_ids[service] = make_service(engine, service).id
        return create_heartbeat(engine, service_ids[service], name, **fields)

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
