"""API in/out models, one family per entity (Create / Update / Public).

Inputs are strict: an integer must be a JSON integer and a boolean a JSON
boolean, so ``"10"`` or ``10.5`` for an interval is a 422, not a silent
coercion.  Unknown fields are ignored.  The constraints are written so that
the OpenAPI document states exactly what is accepted (patterns use Python's
``re``, like the JSON Schema validators that fuzz this API): anything the
schema allows is accepted, anything it forbids is a 422.

Outputs are built from table rows by ``from_model`` constructors; table models
are never returned directly.  Timestamps go out as ISO 8601 UTC with a ``Z``
and always six fractional digits, so a client can pass them back verbatim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from dashboard.config import get_settings
from dashboard.models import ALLOWED_METHODS, DEFAULT_METHODS, ApiKey, Event, Heartbeat, Service
from dashboard.timeutil import isoformat

MAX_SECONDS = 31_536_000  # 365 days
MIN_INTERVAL = 10

# --- building blocks --------------------------------------------------------------

Timestamp = Annotated[
    datetime,
    PlainSerializer(isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2026-11-02T12:00:00.000000Z"}),
]

# NUL is refused everywhere: PostgreSQL cannot store it in text columns.
NAME_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
TEXT_PATTERN = r"^[^\x00]*$"
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=NAME_PATTERN),
    AfterValidator(str.strip),
    Field(description="1 to 100 characters, not only whitespace; surrounding whitespace is removed."),
]
Description = Annotated[str, StringConstraints(max_length=500, pattern=TEXT_PATTERN)]
Interval = Annotated[
    int,
    Field(ge=MIN_INTERVAL, le=MAX_SECONDS, description="Seconds between expected check-ins (10 s to 365 days)."),
]
Grace = Annotated[
    int,
    Field(ge=0, le=MAX_SECONDS, description="Extra seconds after `interval` before a late heartbeat is down."),
]
# Case-insensitive on the way in; the pattern spells that out for schema readers.
METHOD_PATTERN = r"^\s*(?:[Gg][Ee][Tt]|[Pp][Oo][Ss][Tt]|[Hh][Ee][Aa][Dd]|[Pp][Uu][Tt])\s*$"
MethodName = Literal["GET", "POST", "HEAD", "PUT"]


def canonical_methods(methods: list[str]) -> list[str]:
    """Upper-case, de-duplicated, in the fixed order GET, POST, HEAD, PUT."""
    wanted = {method.strip().upper() for method in methods}
    return [method for method in ALLOWED_METHODS if method in wanted]


Methods = Annotated[
    list[Annotated[str, StringConstraints(pattern=METHOD_PATTERN)]],
    Field(min_length=1, max_length=16, description="HTTP methods the check-in URL accepts (any case)."),
    AfterValidator(canonical_methods),
]
Status = Literal["new", "up", "late", "down", "paused"]
Scope = Literal["read-only", "read-write"]


def _optional(**schema_extra: Any) -> Any:
    """An update field that may be omitted but not sent as null.

    The implicit default None only marks "omitted"; it must not appear in the
    schema, which would otherwise advertise null as a value.
    """

    def adjust(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        schema.update(schema_extra)

    return Field(default=None, json_schema_extra=adjust)


class _Input(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", regex_engine="python-re")


# --- services ---------------------------------------------------------------------


class ServiceCreate(_Input):
    name: Name
    description: Description = ""


class ServiceUpdate(_Input):
    """Omitted fields keep their value."""

    name: Name = _optional()
    description: Description = _optional()


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
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def from_model(cls, service: Service, status_counts: dict[str, int]) -> ServicePublic:
        return cls(
            id=service.id,
            name=service.name,
            description=service.description,
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


class HeartbeatCreate(_Input):
    service_id: str = Field(json_schema_extra={"format": "uuid"})
    name: Name
    interval: Interval
    grace: Grace = 0
    methods: Methods = Field(default_factory=lambda: list(DEFAULT_METHODS))
    enabled: bool = True


class HeartbeatUpdate(_Input):
    """Omitted fields keep their value."""

    service_id: str = _optional(format="uuid")
    name: Name = _optional()
    interval: Interval = _optional()
    grace: Grace = _optional()
    methods: Methods = _optional()
    enabled: bool = _optional()


class HeartbeatPublic(BaseModel):
    id: str
    service_id: str
    name: str
    interval: int
    grace: int
    methods: list[MethodName]
    enabled: bool
    status: Status = Field(description="new, up, late (past next_due_at, inside grace), down or paused.")
    url: str = Field(description="The check-in URL.")
    last_ping_at: Timestamp | None
    next_due_at: Timestamp | None = Field(description="When the heartbeat becomes late.")
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def from_model(cls, heartbeat: Heartbeat, now: datetime, public_url: str | None = None) -> HeartbeatPublic:
        base = public_url if public_url is not None else get_settings().public_url
        return cls(
            id=heartbeat.id,
            service_id=heartbeat.service_id,
            name=heartbeat.name,
            interval=heartbeat.interval,
            grace=heartbeat.grace,
            methods=heartbeat.method_list,  # type: ignore[arg-type]
            enabled=heartbeat.enabled,
            status=heartbeat.get_status(now),  # type: ignore[arg-type]
            url=f"{base}/ping/{heartbeat.id}",
            last_ping_at=heartbeat.last_ping_at,
            next_due_at=heartbeat.next_due_at,
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
    result: Literal["tick", "run", "complete", "fail", "miss"]
    message: str
    message_truncated: bool
    received_at: Timestamp
    method: str | None
    source_ip: str | None
    user_agent: str | None
    duration_ms: int | None = Field(description="For a complete/fail that follows a run: the job's run time.")

    @classmethod
    def from_model(cls, event: Event) -> EventPublic:
        return cls.model_validate(event, from_attributes=True)


class StatisticBucket(BaseModel):
    received_at: Timestamp = Field(description="Start of the bucket.")
    tick_count: int
    run_count: int
    complete_count: int
    fail_count: int = Field(description="`fail` events plus `miss` events.")
    miss_count: int
    uptime_ratio: float | None = Field(
        description="(tick + complete) / (tick + complete + fail + miss); null when the bucket has none of them."
    )
    avg_duration_ms: float | None = Field(description="Mean run time of the timed complete/fail events, or null.")


# --- API keys ---------------------------------------------------------------------


class ApiKeyCreate(_Input):
    name: Name
    scope: Scope = "read-only"


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The first characters of the token, to tell keys apart.")
    scope: Scope
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
