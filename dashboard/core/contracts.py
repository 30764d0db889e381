"""What core accepts: the validated input records for every change.

The API's request bodies and the dashboard's forms are both these records, so a
rule (a name's length, an interval's bounds) is written once and holds for both.
Inputs are strict: an integer must be a JSON integer and a boolean a JSON
boolean, so ``"10"`` or ``10.5`` for an interval is refused, not silently
coerced.  Unknown fields are ignored.  The constraints are written so that the
OpenAPI document states exactly what is accepted (patterns use Python's ``re``,
like the JSON Schema validators that fuzz the API): anything the schema allows is
accepted, anything it forbids is a 422.  ``Update`` records: omitted fields keep
their value.  A channel's ``config`` is checked per kind in
``core/alerts/channels.py`` (so its errors name the exact key, e.g. ``config.url``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from dashboard.core import cron, days_off, tags
from dashboard.models import ALLOWED_METHODS, DEFAULT_METHODS

MAX_SECONDS = 31_536_000  # 365 days
MIN_INTERVAL = 10

# --- building blocks --------------------------------------------------------------

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


def canonical_methods(methods: list[str]) -> list[str]:
    """Upper-case, de-duplicated, in the fixed order GET, POST, HEAD, PUT."""
    wanted = {method.strip().upper() for method in methods}
    return [method for method in ALLOWED_METHODS if method in wanted]


Methods = Annotated[
    list[Annotated[str, StringConstraints(pattern=METHOD_PATTERN)]],
    Field(min_length=1, max_length=16, description="HTTP methods the check-in URL accepts (any case)."),
    AfterValidator(canonical_methods),
]
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


# --- heartbeats -------------------------------------------------------------------


def _schedule(raw: str) -> str:
    try:
        return cron.validate_schedule(raw)
    except cron.CronError as exc:
        raise ValueError(str(exc)) from None


def _timezone(raw: str) -> str:
    try:
        return cron.validate_timezone(raw)
    except cron.CronError as exc:
        raise ValueError(str(exc)) from None


Schedule = Annotated[
    str,
    StringConstraints(max_length=cron.MAX_LENGTH),
    AfterValidator(_schedule),
    Field(description="A cron expression (5 fields, or @hourly, @daily, @weekly, @monthly, @yearly), "
                      "evaluated in `timezone`; null for a heartbeat with an `interval`."),
]
Timezone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_timezone),
    Field(description="IANA time zone name the schedule is evaluated in, e.g. Europe/Berlin."),
]
MaxRuntime = Annotated[
    int,
    Field(ge=MIN_INTERVAL, le=MAX_SECONDS,
          description="Seconds a run (a `run` check-in) may take before its end is reported; null: no limit."),
]
def _holidays(raw: str) -> str:
    try:
        return days_off.validate_holidays(raw)
    except days_off.DaysOffError as exc:
        raise ValueError(str(exc)) from None


Holidays = Annotated[
    str,
    StringConstraints(max_length=16),
    AfterValidator(_holidays),
    Field(description="Public holidays on which a cron heartbeat's slots are not expected: a country code "
                      "with an optional subdivision, e.g. DE, DE-BY, US-NY (cron heartbeats only)."),
]
def _iso_date(raw: object) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ValueError(f"{str(raw)[:20]!r} is not a date like 2026-12-24")


SkipDates = Annotated[
    # Dates arrive as JSON strings (YYYY-MM-DD); numbers are not taken for dates.
    list[Annotated[date, BeforeValidator(_iso_date)]],
    Field(max_length=days_off.MAX_SKIP_DATES,
          description="One-off dates (YYYY-MM-DD, in the heartbeat's zone) on which no slot is expected "
                      "(cron heartbeats only)."),
]
SLUG_PATTERN = r"^[a-z0-9_-]{1,100}$"
Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN),
    Field(description="Lowercase letters, digits, - and _: the heartbeat's name in /ping/{ping_key}/{slug}."),
]


def _tags(raw: str) -> str:
    try:
        return tags.normalise_tags(raw)
    except tags.TagError as exc:
        raise ValueError(str(exc)) from None


Tags = Annotated[
    str,
    StringConstraints(max_length=4 * tags.MAX_LENGTH),
    AfterValidator(_tags),
    Field(description="Space-separated words (`prod db`); stored normalised: each once, single spaces."),
]
MAX_DESCRIPTION = 10_000
HeartbeatDescription = Annotated[
    str,
    StringConstraints(max_length=MAX_DESCRIPTION, pattern=TEXT_PATTERN),
    Field(description=f"Free text for the people who look after the job (at most {MAX_DESCRIPTION} characters)."),
]
ManualResume = Annotated[
    bool,
    Field(description="While paused: true = check-ins are only recorded until someone resumes it; "
                      "false = a tick, complete, fail or skip check-in resumes it (Healthchecks' default)."),
]


class HeartbeatCreate(_Input):
    """Exactly one of ``interval`` and ``schedule`` (checked in core, naming the field)."""

    service_id: str = Field(json_schema_extra={"format": "uuid"})
    name: Name
    interval: Interval | None = None
    schedule: Schedule | None = None
    timezone: Timezone = "UTC"
    grace: Grace = 0
    max_runtime: MaxRuntime | None = None
    slug: Slug | None = None
    holidays: Holidays | None = None
    skip_dates: SkipDates | None = None
    methods: Methods = Field(default_factory=lambda: list(DEFAULT_METHODS))
    enabled: bool = True
    tags: Tags = ""
    description: HeartbeatDescription = ""
    manual_resume: ManualResume = True


class HeartbeatUpdate(_Input):
    """Omitted fields keep their value.

    ``schedule`` switches the heartbeat to cron and ``interval`` back to a fixed
    interval (which drops its days off); ``max_runtime``, ``slug``, ``holidays``
    and ``skip_dates`` set to null remove them.
    """

    service_id: str = _optional(format="uuid")
    name: Name = _optional()
    interval: Interval = _optional()
    schedule: Schedule | None = None
    timezone: Timezone = _optional()
    grace: Grace = _optional()
    max_runtime: MaxRuntime | None = None
    slug: Slug | None = None
    holidays: Holidays | None = None
    skip_dates: SkipDates | None = None
    methods: Methods = _optional()
    enabled: bool = _optional()
    tags: Tags = _optional()
    description: HeartbeatDescription = _optional()
    manual_resume: ManualResume = _optional()


# --- API keys ---------------------------------------------------------------------


Role = Literal["admin", "editor", "viewer"]


class ApiKeyCreate(_Input):
    """``role`` (admin, editor, viewer) or the older ``scope`` (read-only = viewer,
    read-write = admin); neither: a read-only key.  ``service_id`` limits the key to
    one service: it sees and changes nothing else."""

    name: Name
    scope: Scope | None = None
    role: Role | None = None
    service_id: str | None = Field(default=None, json_schema_extra={"format": "uuid"})


# --- alert channels ---------------------------------------------------------------

MAX_RENOTIFY_MINUTES = 10_080  # a week
MAX_ALERT_THRESHOLD = 1000

ChannelKind = Literal["webhook", "email", "apprise"]
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


class AlertingUpdate(_Input):
    alert_threshold: Annotated[int, Field(ge=1, le=MAX_ALERT_THRESHOLD)]
