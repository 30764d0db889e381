"""What the management API answers: one family of public models per entity.

Built from table rows by ``from_model`` constructors; table models are never
returned directly.  Timestamps go out as ISO 8601 UTC with a ``Z`` and always
six fractional digits, so a client can pass them back verbatim.  The request
bodies are the input records of ``dashboard.core.contracts``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from dashboard.config import get_settings
from dashboard.core.contracts import ChannelKind, Scope
from dashboard.core.days_off import parse_skip_dates
from dashboard.models import ApiKey, Event, Heartbeat, Service
from dashboard.timeutil import from_micros, isoformat

Timestamp = Annotated[
    datetime,
    PlainSerializer(isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2026-11-02T12:00:00.000000Z"}),
]
MethodName = Literal["GET", "POST", "HEAD", "PUT"]
Status = Literal["new", "up", "late", "down", "paused"]


# --- services ---------------------------------------------------------------------


class StatusCounts(BaseModel):
    new: int = 0
    up: int = 0
    late: int = 0
    down: int = 0
    paused: int = 0


class ServicePublic(BaseModel):
    id: str
    name: str
    description: str
    heartbeat_count: int
    status_counts: StatusCounts
    ping_key: str | None = Field(description="The secret in this service's slug check-in URLs: "
                                            "/ping/{ping_key}/{slug}; null for read-only keys.")
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def from_model(cls, service: Service, status_counts: dict[str, int], *, secrets: bool) -> ServicePublic:
        return cls(
            id=service.id,
            name=service.name,
            description=service.description,
            ping_key=service.ping_key if secrets else None,
            heartbeat_count=sum(status_counts.values()),
            status_counts=StatusCounts(**status_counts),
            created_at=service.created_at,
            updated_at=service.updated_at,
        )


class ServicePage(BaseModel):
    items: list[ServicePublic]
    page: int
    limit: int
    total: int


# --- heartbeats -------------------------------------------------------------------


class RunInProgress(BaseModel):
    rid: str | None = Field(description="The run id the job sent with `run`, or null.")
    started_at: Timestamp
    timed_out: bool = Field(description="It exceeded max_runtime (a `timeout` event was recorded).")


class HeartbeatPublic(BaseModel):
    id: str = Field(description="Read-write keys: the check-in id (the secret in `url`). "
                                "Read-only keys: the public id.")
    public_id: str = Field(description="A stable id that is safe to share; every read route accepts it.")
    service_id: str
    name: str
    interval: int | None = Field(description="Seconds between expected check-ins; null for a cron heartbeat.")
    schedule: str | None = Field(description="Cron expression; null for an interval heartbeat.")
    timezone: str = Field(description="IANA zone the schedule is evaluated in.")
    grace: int
    max_runtime: int | None = Field(description="Seconds a run may take; null: no limit.")
    slug: str | None
    holidays: str | None = Field(description="Country (and region) whose public holidays have no slots, e.g. DE-BY.")
    skip_dates: list[date] = Field(description="One-off dates without slots, in the heartbeat's zone.")
    methods: list[MethodName]
    enabled: bool
    status: Status = Field(description="new, up, late (past next_due_at, inside grace), down or paused.")
    url: str | None = Field(description="The check-in URL; null for read-only keys.")
    last_ping_at: Timestamp | None
    next_due_at: Timestamp | None = Field(description="When the heartbeat becomes late.")
    runs_in_progress: list[RunInProgress] = Field(description="Runs started (`run`) whose end was not reported yet.")
    tags: str = Field(description="Space-separated tags, normalised (each once, single spaces).")
    description: str
    manual_resume: bool = Field(description="While paused: true = check-ins are only recorded until it is resumed; "
                                            "false = a check-in resumes it.")
    n_pings: int = Field(description="Check-ins recorded so far.")
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def from_model(cls, heartbeat: Heartbeat, now: datetime, *, secrets: bool,
                   public_url: str | None = None) -> HeartbeatPublic:
        """``secrets``: the key may see the check-in id (read-write)."""
        base = public_url if public_url is not None else get_settings().public_url
        return cls(
            id=heartbeat.ping_id if secrets else heartbeat.public_id,
            public_id=heartbeat.public_id,
            service_id=heartbeat.service_id,
            name=heartbeat.name,
            interval=heartbeat.interval,
            schedule=heartbeat.schedule,
            timezone=heartbeat.timezone,
            grace=heartbeat.grace,
            max_runtime=heartbeat.max_runtime,
            slug=heartbeat.slug,
            holidays=heartbeat.holidays,
            skip_dates=sorted(parse_skip_dates(heartbeat.skip_dates)),
            methods=heartbeat.method_list,  # type: ignore[arg-type]
            enabled=heartbeat.enabled,
            status=heartbeat.get_status(now),  # type: ignore[arg-type]
            url=f"{base}/ping/{heartbeat.ping_id}" if secrets else None,
            last_ping_at=heartbeat.last_ping_at,
            next_due_at=heartbeat.next_due_at,
            runs_in_progress=[
                RunInProgress(rid=run.rid or None, started_at=from_micros(run.started_at), timed_out=run.timed_out)
                for run in heartbeat.open_runs()
            ],
            tags=heartbeat.tags,
            description=heartbeat.description,
            manual_resume=heartbeat.manual_resume,
            n_pings=heartbeat.n_pings,
            created_at=heartbeat.created_at,
            updated_at=heartbeat.updated_at,
        )


class HeartbeatPage(BaseModel):
    items: list[HeartbeatPublic]
    page: int
    limit: int
    total: int


class BulkDeleteResult(BaseModel):
    deleted: list[str]
    not_found: list[str] = Field(description="Ids that matched no heartbeat, malformed ones included.")


# --- events and statistics --------------------------------------------------------


class EventPublic(BaseModel):
    id: int
    heartbeat_id: str
    result: Literal["tick", "run", "complete", "fail", "log", "skip", "miss", "timeout"]
    message: str
    message_truncated: bool
    received_at: Timestamp
    method: str | None
    source_ip: str | None
    user_agent: str | None
    duration_ms: int | None = Field(description="For a complete/fail that follows a run: the job's run time.")
    exit_code: int | None = Field(description="The exit status the job reported (0-255), if any.")
    rid: str | None = Field(description="The run id that pairs a run with its end, if the job sent one.")

    @classmethod
    def from_model(cls, event: Event, heartbeat_id: str) -> EventPublic:
        """``heartbeat_id``: the id of the heartbeat as the caller's key sees it."""
        return cls.model_validate({**event.model_dump(), "heartbeat_id": heartbeat_id})


