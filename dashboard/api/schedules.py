"""/api/v1/schedule/preview: when a cron expression fires, and what it means in words."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from dashboard.api.docs import OPTIONAL_TIMESTAMP, errors, optional
from dashboard.api.params import timestamp_param
from dashboard.api.schemas import Timestamp
from dashboard.core import cron, days_off
from dashboard.core.errors import Invalid
from dashboard.core.schedule import Cadence
from dashboard.timeutil import from_micros, to_micros, utcnow

MAX_COUNT = 50

router = APIRouter(prefix="/schedule", tags=["schedules"])


class SkippedSlot(BaseModel):
    slot: Timestamp
    reason: str = Field(description='Why no check-in is expected then, e.g. "Christmas Day (DE)" or "skip date".')


class SchedulePreview(BaseModel):
    slots: list[Timestamp] = Field(description="The next expected slots strictly after `after`, in UTC.")
    description: str = Field(description='The expression in words, e.g. "At 02:30, every day".')
    skipped: list[SkippedSlot] = Field(description="Slots among them left out for a holiday or a skip date.")


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
    holidays: Annotated[str | None, Query(max_length=16, description="Leave out public holidays: DE, DE-BY, US-NY.",
                                          json_schema_extra=optional())] = None,
    skip_dates: Annotated[str | None, Query(max_length=4000, description="Leave out these dates: YYYY-MM-DD,YYYY-MM-DD.",
                                            json_schema_extra=optional())] = None,
) -> SchedulePreview:
    try:
        expression = cron.validate_schedule(schedule)
    except cron.CronError as exc:
        raise Invalid("schedule", str(exc)) from None
    try:
        zone_name = cron.validate_timezone(timezone)
    except cron.CronError as exc:
        raise Invalid("timezone", str(exc)) from None
    try:
        holiday_code = days_off.validate_holidays(holidays) if holidays else None
    except days_off.DaysOffError as exc:
        raise Invalid("holidays", str(exc)) from None
    dates = _skip_dates(skip_dates)
    start = timestamp_param("after", after) or utcnow()
    cadence = Cadence(None, expression, zone_name, holiday_code, dates)
    slots: list[datetime] = []
    skipped: list[SkippedSlot] = []
    moment = to_micros(start)
    # Walk every slot so the answer can say which ones a day off removed.
    for _ in range(count * 20):
        slot = cron.next_slot(expression, zone_name, moment)
        if slot is None or len(slots) == count:
            break
        moment = slot
        if cadence.is_day_off(slot):
            skipped.append(SkippedSlot(slot=from_micros(slot), reason=_day_off_reason(cadence, slot)))
        else:
            slots.append(from_micros(slot))
    return SchedulePreview(slots=slots, description=cron.describe(expression), skipped=skipped)


def _skip_dates(raw: str | None) -> frozenset[date]:
    if not raw:
        return frozenset()
    found = set()
    for part in raw.split(","):
        try:
            found.add(date.fromisoformat(part.strip()))
        except ValueError:
            raise Invalid("skip_dates", f"{part.strip()[:20]!r} is not a date like 2026-12-24") from None
    return frozenset(found)


def _day_off_reason(cadence: Cadence, slot: int) -> str:
    day = from_micros(slot).astimezone(cron.zone(cadence.timezone)).date()
    if day in cadence.skip_dates:
        return "skip date"
    name = days_off.holiday_name(cadence.holidays, day) if cadence.holidays else None
    return f"{name} ({cadence.holidays})" if name else "holiday"
