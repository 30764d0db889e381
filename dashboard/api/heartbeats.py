"""/api/v1/heartbeat: heartbeat CRUD, bulk delete, events and statistics (SPEC §4).

Routes only translate: parse the request, open a session, call ``dashboard.core``,
shape the answer with a ``response_model``.  Writes run in
``session_scope(write=True)``, which commits before the response is sent.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from dashboard.api import refs
from dashboard.api.auth import EngineDep, PrincipalDep
from dashboard.api.docs import OPTIONAL_TIMESTAMP, errors, optional
from dashboard.api.params import ListLimit, PageNumber, TagFilter, timestamp_param
from dashboard.api.schemas import BulkDeleteResult, EventPublic, HeartbeatPage, HeartbeatPublic, StatisticBucket
from dashboard.core import events, heartbeats, stats
from dashboard.core.access import Action, Forbidden, Principal
from dashboard.core.contracts import HeartbeatCreate, HeartbeatUpdate
from dashboard.core.errors import Invalid, NotFound
from dashboard.core.ids import parse_id
from dashboard.db import session_scope
from dashboard.timeutil import utcnow

MAX_BULK_IDS = 1000
MAX_EVENT_ID = 2**63 - 1


router = APIRouter(prefix="/heartbeat", tags=["heartbeats"])


def _require_target_service(who: Principal, service_id: str) -> None:
    """A heartbeat may be put only in a service the key can change (else as unknown: 422)."""
    canonical = parse_id(service_id)
    if canonical is not None and not who.sees_service(canonical):
        raise Invalid("service_id", "no service with this id")
    who.require(Action.EDIT)


def _changeable(session: Session, ref: str, who: Principal) -> bool:
    try:
        refs.to_change(session, ref, who)
    except (NotFound, Forbidden):
        return False
    return True


@router.post(
    "",
    status_code=201,
    response_model=HeartbeatPublic,
    summary="Create a heartbeat",
    description="An unknown `service_id` is a 422; a name already used in the service is a 409.",
    responses=errors(400, 403, 409, 422),
)
def create_heartbeat(body: HeartbeatCreate, engine: EngineDep, who: PrincipalDep) -> HeartbeatPublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        _require_target_service(who, body.service_id)
        return HeartbeatPublic.from_model(heartbeats.create_heartbeat(session, body, now), now, secrets=who.sees_secrets)


@router.get(
    "",
    response_model=HeartbeatPage,
    summary="List heartbeats across services",
    description="Every heartbeat the key can see (or those of `service_id`), ordered by name, then id. "
    "`?tag=prod&tag=db`: only those with all of these tags; `?slug=`: only the one(s) with this slug.",
    responses=errors(422),
)
def list_heartbeats(
    engine: EngineDep,
    who: PrincipalDep,
    page: PageNumber = 1,
    limit: ListLimit = 50,
    tag: TagFilter = [],  # noqa: B006
    slug: Annotated[str | None, Query(max_length=100, description="Only heartbeats with this slug.")] = None,
    service_id: Annotated[str | None, Query(description="Only this service's heartbeats.")] = None,
) -> HeartbeatPage:
    services = who.service_ids
    if service_id is not None:
        canonical = parse_id(service_id)
        if canonical is None or not who.sees_service(canonical):
            raise Invalid("service_id", "no service with this id")
        services = frozenset([canonical])
    now = utcnow()
    with Session(engine) as session:
        found = heartbeats.search_heartbeats(session, heartbeats.HeartbeatFilter(services, tuple(tag), slug),
                                             page=page, limit=limit)
    items = [HeartbeatPublic.from_model(hb, now, secrets=who.sees_secrets) for hb in found.items]
    return HeartbeatPage(items=items, page=found.page, limit=found.limit, total=found.total)


@router.delete(
    "",
    response_model=BulkDeleteResult,
    summary="Delete several heartbeats",
    description="`DELETE /v1/heartbeat?id=…&id=…`; ids that match nothing (malformed ones "
    f"included) are listed in `not_found`. At most {MAX_BULK_IDS} ids.",
    responses=errors(403, 422),
)
def delete_heartbeats(
    engine: EngineDep,
    who: PrincipalDep,
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
        # Heartbeats the key may not change are "not found" to it, like unknown ones.
        refs_given = list(dict.fromkeys(parse_id(ref) or ref for ref in ids))
        allowed = [ref for ref in refs_given if _changeable(session, ref, who)]
        result = heartbeats.delete_heartbeats(session, allowed, utcnow(), by="ping_id")
    not_found = [ref for ref in refs_given if ref not in result.done]
    return BulkDeleteResult(deleted=result.done, not_found=not_found)


@router.get(
    "/{heartbeat_id}", response_model=HeartbeatPublic, summary="Get a heartbeat", responses=errors(404, 422)
)
def get_heartbeat(heartbeat_id: str, engine: EngineDep, who: PrincipalDep) -> HeartbeatPublic:
    with Session(engine) as session:
        return HeartbeatPublic.from_model(refs.to_read(session, heartbeat_id, who), utcnow(), secrets=who.sees_secrets)


@router.put(
    "/{heartbeat_id}",
    response_model=HeartbeatPublic,
    summary="Update a heartbeat",
    description="Omitted fields keep their value. `enabled: false` pauses (no misses, no alerts); "
    "resuming a heartbeat that has checked in before makes it up and due one full interval later.",
    responses=errors(400, 403, 404, 409, 422),
)
def update_heartbeat(heartbeat_id: str, body: HeartbeatUpdate, engine: EngineDep, who: PrincipalDep) -> HeartbeatPublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        target = refs.to_change(session, heartbeat_id, who)
        if "service_id" in body.model_fields_set:
            _require_target_service(who, body.service_id)
        updated = heartbeats.update_heartbeat(session, target.id, body, now)
        return HeartbeatPublic.from_model(updated, now, secrets=who.sees_secrets)


@router.delete(
    "/{heartbeat_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a heartbeat",
    description="Its events go too, and its check-in URL answers 404 from then on.",
    responses=errors(403, 404, 422),
)
def delete_heartbeat(heartbeat_id: str, engine: EngineDep, who: PrincipalDep) -> Response:
    with session_scope(engine, write=True) as session:
        heartbeats.delete_heartbeat(session, refs.to_change(session, heartbeat_id, who).id, utcnow())
    return Response(status_code=204)


@router.post(
    "/{heartbeat_id}/rotate",
    response_model=HeartbeatPublic,
    summary="Regenerate a heartbeat's check-in URL",
    description="A new check-in id at once: the old check-in URL answers 404 from now on. History, "
    "public id and settings stay; the answer's `id` and `url` carry the new secret (so do later "
    "answers to read-write keys, and later paths for this heartbeat).",
    responses=errors(403, 404, 422),
)
def rotate_check_in_id(heartbeat_id: str, engine: EngineDep, who: PrincipalDep) -> HeartbeatPublic:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        target = refs.to_change(session, heartbeat_id, who)
        return HeartbeatPublic.from_model(heartbeats.rotate_ping_id(session, target.id, now), now,
                                          secrets=who.sees_secrets)


@router.get(
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
    who: PrincipalDep,
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
    after = timestamp_param("last_received_at", last_received_at)
    with Session(engine) as session:
        heartbeat = refs.to_read(session, heartbeat_id, who)
        found = events.list_events(session, heartbeat.id, limit=limit, after=after, after_id=last_id)
    seen_as = refs.external_id(heartbeat, who)
    return [EventPublic.from_model(event, seen_as) for event in found]


@router.get(
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
    who: PrincipalDep,
    interval: Annotated[Literal["1h", "3h", "12h", "1d", "3d", "7d", "30d"], Query(description="Bucket width.")] = "1h",
    start_date: Annotated[
        str | None, Query(description="Default: end_date - 24 h.", json_schema_extra=OPTIONAL_TIMESTAMP)
    ] = None,
    end_date: Annotated[str | None, Query(description="Default: now.", json_schema_extra=OPTIONAL_TIMESTAMP)] = None,
) -> list[StatisticBucket]:
    start, end = timestamp_param("start_date", start_date), timestamp_param("end_date", end_date)
    with Session(engine) as session:
        buckets = stats.heartbeat_statistics(
            session, refs.to_read(session, heartbeat_id, who).id, now=utcnow(), interval=interval, start=start, end=end
        )
    return [
        StatisticBucket(
            received_at=b.start,
            tick_count=b.tick_count,
            run_count=b.run_count,
            complete_count=b.complete_count,
            fail_count=b.failure_count,
            miss_count=b.miss_count,
            timeout_count=b.timeout_count,
            skip_count=b.skip_count,
            log_count=b.log_count,
            uptime_ratio=b.uptime_ratio,
            avg_duration_ms=b.avg_duration_ms,
        )
        for b in buckets
    ]
