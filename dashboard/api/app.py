"""The management REST API (SPEC §4): a FastAPI app mounted at ``/api``.

One router per resource (services, heartbeats, API keys, alert channels), all
under ``/v1`` behind the API key check (``ApiKeyGuard``, which answers 401/403
before the body is read); ``/health``, ``/docs`` and ``/openapi.json`` need no key.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.api import apikeys, channels, heartbeats, schedules, services
from dashboard.api.auth import PROTECTED_PREFIX, ApiKeyGuard, EngineDep, authenticate, route_path
from dashboard.api.docs import errors
from dashboard.api.errors import error_doc, install_error_handlers
from dashboard.api.healthchecks.app import HealthchecksApi
from dashboard.api.healthchecks.paths import is_healthchecks_path
from dashboard.api.schemas import Health
from dashboard.db import get_engine

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


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_SWAGGER_CDN = "https://cdn.jsdelivr.net"


def _docs_page(request: Request) -> HTMLResponse:
    """Swagger UI, with a policy of its own: it loads from a CDN and starts with an inline script.

    The server's page policy allows neither; this one allows exactly that CDN and
    that script (by hash), so an API key typed into "Authorize" stays as
    contained as the dashboard's session.
    """
    root_path = request.scope.get("root_path", "")
    page = get_swagger_ui_html(openapi_url=f"{root_path}/openapi.json", title="Lubdub API - Swagger UI")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body).decode())
    )
    policy = (
        f"default-src 'none'; script-src {_SWAGGER_CDN} {hashes}; style-src {_SWAGGER_CDN} 'unsafe-inline'; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    page.headers["Content-Security-Policy"] = policy
    return page


class HealthchecksFirst:
    """ASGI middleware: Healthchecks' API paths (``/v3/…``, ``/v1/checks/…``) go to its app."""

    def __init__(self, app: ASGIApp, healthchecks: ASGIApp) -> None:
        self.app, self.healthchecks = app, healthchecks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_healthchecks_path(route_path(scope)):
            await self.healthchecks(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def build_api(engine: Engine | None = None) -> FastAPI:
    """The API app, to mount at ``/api``; ``engine`` defaults to the configured database."""
    app = FastAPI(
        title="Lubdub API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    engine_of_request = (lambda: engine) if engine is not None else get_engine
    app.add_middleware(ApiKeyGuard, engine=engine_of_request)
    # Outermost: Healthchecks' paths never meet the Bearer-key guard or FastAPI's routing.
    app.add_middleware(HealthchecksFirst, healthchecks=HealthchecksApi(engine_of_request))
    install_error_handlers(app)
    app.add_api_route("/docs", _docs_page, methods=["GET"], include_in_schema=False)
    # HEAD is what many uptime checkers send: the same check, the same status, no body.
    for method in ("GET", "HEAD"):
        app.add_api_route(
            "/health",
            _health,
            methods=[method],
            operation_id=f"health_{method.lower()}",
            response_model=Health,
            tags=["health"],
            summary="Liveness and database check" + (" (status only)" if method == "HEAD" else ""),
            description="No authentication. 503 when the database is unreachable.",
            responses={503: {"model": Health, "description": "The database is unreachable"}},
        )
    too_large = error_doc("The request body is larger than MAX_BODY_BYTES (1 MB by default)")
    v1 = APIRouter(prefix=PROTECTED_PREFIX, dependencies=[Depends(authenticate)],
                   responses={**errors(401), 413: too_large})
    for module in (services, heartbeats, schedules, apikeys, channels):
        v1.include_router(module.router)
    app.include_router(v1)
    return app
