"""Database tables, and the small pieces of status logic that belong to them.

Timestamps are stored as integer microseconds since the Unix epoch (``EpochMicros``):
the same exact, index-friendly representation on SQLite and PostgreSQL, so the
hot paths can compare plain integers in raw SQL.
"""

from __future__ import annotations

import secrets
import string
import uuid
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.sql.expression import true
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from dashboard.core.days_off import parse_skip_dates
from dashboard.core.schedule import STATUS_NEW, Cadence, OpenRun, ScheduleState, derived_status, runs_from_json, runs_to_json
from dashboard.timeutil import from_micros, to_micros, utcnow

# What jobs report; ``log`` is recorded and changes nothing, ``skip`` satisfies a
# deadline without counting as success or failure (see core/schedule.py).
JOB_RESULTS = ("tick", "run", "complete", "fail", "log", "skip")
# What the detector records: a missed deadline, a run that exceeded max_runtime.
DETECTOR_RESULTS = ("miss", "timeout")
RESULTS = JOB_RESULTS + DETECTOR_RESULTS
ALLOWED_METHODS = ("GET", "POST", "HEAD", "PUT")
DEFAULT_METHODS = ("GET", "POST", "HEAD")


class EpochMicros(TypeDecorator[datetime]):
    """A UTC-aware datetime stored as BIGINT microseconds since the epoch."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return to_micros(value)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        return None if value is None else from_micros(int(value))


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def _datetime(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_public_id() -> str:
    """40 random hex digits: a heartbeat's name in links, badges and read-only answers.

    Random rather than derived from the check-in id, so it can never be turned
    back into it (the same length as Healthchecks' ``unique_key``).
    """
    return secrets.token_hex(20)


def new_ping_key() -> str:
    """22 random [a-z0-9]: the secret part of a service's slug check-in URLs."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(22))


class Service(SQLModel, table=True):
    __tablename__ = "service"

    id: str = Field(default_factory=new_uuid, sa_column=Column(String(36), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    # /ping/{ping_key}/{slug} reaches this service's heartbeats by slug.
    ping_key: str = Field(default_factory=new_ping_key, sa_column=Column(String(22), nullable=False, unique=True))
    description: str = Field(default="", sa_column=Column(String(500), nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))


class Heartbeat(SQLModel, table=True):
    """One monitored job.

    ``miss_at`` is the stored deadline the detector acts on (the rules that set it
    are in ``core/schedule.py``); it is NULL when nothing can be missed (new or
    paused).  Every ping recomputes it, so "what is due" is one indexed range query.
    """

    __tablename__ = "heartbeat"
    __table_args__ = (
        UniqueConstraint("service_id", "name", name="uq_heartbeat_service_name"),
        UniqueConstraint("service_id", "slug", name="uq_heartbeat_service_slug"),
        CheckConstraint("(interval IS NULL) <> (schedule IS NULL)", name="ck_heartbeat_interval_or_schedule"),
    )

    # The row's own id: it never leaves the server (events, rollups and flips point at it).
    id: str = Field(default_factory=new_uuid, sa_column=Column(String(36), primary_key=True))
    # The check-in secret (/ping/{ping_id}), the `id` read-write API keys see; regenerable.
    ping_id: str = Field(default_factory=new_uuid, sa_column=Column(String(36), nullable=False, unique=True))
    # Stable and harmless to share: links, badges, read-only keys and viewers see this one.
    public_id: str = Field(default_factory=new_public_id, sa_column=Column(String(40), nullable=False, unique=True))
    service_id: str = Field(
        sa_column=Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str = Field(sa_column=Column(String(100), nullable=False))
    # Either a fixed interval (seconds) or a cron schedule evaluated in timezone.
    interval: Optional[int] = Field(default=None, sa_column=Column(Integer, nullable=True))
    schedule: Optional[str] = Field(default=None, sa_column=Column(String(100), nullable=True))
    timezone: str = Field(default="UTC", sa_column=Column(String(64), nullable=False, server_default="UTC"))
    # Days a cron heartbeat's slots are not expected: public holidays of a country
    # (DE, US-NY) and one-off dates (comma-separated ISO dates), in its zone.
    holidays: Optional[str] = Field(default=None, sa_column=Column(String(16), nullable=True))
    skip_dates: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    # A run (a `run` ping) without its end after this many seconds times out.
    max_runtime: Optional[int] = Field(default=None, sa_column=Column(Integer, nullable=True))
    # /ping/{service ping_key}/{slug}; unique within the service.
    slug: Optional[str] = Field(default=None, sa_column=Column(String(100), nullable=True))
    grace: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    methods: str = Field(default=",".join(DEFAULT_METHODS), sa_column=Column(String(32), nullable=False))
    enabled: bool = Field(default=True, nullable=False)
    status: str = Field(default=STATUS_NEW, sa_column=Column(String(8), nullable=False, server_default=STATUS_NEW))
    last_ping_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))
    next_due_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))
    miss_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True, index=True))
    # The runs in progress (core.schedule.runs_to_json), and the earliest moment one
    # of them exceeds max_runtime: the detector's second deadline.
    runs: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    run_timeout_at: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))
    # Alert only once this many consecutive fail/miss events happened (1 = on the flip itself).
    alert_threshold: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    # Space-separated, normalised (core/tags.py): filters, badges per tag, Healthchecks' `tags`.
    tags: str = Field(default="", sa_column=Column(String(500), nullable=False, server_default=""))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Paused: True (Lubdub's rule) = check-ins are only recorded until someone resumes it;
    # False (Healthchecks' default) = a check-in resumes it (core/schedule.py apply_ping).
    manual_resume: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))
    # Check-ins ever recorded (every job result, paused ones too): Healthchecks' `n_pings`,
    # and the sequence number of each ping (the newest is number n_pings).
    n_pings: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    # The run time of the last complete/fail/tick that ended a run; None when the last one ended none.
    last_duration_ms: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()

    @property
    def method_list(self) -> list[str]:
        return [m for m in self.methods.split(",") if m]

    def get_status(self, now: datetime) -> str:
        """The status shown at ``now`` (see ``core.schedule.derived_status``)."""
        return derived_status(self.enabled, self.status, _micros(self.next_due_at), to_micros(now))

    @property
    def cadence(self) -> Cadence:
        return Cadence(self.interval, self.schedule, self.timezone, self.holidays, parse_skip_dates(self.skip_dates))

    def open_runs(self) -> list[OpenRun]:
        return runs_from_json(self.runs)

    def schedule_state(self) -> ScheduleState:
        """This row's schedule as the pure record ``core.schedule`` works on."""
        return ScheduleState(
            id=self.id, interval=self.interval, grace=self.grace, methods=tuple(self.method_list),
            enabled=self.enabled, status=self.status, last_ping_at=_micros(self.last_ping_at),
            next_due_at=_micros(self.next_due_at), miss_at=_micros(self.miss_at),
            schedule=self.schedule, timezone=self.timezone, max_runtime=self.max_runtime,
            holidays=self.holidays, skip_dates=parse_skip_dates(self.skip_dates),
            runs=self.open_runs(), run_timeout_at=self.run_timeout_at, manual_resume=self.manual_resume,
            last_duration_ms=self.last_duration_ms,
        )

    def store_schedule_state(self, state: ScheduleState) -> None:
        """Copy back what ``core.schedule`` may have changed."""
        self.enabled, self.status = state.enabled, state.status
        self.last_ping_at = _datetime(state.last_ping_at)
        self.next_due_at = _datetime(state.next_due_at)
        self.miss_at = _datetime(state.miss_at)
        self.runs = runs_to_json(state.runs)
        self.run_timeout_at = state.run_timeout_at
        self.last_duration_ms = state.last_duration_ms


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_heartbeat_received", "heartbeat_id", "received_at", "id"),)

    id: Optional[int] = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    # Deliberately no foreign key: deleting a heartbeat must not delete millions of
    # events in the same transaction as check-ins wait; see HeartbeatPurge.
    heartbeat_id: str = Field(sa_column=Column(String(36), nullable=False))
    result: str = Field(sa_column=Column(String(8), nullable=False))
    message: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    message_truncated: bool = Field(default=False, nullable=False)
    received_at: datetime = Field(sa_column=Column(EpochMicros(), nullable=False))
    method: Optional[str] = Field(default=None, sa_column=Column(String(8), nullable=True))
    source_ip: Optional[str] = Field(default=None, sa_column=Column(String(64), nullable=True))
    user_agent: Optional[str] = Field(default=None, sa_column=Column(String(300), nullable=True))
    duration_ms: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The job's exit status (0-255) when it reported one; the run id pairing start and end.
    exit_code: Optional[int] = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    rid: Optional[str] = Field(default=None, sa_column=Column(String(64), nullable=True))


