"""The management REST API (SPEC §4), a FastAPI app mounted at ``/api``.

Routes only translate: parse the request, open a session, call ``dashboard.core``,
shape the answer with a ``response_model``.  Writes run in
``session_scope(write=True)``, which commits before the response is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dashboard.api import channels
from dashboard.api.auth import EngineDep, authenticate
from dashboard.api.docs import OPTIONAL_TIMESTAMP, errors, optional
from dashboard.api.errors import install_error_handlers
from dashboard.api.schemas import (
    ApiKeyCreated,
    ApiKeyPublic,
    BulkDeleteResult,
    EventPublic,
    Health,
    HeartbeatPage,
    HeartbeatPublic,
    ServicePage,
    ServicePublic,
    StatisticBucket,
)
from dashboard.core import apikeys, events, heartbeats, services, stats
from dashboard.core.contracts import ApiKeyCreate, HeartbeatCreate, HeartbeatUpdate, ServiceCreate, ServiceUpdate
from dashboard.core.errors import Invalid
from dashboard.core.paging import MAX_PAGE
from dashboard.db import session_scope
from dashboard.timeutil import parse_timestamp, utcnow

DESCRIPTION = """\
Manage services and heartbeats, read event feeds and statistics.

Authenticate with an API key: `Authorization: Bearer <token>`. Read-only keys may
only read; writes need a read-write key.

