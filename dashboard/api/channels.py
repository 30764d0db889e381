"""Alert channels, their links, test sends and the notifications log, under /api/v1.

Thin routes over ``dashboard.core.alerts``, with the same authentication, error
body and status codes as the rest of the API (see ``dashboard.api.app``).
Channel settings always come back with their secrets masked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from dashboard.api import refs
from dashboard.api.auth import EngineDep, PrincipalDep
from dashboard.api.docs import errors, optional
from dashboard.api.schemas import (
    AlertingPublic,
    AttemptPublic,
    ChannelLinkPublic,
    ChannelPublic,
    DeliveryPage,
    DeliveryPublic,
    DeliveryStatus,
    RoutedChannel,
    SendTestResult,
)
from dashboard.config import get_settings
from dashboard.core import heartbeats
from dashboard.core.access import Action, Principal
from dashboard.core.alerts import channels, history
from dashboard.core.alerts.delivery import send_test
from dashboard.core.alerts.senders import SendOptions
from dashboard.core.contracts import AlertingUpdate, ChannelCreate, ChannelLinkIn, ChannelUpdate
from dashboard.core.errors import Invalid, NotFound
from dashboard.core.ids import parse_id
from dashboard.core.paging import MAX_PAGE
from dashboard.db import session_scope
from dashboard.models import Channel, Heartbeat
from dashboard.timeutil import utcnow

_ABSENT_OR_VALUE = optional()


router = APIRouter(tags=["alerts"])


def _seen(ping_id: str | None, public_id: str | None, who: Principal) -> str | None:
    """A heartbeat id as ``who`` may see it (see api/refs.py)."""
    return ping_id if who.sees_secrets else public_id


def _public(session: Session, channel: Channel, who: Principal) -> ChannelPublic:
    links = channels.links_of(session, [channel.id])[channel.id]
    return _public_with(channel, links, who)


def _visible_link(link: channels.LinkView, who: Principal) -> bool:
    service_id = link.service_id or link.heartbeat_service_id
    return service_id is not None and who.sees_service(service_id)


def _public_with(channel: Channel, links: list[channels.LinkView], who: Principal) -> ChannelPublic:
    return ChannelPublic(
        id=channel.id, name=channel.name, kind=channel.kind,  # type: ignore[arg-type]
        config=channels.mask_config(channel.kind, channels.load_config(channel)),
        is_default=channel.is_default, renotify_minutes=channel.renotify_minutes,
        links=[ChannelLinkPublic(service_id=link.service_id, service_name=link.service_name,
                                 heartbeat_id=_seen(link.heartbeat_ping_id, link.heartbeat_public_id, who),
                                 heartbeat_name=link.heartbeat_name)
               for link in links if _visible_link(link, who)],
        created_at=channel.created_at, updated_at=channel.updated_at,
    )


def _delivery_public(view: history.DeliveryView, who: Principal) -> DeliveryPublic:
    return DeliveryPublic(
        id=view.id, kind=view.kind, status=view.status, channel_id=view.channel_id,  # type: ignore[arg-type]
        channel_name=view.channel_name, heartbeat_id=_seen(view.heartbeat_ping_id, view.heartbeat_public_id, who),
        heartbeat_name=view.heartbeat_name,
        reason=view.reason, attempts=view.attempts, next_attempt_at=view.next_attempt_at,
        last_error=view.last_error, created_at=view.created_at, delivered_at=view.delivered_at,
        attempt_log=[AttemptPublic(attempt=a.attempt, started_at=a.started_at, finished_at=a.finished_at, ok=a.ok,
                                   status_code=a.status_code, error=a.error) for a in view.attempt_log],
    )


# --- channels ---------------------------------------------------------------------


@router.get("/channel", response_model=list[ChannelPublic], summary="List alert channels",
            description="Ordered by name, secrets masked.")
def list_channels(engine: EngineDep, who: PrincipalDep) -> list[ChannelPublic]:
    with Session(engine) as session:
        found = channels.list_channels(session)
        links = channels.links_of(session, [channel.id for channel in found])
        return [_public_with(channel, links[channel.id], who) for channel in found]


@router.post(
    "/channel", status_code=201, response_model=ChannelPublic, summary="Create an alert channel",
    description="A channel attached to nothing is only used when `is_default` is true (for heartbeats "
    "with no channel of their own or of their service). Attach it with `POST /v1/channel/{id}/link`.",
    responses=errors(400, 403, 409, 422),
)
def create_channel(body: ChannelCreate, engine: EngineDep, who: PrincipalDep) -> ChannelPublic:
    who.require(Action.MANAGE_CHANNELS)
    with session_scope(engine, write=True) as session:
        return _public(session, channels.create_channel(session, body, utcnow()), who)


@router.get("/channel/{channel_id}", response_model=ChannelPublic, summary="Get an alert channel",
            responses=errors(404, 422))
def get_channel(channel_id: str, engine: EngineDep, who: PrincipalDep) -> ChannelPublic:
    with Session(engine) as session:
        return _public(session, channels.get_channel(session, channel_id), who)


@router.put(
    "/channel/{channel_id}", response_model=ChannelPublic, summary="Update an alert channel",
    description="Omitted fields, and omitted `config` keys, keep their value. A secret sent back exactly "
    "as it was shown (masked) is kept. `renotify_minutes: null` turns re-notification off.",
    responses=errors(400, 403, 404, 409, 422),
)
def update_channel(channel_id: str, body: ChannelUpdate, engine: EngineDep, who: PrincipalDep) -> ChannelPublic:
    who.require(Action.MANAGE_CHANNELS)
    with session_scope(engine, write=True) as session:
        return _public(session, channels.update_channel(session, channel_id, body, utcnow()), who)


@router.delete(
    "/channel/{channel_id}", status_code=204, response_class=Response, summary="Delete an alert channel",
    description="Its links and its delivery log go too.", responses=errors(403, 404, 422),
)
def delete_channel(channel_id: str, engine: EngineDep, who: PrincipalDep) -> Response:
    who.require(Action.MANAGE_CHANNELS)
    with session_scope(engine, write=True) as session:
        channels.delete_channel(session, channel_id)
    return Response(status_code=204)


@router.post(
    "/channel/{channel_id}/test", response_model=SendTestResult, summary="Send a test message",
    description="Sends now and waits for the receiver (up to 10 s). A failed send is still a 200: "
    "`ok` is false and `error` says exactly what went wrong. Logged as a delivery of kind `test`.",
    responses=errors(403, 404, 422),
)
def test_channel(channel_id: str, engine: EngineDep, who: PrincipalDep) -> SendTestResult:
    who.require(Action.MANAGE_CHANNELS)
    settings = get_settings()
    outcome = send_test(engine, channel_id, utcnow(), SendOptions.from_settings(settings),
                        public_url=settings.public_url, clock=utcnow)
    return SendTestResult(ok=outcome.result.ok, error=outcome.result.error,
                          status_code=outcome.result.status_code, delivery_id=outcome.delivery_id)


@router.post(
    "/channel/{channel_id}/link", response_model=ChannelPublic, summary="Attach a channel",
    description="Body `{\"service_id\": …}` (all the service's heartbeats) or `{\"heartbeat_id\": …}`; "
    "exactly one. Attaching twice is a 409.",
    responses=errors(400, 403, 404, 409, 422),
)
def attach_channel(channel_id: str, body: ChannelLinkIn, engine: EngineDep, who: PrincipalDep) -> ChannelPublic:
    with session_scope(engine, write=True) as session:
        channels.attach(session, channel_id, utcnow(), service_id=_service_target(body.service_id, who),
                        heartbeat_id=_link_target(session, body.heartbeat_id, who))
        return _public(session, channels.get_channel(session, channel_id), who)


@router.delete(
    "/channel/{channel_id}/link", response_model=ChannelPublic, summary="Detach a channel",
    description="The same body as attaching; 404 when the channel is not attached there.",
    responses=errors(400, 403, 404, 422),
)
def detach_channel(channel_id: str, body: ChannelLinkIn, engine: EngineDep, who: PrincipalDep) -> ChannelPublic:
    with session_scope(engine, write=True) as session:
        channels.detach(session, channel_id, service_id=_service_target(body.service_id, who),
                        heartbeat_id=_link_target(session, body.heartbeat_id, who))
        return _public(session, channels.get_channel(session, channel_id), who)


def _link_target(session: Session, ref: str | None, who: Principal) -> str | None:
    """The row id of the heartbeat a link names by its check-in id (a write: editors, in their services)."""
    if ref is None:
        return None
    try:
        return refs.to_change(session, ref, who).id
    except NotFound:
        raise Invalid("heartbeat_id", "no heartbeat with this id") from None


def _service_target(service_id: str | None, who: Principal) -> str | None:
    """A link to a whole service: editors may make it, in their services."""
    if service_id is None:
        return None
    canonical = parse_id(service_id)
    if canonical is not None and not who.sees_service(canonical):
        raise Invalid("service_id", "no service with this id")
    who.require(Action.EDIT)
    return service_id


# --- per heartbeat ----------------------------------------------------------------


def _alerting(session: Session, heartbeat: Heartbeat, who: Principal) -> AlertingPublic:
    heartbeat, routed = channels.channels_for_heartbeat(session, heartbeat.id)
    return AlertingPublic(
        heartbeat_id=refs.external_id(heartbeat, who), alert_threshold=heartbeat.alert_threshold,
        channels=[RoutedChannel(id=r.channel.id, name=r.channel.name, kind=r.channel.kind,  # type: ignore[arg-type]
                                via=r.via) for r in routed],
    )


@router.get(
    "/heartbeat/{heartbeat_id}/alerting", response_model=AlertingPublic, summary="A heartbeat's alerting",
    description="Its alert threshold and the channels its alerts go to now (its own, its service's, "
    "else the defaults).", responses=errors(404, 422),
)
def get_alerting(heartbeat_id: str, engine: EngineDep, who: PrincipalDep) -> AlertingPublic:
    with Session(engine) as session:
        return _alerting(session, refs.to_read(session, heartbeat_id, who), who)


@router.put(
    "/heartbeat/{heartbeat_id}/alerting", response_model=AlertingPublic, summary="Set a heartbeat's alert threshold",
    description="`alert_threshold` N: alert only once N consecutive fail/miss events happened (1 = at once).",
    responses=errors(400, 403, 404, 422),
)
def put_alerting(heartbeat_id: str, body: AlertingUpdate, engine: EngineDep, who: PrincipalDep) -> AlertingPublic:
    with session_scope(engine, write=True) as session:
        target = refs.to_change(session, heartbeat_id, who)
        heartbeats.set_alert_threshold(session, target.id, body.alert_threshold)
        return _alerting(session, target, who)


@router.get(
    "/heartbeat/{heartbeat_id}/deliveries", response_model=list[DeliveryPublic],
    summary="A heartbeat's notifications", description="Newest first, each with its attempts.",
    responses=errors(404, 422),
)
def heartbeat_deliveries(
    heartbeat_id: str, engine: EngineDep, who: PrincipalDep, limit: Annotated[int, Query(ge=1, le=history.MAX_LIMIT)] = 50
) -> list[DeliveryPublic]:
    with Session(engine) as session:
        target = refs.to_read(session, heartbeat_id, who)
        return [_delivery_public(view, who) for view in history.heartbeat_deliveries(session, target.id, limit=limit)]


# --- the notifications log --------------------------------------------------------


@router.get(
    "/delivery", response_model=DeliveryPage, summary="The notifications log",
    description="Every delivery (alerts, recoveries, re-notifications, tests), newest first, each with "
    "its attempts; filter by `status`, `heartbeat_id` or `channel_id`.",
    responses=errors(422),
)
def list_deliveries(
    engine: EngineDep, who: PrincipalDep,
    status: Annotated[DeliveryStatus | None, Query(json_schema_extra=_ABSENT_OR_VALUE)] = None,
    heartbeat_id: Annotated[str | None, Query(json_schema_extra=_ABSENT_OR_VALUE)] = None,
    channel_id: Annotated[str | None, Query(json_schema_extra=_ABSENT_OR_VALUE)] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, Query(ge=1, le=history.MAX_LIMIT)] = 50,
) -> DeliveryPage:
    with Session(engine) as session:
        row_id = None
        if heartbeat_id is not None:
            try:
                row_id = refs.to_read(session, heartbeat_id, who).id
            except NotFound:
                row_id = ""  # an unknown heartbeat matches nothing, like an unknown channel
        found = history.list_deliveries(session, status=status, heartbeat_id=row_id, channel_id=channel_id,
                                        page=page, limit=limit, services=who.service_ids)
    return DeliveryPage(items=[_delivery_public(view, who) for view in found.items], page=found.page,
                        limit=found.limit, total=found.total)
