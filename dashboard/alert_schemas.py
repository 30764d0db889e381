"""API in/out models for alert channels and deliveries (the alerts part of schemas.py).

Kept in their own module so the alerts feature stays in one place; they use the
same building blocks and conventions as ``dashboard.schemas``: strict inputs,
unknown fields ignored, ISO 8601 timestamps out, and omitted update fields keep
their value.  A channel's ``config`` is checked per kind in
``dashboard.core.alerts.channels`` (so its errors name the exact key, e.g.
``config.url``) and always leaves the engine with its secrets masked.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from dashboard.schemas import Name, Timestamp, _Input, _optional

MAX_RENOTIFY_MINUTES = 10_080  # a week
MAX_ALERT_THRESHOLD = 1000

ChannelKind = Literal["webhook", "email", "apprise"]
DeliveryKind = Literal["alert", "recovery", "renotify", "test"]
DeliveryStatus = Literal["pending", "sending", "delivered", "failed"]
RenotifyMinutes = Annotated[
    int,
    Field(ge=1, le=MAX_RENOTIFY_MINUTES, description="While a heartbeat stays down, alert again this often."),
]
CONFIG_DESCRIPTION = (
    "Per kind. webhook: `url` (http/https), optional `headers` (name → value) and `secret` "
    "(signs each request: `X-Lubdub-Signature: sha256=HMAC(secret, timestamp + '.' + body)`). "
    "email: `to` (list of addresses; the server comes from the SMTP_* settings). "
    "apprise: `url` (any Apprise URL: slack://, discord://, tgram://, ntfy://, msteams://, pagerduty://, ...). "
    "Secrets come back masked; sending a masked value back unchanged keeps the stored secret."
)


class ChannelCreate(_Input):
    name: Name
    kind: ChannelKind
    config: dict[str, Any] = Field(description=CONFIG_DESCRIPTION)
    is_default: bool = Field(
        default=False, description="Used for heartbeats with no channel attached to them or to their service."
    )
    renotify_minutes: RenotifyMinutes | None = None


class ChannelUpdate(_Input):
    """Omitted fields keep their value; ``config`` keys that are omitted keep theirs too.

    ``renotify_minutes: null`` turns re-notification off.  Changing ``kind`` needs
    a complete ``config`` for the new kind.
    """

    name: Name = _optional()
    kind: ChannelKind = _optional()
    config: dict[str, Any] = _optional(description=CONFIG_DESCRIPTION)
    is_default: bool = _optional()
    renotify_minutes: RenotifyMinutes | None = Field(default=None)


class ChannelLinkIn(_Input):
    """Exactly one of the two."""

    service_id: str | None = None
    heartbeat_id: str | None = None


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


class AlertingUpdate(_Input):
    alert_threshold: Annotated[int, Field(ge=1, le=MAX_ALERT_THRESHOLD)]
