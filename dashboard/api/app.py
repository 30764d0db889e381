"""The management REST API (SPEC §4): a FastAPI app mounted at ``/api``.

One router per resource (services, heartbeats, API keys, alert channels), all
under ``/v1`` behind the API key check; ``/health`` needs no key.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.api import apikeys, channels, heartbeats, schedules, services
from dashboard.api.auth import EngineDep, authenticate
from dashboard.api.docs import errors
from dashboard.api.errors import install_error_handlers
from dashboard.api.schemas import Health

DESCRIPTION = """\
Manage services and heartbeats, read event feeds and statistics.

Authenticate with an API key: `Authorization: Bearer <token>`. Read-only keys may
only read; writes need a read-write key.

Every error has the body `{"error": {"code", "message", "fields"}}`; for invalid
input, `fields` maps each offending field to what is wrong with it.
Timestamps are ISO 8601 in UTC, e.g. `2026-11-02T12:00:00.000000Z`; a timestamp
without an offset is taken as UTC.
"""


def _health(engine: EngineDep) -> Any:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "error", "database": "error"}, status_code=503)
    return Health(status="ok", database="ok")


def build_api(engine: Engine | None = None) -> FastAPI:
    """The API app, to mount at ``/api``; ``engine`` defaults to the configured database."""
    app = FastAPI(
        title="Lubdub API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.engine = engine
    install_error_handlers(app)
    app.add_api_route(
        "/health",
        _health,
        methods=["GET"],
        response_model=Health,
        tags=["health"],
        summary="Liveness and database check",
        description="No authentication. 503 when the database is unreachable.",
        responses={503: {"model": Health, "description": "The database is unreachable"}},
    )
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)], responses=errors(401))
    for module in (services, heartbeats, schedules, apikeys, channels):
        v1.include_router(module.router)
    app.include_router(v1)
    return app