class StatisticBucket(BaseModel):
    received_at: Timestamp = Field(description="Start of the bucket.")
    tick_count: int
    run_count: int
    complete_count: int
    fail_count: int = Field(description="Every failure: `fail`, `miss` and `timeout` events.")
    miss_count: int
    timeout_count: int = Field(description="Runs that exceeded max_runtime.")
    skip_count: int = Field(description="Runs the job deliberately skipped (neither success nor failure).")
    log_count: int
    uptime_ratio: float | None = Field(
        description="(tick + complete) / (tick + complete + fail + miss + timeout); null when the bucket has none of them."
    )
    avg_duration_ms: float | None = Field(description="Mean run time of the timed complete/fail events, or null.")


# --- API keys ---------------------------------------------------------------------


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The first characters of the token, to tell keys apart.")
    scope: Scope = Field(description="read-only for viewer keys, read-write for the others.")
    role: Literal["admin", "editor", "viewer"]
    service_id: str | None = Field(description="The one service the key is limited to; null: every service.")
    created_at: Timestamp
    last_used_at: Timestamp | None = Field(description="Updated at most once a minute.")
    revoked_at: Timestamp | None

    @classmethod
    def from_model(cls, key: ApiKey) -> ApiKeyPublic:
        return cls.model_validate(key, from_attributes=True)


class ApiKeyCreated(ApiKeyPublic):
    token: str = Field(description="The secret, shown only in this response; send it as `Authorization: Bearer …`.")


# --- misc -------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "error"]


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable: bad_request, unauthorized, forbidden, not_found, ...")
    message: str
    fields: dict[str, str] = Field(description="For invalid input: field name → what is wrong with it.")


class ErrorBody(BaseModel):
    error: ErrorDetail


# --- alert channels and deliveries ------------------------------------------------

DeliveryKind = Literal["alert", "recovery", "renotify", "test"]
DeliveryStatus = Literal["pending", "sending", "delivered", "failed"]


class ChannelLinkPublic(BaseModel):
    service_id: str | None
    service_name: str | None
    heartbeat_id: str | None
    heartbeat_name: str | None


class ChannelPublic(BaseModel):
    id: str
    name: str
    kind: ChannelKind
    config: dict[str, Any] = Field(description="The settings, secrets masked (only their last 4 characters shown).")
    is_default: bool
    renotify_minutes: int | None
    links: list[ChannelLinkPublic]
    created_at: Timestamp
    updated_at: Timestamp


class SendTestResult(BaseModel):
    ok: bool
    error: str | None = Field(description="Why the send failed, as the receiver or the network said it.")
    status_code: int | None = Field(description="The HTTP status (webhook) or SMTP reply code, when there was one.")
    delivery_id: int


class AttemptPublic(BaseModel):
    attempt: int
    started_at: Timestamp
    finished_at: Timestamp
    ok: bool
    status_code: int | None
    error: str | None


class DeliveryPublic(BaseModel):
    id: int
    kind: DeliveryKind
    status: DeliveryStatus
    channel_id: str
    channel_name: str
    heartbeat_id: str | None
    heartbeat_name: str | None
    reason: str | None = Field(description="miss, fail or recovery (null for a test).")
    attempts: int
    next_attempt_at: Timestamp | None = Field(description="When the next try is due (pending only).")
    last_error: str | None
    created_at: Timestamp
    delivered_at: Timestamp | None
    attempt_log: list[AttemptPublic]


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    page: int
    limit: int
    total: int


class RoutedChannel(BaseModel):
    id: str
    name: str
    kind: ChannelKind
    via: Literal["heartbeat", "service", "default"]


class AlertingPublic(BaseModel):
    heartbeat_id: str
    alert_threshold: int = Field(description="Alert once this many consecutive fail/miss events happened.")
    channels: list[RoutedChannel] = Field(description="Where this heartbeat's alerts go now.")
