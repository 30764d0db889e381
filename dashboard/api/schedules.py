"""/api/v1/schedule/preview: when a cron expression fires, and what it means in words."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from dashboard.api.docs import OPTIONAL_TIMESTAMP, errors
from dashboard.api.params import timestamp_param
from dashboard.api.schemas import Timestamp
from dashboard.core import cron
from dashboard.core.errors import Invalid
from dashboard.timeutil import utcnow

MAX_COUNT = 50

router = APIRouter(prefix="/schedule", tags=["schedules"])


class SchedulePreview(BaseModel):
    slots: list[Timestamp] = Field(description="The next slots strictly after `after`, in UTC.")
    description: str = Field(description='The expression in words, e.g. "At 02:30, every day".')


@router.get(
    "/preview",
    response_model=SchedulePreview,
    summary="Preview a cron schedule",
    description="The next `count` slots of `schedule` evaluated in `timezone` (with Debian cron's "
    "daylight-saving rules), strictly after `after` (default: now), and a description.",
    responses=errors(422),
)
def preview_schedule(
    schedule: Annotated[str, Query(max_length=cron.MAX_LENGTH, description="A cron expression or macro.")],
    timezone: Annotated[str, Query(max_length=64, description="An IANA time zone name.")] = "UTC",
    after: Annotated[str | None, Query(description="Default: now.", json_schema_extra=OPTIONAL_TIMESTAMP)] = None,
    count: Annotated[int, Query(ge=1, le=MAX_COUNT, description="How many slots.")] = 5,
) -> SchedulePreview:
    try:
        expression = cron.validate_schedule(schedule)
    except cron.CronError as exc:
        raise Invalid("schedule", str(exc)) from None
    try:
        zone_name = cron.validate_timezone(timezone)
    except cron.CronError as exc:
        raise Invalid("timezone", str(exc)) from None
    start = timestamp_param("after", after) or utcnow()
    return SchedulePreview(slots=cron.upcoming(expression, zone_name, start, count),
                           description=cron.describe(expression))