class EventRollup(SQLModel, table=True):
    """Per-heartbeat hourly counts, updated in the same transaction as the events.

    Statistics read these instead of scanning raw events, and they outlive the
    event retention window.
    """

    __tablename__ = "event_rollup"

    heartbeat_id: str = Field(
        sa_column=Column(String(36), ForeignKey("heartbeat.id", ondelete="CASCADE"), primary_key=True)
    )
    hour_start: datetime = Field(sa_column=Column(EpochMicros(), primary_key=True))
    tick_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    run_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    complete_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    fail_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    miss_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    timeout_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    log_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    skip_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    duration_total_ms: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    duration_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class HeartbeatPurge(SQLModel, table=True):
    """A deleted heartbeat whose events are still to be removed.

    Deleting a heartbeat removes its row at once (its check-in URL answers 404) and
    queues its events here; a background job deletes them in short batches.
    """

    __tablename__ = "heartbeat_purge"

    heartbeat_id: str = Field(sa_column=Column(String(36), primary_key=True))
    deleted_at: datetime = Field(sa_column=Column(EpochMicros(), nullable=False))


class Counter(SQLModel, table=True):
    """Instance-wide running totals for /metrics (check-ins by result, misses, refusals).

    Kept in the database, not in process memory, so every worker and instance
    reports the same monotonic totals; the writer adds a batch's counts in the
    batch's own transaction.
    """

    __tablename__ = "counter"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class Flip(SQLModel, table=True):
    """A status change that people may need to hear about (up→down, down→up).

    Written in the same transaction as the change itself; the alert dispatcher
    claims unprocessed flips later, outside the ping request and the detector.
    """

    __tablename__ = "flip"
    __table_args__ = (Index("ix_flip_unprocessed", "processed_at", "id"),)

    id: Optional[int] = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    heartbeat_id: str = Field(
        sa_column=Column(String(36), ForeignKey("heartbeat.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    old_status: str = Field(sa_column=Column(String(8), nullable=False))
    new_status: str = Field(sa_column=Column(String(8), nullable=False))
    reason: str = Field(sa_column=Column(String(16), nullable=False))  # miss | fail | timeout | recovery
    created_at: datetime = Field(sa_column=Column(EpochMicros(), nullable=False))
    processed_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))
    # The alert dispatcher's decision: "alerted" or "suppressed" (see core/alerts/dispatcher.py).
    outcome: Optional[str] = Field(default=None, sa_column=Column(String(16), nullable=True))


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: str = Field(default_factory=new_uuid, sa_column=Column(String(36), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    # First characters of the token, shown in lists so people can tell keys apart.
    prefix: str = Field(sa_column=Column(String(16), nullable=False))
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    scope: str = Field(sa_column=Column(String(16), nullable=False))  # read-only (viewer) | read-write
    # What the key may do (core/access.py): admin, editor or viewer; and, optionally,
    # the one service it is limited to (deleting the service deletes its keys: a
    # key must never outlive its limit and become unlimited).
    role: str = Field(default="admin", sa_column=Column(String(16), nullable=False, server_default="admin"))
    service_id: Optional[str] = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    # Who made it ("user:<id>" or "key:<id>"): non-admins see and revoke only their own keys.
    created_by: Optional[str] = Field(default=None, sa_column=Column(String(48), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))
    last_used_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))
    revoked_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: str = Field(default_factory=new_uuid, sa_column=Column(String(36), primary_key=True))
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(String(255), nullable=False))
    is_admin: bool = Field(default=False, nullable=False)
    # admin, editor or viewer (core/access.py); is_admin mirrors role == "admin".
    role: str = Field(default="editor", sa_column=Column(String(16), nullable=False, server_default="editor"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))


