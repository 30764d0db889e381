"""/api/v1/service: service CRUD and a service's heartbeats (SPEC §4).

Routes only translate: parse the request, open a session, call ``dashboard.core``,
shape the answer with a ``response_model``.  Writes run in
``session_scope(write=True)``, which commits before the response is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from dashboard.api.auth import EngineDep, PrincipalDep
from dashboard.api.docs import errors
from dashboard.api.params import ListLimit, PageNumber, TagFilter
from dashboard.api.schemas import HeartbeatPage, HeartbeatPublic, ServicePage, ServicePublic
from dashboard.core import heartbeats, services
from dashboard.core.access import Action, Principal
from dashboard.core.contracts import ServiceCreate, ServiceUpdate
from dashboard.db import session_scope
from dashboard.timeutil import utcnow

router = APIRouter(prefix="/service", tags=["services"])


def _service_public(session: Session, service_id: str, now: datetime, who: Principal) -> ServicePublic:
    overview = services.get_service_overview(session, service_id, now)
    return ServicePublic.from_model(overview.service, overview.status_counts, secrets=who.sees_secrets)


@router.post(
    "",
    status_code=201,
    response_model=ServicePublic,
    summary="Create a service",
    responses=errors(400, 403, 409, 422),
)
def create_service(body: ServiceCreate, engine: EngineDep, who: PrincipalDep) -> ServicePublic:
    who.require(Action.CREATE_SERVICE)
    now = utcnow()
    with session_scope(engine, write=True) as session:
        service = services.create_service(session, body, now)
        return _service_public(session, service.id, now, who)


@router.get(
    "",
    response_model=ServicePage,
    summary="List services",
    description="Services ordered by name, each with its heartbeats' counts by status.",
    responses=errors(422),
)
def list_services(engine: EngineDep, who: PrincipalDep, page: PageNumber = 1, limit: ListLimit = 50) -> ServicePage:
    now = utcnow()
    with Session(engine) as session:
        result = services.list_services(session, now, page=page, limit=limit, only=who.service_ids)
    items = [ServicePublic.from_model(o.service, o.status_counts, secrets=who.sees_secrets) for o in result.items]
    return ServicePage(items=items, page=result.page, limit=result.limit, total=result.total)


@router.get("/{service_id}", response_model=ServicePublic, summary="Get a service", responses=errors(404, 422))
def get_service(service_id: str, engine: EngineDep, who: PrincipalDep) -> ServicePublic:
    with Session(engine) as session:
        service = services.get_service(session, service_id)
        who.require_service(service.id)
        return _service_public(session, service.id, utcnow(), who)


@router.put(
    "/{service_id}",
    response_model=ServicePublic,
    summary="Update a service",
    description="Omitted fields keep their value.",
    responses=errors(400, 403, 404, 409, 422),
)
def update_service(service_id: str, body: ServiceUpdate, engine: EngineDep, who: PrincipalDep) -> ServicePublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        who.require_service(services.get_service(session, service_id).id, Action.EDIT)
        service = services.update_service(session, service_id, body, now)
        return _service_public(session, service.id, now, who)


@router.delete(
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
    who: PrincipalDep,
    cascade: Annotated[bool, Query(description="Also delete the service's heartbeats.")] = False,
) -> Response:
    with session_scope(engine, write=True) as session:
        who.require_service(services.get_service(session, service_id).id, Action.EDIT)
        services.delete_service(session, service_id, cascade=cascade, now=utcnow())
    return Response(status_code=204)


@router.get(
    "/{service_id}/heartbeats",
    response_model=HeartbeatPage,
    summary="List a service's heartbeats",
    description="Ordered by name, then id. `?tag=prod&tag=db`: only those with all of these tags.",
    responses=errors(404, 422),
)
def list_service_heartbeats(
    service_id: str, engine: EngineDep, who: PrincipalDep, page: PageNumber = 1, limit: ListLimit = 50,
    tag: TagFilter = [],  # noqa: B006
) -> HeartbeatPage:
    now = utcnow()
    with Session(engine) as session:
        who.require_service(services.get_service(session, service_id).id)
        result = heartbeats.list_heartbeats(session, service_id, page=page, limit=limit, tags=tag)
    items = [HeartbeatPublic.from_model(hb, now, secrets=who.sees_secrets) for hb in result.items]
    return HeartbeatPage(items=items, page=result.page, limit=result.limit, total=result.total)


@router.post(
    "/{service_id}/rotate-ping-key",
    response_model=ServicePublic,
    summary="Regenerate a service's ping key",
    description="A new `ping_key` at once: every slug check-in URL of the service with the old key answers "
    "404 from now on; the heartbeats' own check-in URLs are unchanged.",
    responses=errors(403, 404, 422),
)
def rotate_ping_key(service_id: str, engine: EngineDep, who: PrincipalDep) -> ServicePublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        who.require_service(services.get_service(session, service_id).id, Action.EDIT)
        service = services.rotate_ping_key(session, service_id, now)
        return _service_public(session, service.id, now, who)