Every error has the body `{"error": {"code", "message", "fields"}}`; for invalid
input, `fields` maps each offending field to what is wrong with it.
Timestamps are ISO 8601 in UTC, e.g. `2026-11-02T12:00:00.000000Z`; a timestamp
without an offset is taken as UTC.
"""

MAX_BULK_IDS = 1000
MAX_EVENT_ID = 2**63 - 1

PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number.")]
ListLimit = Annotated[int, Query(ge=1, le=heartbeats.MAX_LIMIT, description="Items per page.")]


def _timestamp(field: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_timestamp(raw)
    except (ValueError, OverflowError):
        raise Invalid(field, "must be an ISO 8601 timestamp such as 2026-11-02T12:00:00Z") from None


# --- services ---------------------------------------------------------------------

services_router = APIRouter(prefix="/service", tags=["services"])


def _service_public(session: Session, service_id: str, now: datetime) -> ServicePublic:
    overview = services.get_service_overview(session, service_id, now)
    return ServicePublic.from_model(overview.service, overview.status_counts)


@services_router.post(
    "",
    status_code=201,
    response_model=ServicePublic,
    summary="Create a service",
    responses=errors(400, 403, 409, 422),
)
def create_service(body: ServiceCreate, engine: EngineDep) -> ServicePublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        service = services.create_service(session, body, now)
        return _service_public(session, service.id, now)


@services_router.get(
    "",
    response_model=ServicePage,
    summary="List services",
    description="Services ordered by name, each with its heartbeats' counts by status.",
    responses=errors(422),
)
def list_services(engine: EngineDep, page: PageNumber = 1, limit: ListLimit = 50) -> ServicePage:
    now = utcnow()
    with Session(engine) as session:
        result = services.list_services(session, now, page=page, limit=limit)
    items = [ServicePublic.from_model(o.service, o.status_counts) for o in result.items]
    return ServicePage(items=items, page=result.page, limit=result.limit, total=result.total)


@services_router.get("/{service_id}", response_model=ServicePublic, summary="Get a service", responses=errors(404, 422))
def get_service(service_id: str, engine: EngineDep) -> ServicePublic:
    with Session(engine) as session:
        return _service_public(session, service_id, utcnow())


@services_router.put(
    "/{service_id}",
    response_model=ServicePublic,
    summary="Update a service",
    description="Omitted fields keep their value.",
    responses=errors(400, 403, 404, 409, 422),
)
def update_service(service_id: str, body: ServiceUpdate, engine: EngineDep) -> ServicePublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        service = services.update_service(session, service_id, body, now)
        return _service_public(session, service.id, now)


@services_router.delete(
    "/{service_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a service",
    description="A service that still has heartbeats is only deleted with `cascade=true`, "
    "which deletes its heartbeats and their history too.",
    responses=errors(403, 404, 409, 422),
)
def delete_service(
    service_id: str,
    engine: EngineDep,
    cascade: Annotated[bool, Query(description="Also delete the service's heartbeats.")] = False,
) -> Response:
    with session_scope(engine, write=True) as session:
        services.delete_service(session, service_id, cascade=cascade, now=utcnow())
    return Response(status_code=204)


@services_router.get(
    "/{service_id}/heartbeats",
    response_model=HeartbeatPage,
    summary="List a service's heartbeats",
    description="Ordered by name, then id.",
    responses=errors(404, 422),
)
def list_service_heartbeats(
    service_id: str, engine: EngineDep, page: PageNumber = 1, limit: ListLimit = 50
) -> HeartbeatPage:
    now = utcnow()
    with Session(engine) as session:
        result = heartbeats.list_heartbeats(session, service_id, page=page, limit=limit)
    items = [HeartbeatPublic.from_model(hb, now) for hb in result.items]
    return HeartbeatPage(items=items, page=result.page, limit=result.limit, total=result.total)


# --- heartbeats -------------------------------------------------------------------

heartbeats_router = APIRouter(prefix="/heartbeat", tags=["heartbeats"])


@heartbeats_router.post(
    "",
    status_code=201,
    response_model=HeartbeatPublic,
    summary="Create a heartbeat",
    description="An unknown `service_id` is a 422; a name already used in the service is a 409.",
    responses=errors(400, 403, 409, 422),
)
def create_heartbeat(body: HeartbeatCreate, engine: EngineDep) -> HeartbeatPublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        return HeartbeatPublic.from_model(heartbeats.create_heartbeat(session, body, now), now)


@heartbeats_router.delete(
    "",
    response_model=BulkDeleteResult,
    summary="Delete several heartbeats",
    description="`DELETE /v1/heartbeat?id=…&id=…`; ids that match nothing (malformed ones "
    f"included) are listed in `not_found`. At most {MAX_BULK_IDS} ids.",
    responses=errors(403, 422),
)
def delete_heartbeats(
    engine: EngineDep,
    id: Annotated[list[str], Query(max_length=MAX_BULK_IDS, description="Heartbeat ids.")] = [],  # noqa: B006
    # axios and PHP spell repeated parameters `id[]=…`; take that spelling too.
    id_brackets: Annotated[
        list[str], Query(alias="id[]", max_length=MAX_BULK_IDS, description="The same, as `id[]=…`.")
    ] = [],  # noqa: B006
) -> BulkDeleteResult:
    ids = id + id_brackets
    if not ids:
        raise Invalid("id", "is required")
    if len(ids) > MAX_BULK_IDS:
        raise Invalid("id", f"at most {MAX_BULK_IDS} ids at once")
    with session_scope(engine, write=True) as session:
        result = heartbeats.delete_heartbeats(session, ids, utcnow())
    return BulkDeleteResult(deleted=result.done, not_found=result.not_found)


@heartbeats_router.get(
    "/{heartbeat_id}", response_model=HeartbeatPublic, summary="Get a heartbeat", responses=errors(404, 422)
)
def get_heartbeat(heartbeat_id: str, engine: EngineDep) -> HeartbeatPublic:
    with Session(engine) as session:
        return HeartbeatPublic.from_model(heartbeats.get_heartbeat(session, heartbeat_id), utcnow())


@heartbeats_router.put(
    "/{heartbeat_id}",
    response_model=HeartbeatPublic,
    summary="Update a heartbeat",
    description="Omitted fields keep their value. `enabled: false` pauses (no misses, no alerts); "
    "resuming a heartbeat that has checked in before makes it up and due one full interval later.",
    responses=errors(400, 403, 404, 409, 422),
)
def update_heartbeat(heartbeat_id: str, body: HeartbeatUpdate, engine: EngineDep) -> HeartbeatPublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        return HeartbeatPublic.from_model(heartbeats.update_heartbeat(session, heartbeat_id, body, now), now)


@heartbeats_router.delete(
    "/{heartbeat_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a heartbeat",
    description="Its events go too, and its check-in URL answers 404 from then on.",
    responses=errors(403, 404, 422),
)
def delete_heartbeat(heartbeat_id: str, engine: EngineDep) -> Response:
    with session_scope(engine, write=True) as session:
        heartbeats.delete_heartbeat(session, heartbeat_id, utcnow())
    return Response(status_code=204)


@heartbeats_router.get(
    "/{heartbeat_id}/events",
    response_model=list[EventPublic],
    summary="A heartbeat's events",
    description="Events are ordered by (`received_at`, `id`). Without `last_received_at`: the newest "
    "`limit` events, newest first. With it: the events after it, oldest first — strictly after the "
    "pair (`last_received_at`, `last_id`) when `last_id` is given too. Passing back the last item's "
    "`received_at` and `id` pages through every event exactly once.",
    responses=errors(404, 422),
)
def list_events(
    heartbeat_id: str,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=events.MAX_LIMIT)] = 50,
    last_received_at: Annotated[
        str | None, Query(description="Cursor: a `received_at` seen before.", json_schema_extra=OPTIONAL_TIMESTAMP)
    ] = None,
    last_id: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_EVENT_ID,
            description="Cursor tie-breaker: the `id` of that event.",
            json_schema_extra=optional(),
        ),
    ] = None,
) -> list[EventPublic]:
    after = _timestamp("last_received_at", last_received_at)
    with Session(engine) as session:
        found = events.list_events(session, heartbeat_id, limit=limit, after=after, after_id=last_id)
    return [EventPublic.from_model(event) for event in found]


@heartbeats_router.get(
    "/{heartbeat_id}/statistic",
    response_model=list[StatisticBucket],
    summary="A heartbeat's statistics",
    description="One entry per bucket of width `interval`, aligned to the Unix epoch in UTC, covering "
    "[`start_date`, `end_date`) rounded out to whole buckets (defaults: the last 24 hours). Empty "
    f"buckets are zeros. More than {stats.MAX_BUCKETS} buckets is a 400.",
    responses=errors(400, 404, 422),
)
def statistics(
    heartbeat_id: str,
    engine: EngineDep,
    interval: Annotated[Literal["1h", "3h", "12h", "1d", "3d", "7d", "30d"], Query(description="Bucket width.")] = "1h",
    start_date: Annotated[
        str | None, Query(description="Default: end_date - 24 h.", json_schema_extra=OPTIONAL_TIMESTAMP)
    ] = None,
    end_date: Annotated[str | None, Query(description="Default: now.", json_schema_extra=OPTIONAL_TIMESTAMP)] = None,
) -> list[StatisticBucket]:
    start, end = _timestamp("start_date", start_date), _timestamp("end_date", end_date)
    with Session(engine) as session:
        buckets = stats.heartbeat_statistics(
            session, heartbeat_id, now=utcnow(), interval=interval, start=start, end=end
        )
    return [
        StatisticBucket(
            received_at=b.start,
            tick_count=b.tick_count,
            run_count=b.run_count,
            complete_count=b.complete_count,
            fail_count=b.failure_count,
            miss_count=b.miss_count,
            uptime_ratio=b.uptime_ratio,
            avg_duration_ms=b.avg_duration_ms,
        )
        for b in buckets
    ]


# --- API keys ---------------------------------------------------------------------

keys_router = APIRouter(prefix="/api-key", tags=["api keys"])


@keys_router.get("", response_model=list[ApiKeyPublic], summary="List API keys", description="Newest first.")
def list_api_keys(engine: EngineDep) -> list[ApiKeyPublic]:
    with Session(engine) as session:
        return [ApiKeyPublic.from_model(key) for key in apikeys.list_api_keys(session)]


@keys_router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key",
    description="The token is in this response only; it is stored as a hash.",
    responses=errors(400, 403, 422),
)
def create_api_key(body: ApiKeyCreate, engine: EngineDep) -> ApiKeyCreated:
    with session_scope(engine, write=True) as session:
        key, token = apikeys.create_api_key(session, body.name, body.scope, utcnow())
        return ApiKeyCreated(**ApiKeyPublic.from_model(key).model_dump(), token=token)


@keys_router.delete(
    "/{key_id}",
    response_model=ApiKeyPublic,
    summary="Revoke an API key",
    description="The key stops working at once; it stays listed with its `revoked_at`.",
    responses=errors(403, 404, 422),
)
def revoke_api_key(key_id: str, engine: EngineDep) -> ApiKeyPublic:
    with session_scope(engine, write=True) as session:
        return ApiKeyPublic.from_model(apikeys.revoke_api_key(session, key_id, utcnow()))


# --- the app ----------------------------------------------------------------------


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
    for router in (services_router, heartbeats_router, keys_router, channels.router):
        v1.include_router(router)
    app.include_router(v1)
    return app