class UserService(SQLModel, table=True):
    """A non-admin user limited to some services sees only these (none listed: every service)."""

    __tablename__ = "user_service"

    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    )
    service_id: str = Field(
        sa_column=Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class UserSession(SQLModel, table=True):
    """A dashboard login; the browser keeps the token, we keep only its hash."""

    __tablename__ = "user_session"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(EpochMicros(), nullable=False))


# --- alerts -------------------------------------------------------------------------

CHANNEL_KINDS = ("webhook", "email", "apprise")
DELIVERY_KINDS = ("alert", "recovery", "renotify", "test")
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")


class Channel(SQLModel, table=True):
    """Where alerts go: a webhook, an email list or an Apprise URL.

    ``config`` is the kind's settings as JSON text (see core/alerts/channels.py);
    it holds secrets, so it only leaves the engine masked.
    """

    __tablename__ = "channel"

    id: str = Field(default_factory=new_uuid, sa_column=Column(String(36), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    config: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # Used for heartbeats that have no channel of their own or of their service.
    is_default: bool = Field(default=False, nullable=False)
    # While a heartbeat stays down, alert again every this many minutes (None = never).
    renotify_minutes: Optional[int] = Field(default=None, sa_column=Column(Integer, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))


class ChannelLink(SQLModel, table=True):
    """A channel attached to a whole service or to one heartbeat (exactly one of them)."""

    __tablename__ = "channel_link"
    __table_args__ = (
        CheckConstraint("(service_id IS NULL) <> (heartbeat_id IS NULL)", name="ck_channel_link_one_target"),
        UniqueConstraint("channel_id", "service_id", name="uq_channel_link_service"),
        UniqueConstraint("channel_id", "heartbeat_id", name="uq_channel_link_heartbeat"),
    )

    id: Optional[int] = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    channel_id: str = Field(
        sa_column=Column(String(36), ForeignKey("channel.id", ondelete="CASCADE"), nullable=False)
    )
    service_id: Optional[str] = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("service.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    heartbeat_id: Optional[str] = Field(
        default=None,
        sa_column=Column(String(36), ForeignKey("heartbeat.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(EpochMicros(), nullable=False))


class Delivery(SQLModel, table=True):
    """One message to one channel, and its progress through the retries.

    (flip_id, channel_id, seq) is unique: a flip can never produce two alerts for one
    channel, nor two copies of the same re-notification (seq counts those, 0 is the
    alert itself).  Test sends have no flip.  ``payload`` is the message as JSON,
    frozen when the delivery is created, so a retry says what happened then.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("flip_id", "channel_id", "seq", name="uq_delivery_flip_channel_seq"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
        Index("ix_delivery_heartbeat_created", "heartbeat_id", "created_at"),
        Index("ix_delivery_created", "created_at"),
    )

    id: Optional[int] = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    flip_id: Optional[int] = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("flip.id", ondelete="CASCADE"), nullable=True),
    )
    seq: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    channel_id: str = Field(
        sa_column=Column(String(36), ForeignKey("channel.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    heartbeat_id: Optional[str] = Field(
        default=None, sa_column=Column(String(36), ForeignKey("heartbeat.id", ondelete="CASCADE"), nullable=True)
    )
    kind: str = Field(sa_column=Column(String(16), nullable=False))  # alert | recovery | renotify | test
    status: str = Field(sa_column=Column(String(16), nullable=False))  # pending | sending | delivered | failed
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    next_attempt_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))
    # While "sending": when the claim lapses and another process may take it over.
    lease_until: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))
    last_error: Optional[str] = Field(default=None, sa_column=Column(String(1000), nullable=True))
    created_at: datetime = Field(sa_column=Column(EpochMicros(), nullable=False))
    delivered_at: Optional[datetime] = Field(default=None, sa_column=Column(EpochMicros(), nullable=True))


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"
    __table_args__ = (UniqueConstraint("delivery_id", "attempt", name="uq_delivery_attempt_number"),)

    id: Optional[int] = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    delivery_id: int = Field(
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False)
    )
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    started_at: datetime = Field(sa_column=Column(EpochMicros(), nullable=False))
    finished_at: datetime = Field(sa_column=Column(EpochMicros(), nullable=False))
    ok: bool = Field(nullable=False)
    status_code: Optional[int] = Field(default=None, sa_column=Column(Integer, nullable=True))
    error: Optional[str] = Field(default=None, sa_column=Column(String(1000), nullable=True))
