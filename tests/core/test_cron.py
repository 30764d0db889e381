"""Cron expressions: validation messages, slots in time zones (DST both ways), calendars."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim

from dashboard.core import cron
from dashboard.timeutil import from_micros, to_micros

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def slots(expression: str, zone: str, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` slots after ``after``, through the cached window, as local times."""
    found, moment = [], to_micros(after)
    for _ in range(count):
        slot = cron.next_slot(expression, zone, moment)
        assert slot is not None
        found.append(from_micros(slot).astimezone(cron.zone(zone)))
        moment = slot
    return found


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cron.clear_cache()


@pytest.mark.parametrize(("expression", "reason"), [
    ("61 * * * *", "minute 61 is out of range 0-59"),
    ("0 24 * * *", "hour 24 is out of range 0-23"),
    ("0 0 32 * *", "day-of-month 32 is out of range 1-31"),
    ("0 0 * 0 *", "month 0 is out of range 1-12"),
    ("0 0 * * 8", "day-of-week 8 is out of range 0-7"),
    ("0 0 30 2 *", "never fires: February has no day 30"),
    ("0 0 31 4,6,9,11 *", "never fires: April, June, September, November have no day 31"),
    ("*/0 * * * *", "minute step must be at least 1"),
    ("10-5 * * * *", "minute range 10-5 runs backwards"),
    ("* * * *", "needs 5 fields (minute hour day-of-month month day-of-week), got 4"),
    ("0 0 * * * *", "needs 5 fields (minute hour day-of-month month day-of-week), got 6"),
    ("x * * * *", "minute 'x' is not a number"),
    ("0 0 * FOO *", "month 'FOO' is not a number or a name (JAN-DEC)"),
    ("0 0 * * MON#6", "day-of-week 'MON#6': the week number after # must be 1-5"),
    ("@fortnightly", "unknown macro '@fortnightly'; use one of @hourly, @daily, @midnight, @weekly, @monthly, "
                     "@yearly, @annually"),
    ("   ", "is empty"),
])
def test_it_names_the_field_and_the_reason(expression: str, reason: str) -> None:
    with pytest.raises(cron.CronError) as caught:
        cron.validate_schedule(expression)
    assert str(caught.value) == reason


@pytest.mark.parametrize("expression", [
    "*/15 * * * *", "30 2 * * *", "0 9 * * MON-FRI", "0 0 L * *", "0 0 LW * *", "0 0 * * 5L", "0 0 * * MON#2",
    "0 0 29 2 *", "0 12 1,15 * *", "0 0 1 jan *", "@hourly", "@daily", "@weekly", "@monthly", "@yearly",
])
def test_valid_expressions_are_kept_as_written(expression: str) -> None:
    assert cron.validate_schedule(f"  {expression} ") == expression
    assert cron.validate_schedule(expression.upper()) == (expression if expression.startswith("@") else expression.upper())


def test_an_unknown_time_zone_is_refused() -> None:
    assert cron.validate_timezone("Europe/Berlin") == "Europe/Berlin"
    with pytest.raises(cron.CronError, match="unknown time zone 'Mars/Olympus'"):
        cron.validate_timezone("Mars/Olympus")


def test_descriptions_read_as_sentences() -> None:
    assert cron.describe("30 2 * * *") == "At 02:30, every day"
    assert cron.describe("@daily") == "At 00:00, every day"
    assert cron.describe("0 9 * * 1-5") == "At 09:00, Monday through Friday"


# --- daylight saving time, as Debian cron -------------------------------------------


def test_spring_forward_fires_a_missing_time_at_the_first_minute_after_the_gap_berlin() -> None:
    # 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    found = slots("30 2 * * *", "Europe/Berlin", datetime(2025, 3, 29, 12, tzinfo=UTC), 3)
    assert [s.isoformat() for s in found] == [
        "2025-03-30T03:00:00+02:00", "2025-03-31T02:30:00+02:00", "2025-04-01T02:30:00+02:00"]


def test_spring_forward_new_york() -> None:
    # 2025-03-09: 02:00 EST jumps to 03:00 EDT.
    found = slots("15 2 * * *", "America/New_York", datetime(2025, 3, 8, 12, tzinfo=UTC), 2)
    assert [s.isoformat() for s in found] == ["2025-03-09T03:00:00-04:00", "2025-03-10T02:15:00-04:00"]


def test_fall_back_fires_a_repeated_time_once_at_its_first_occurrence() -> None:
    # 2025-10-26 Berlin: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    found = slots("30 2 * * *", "Europe/Berlin", datetime(2025, 10, 25, 12, tzinfo=UTC), 2)
    assert [s.isoformat() for s in found] == ["2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00"]
    # 2025-11-02 New York: 01:30 happens twice.
    found = slots("30 1 * * *", "America/New_York", datetime(2025, 11, 1, 12, tzinfo=UTC), 2)
    assert [s.isoformat() for s in found] == ["2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00"]


def test_wildcard_hours_step_in_absolute_time_and_fire_in_the_repeated_hour() -> None:
    start = datetime(2025, 10, 26, 0, 0, tzinfo=UTC)  # 02:00 CEST
    found = slots("*/30 * * * *", "Europe/Berlin", start - timedelta(seconds=1), 6)
    assert [s.astimezone(UTC).strftime("%H:%M") for s in found] == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30"]
    # Local wall time shows the repeated hour: 02:00, 02:30 (CEST) then 02:00, 02:30 again (CET).
    assert [s.strftime("%H:%M%z") for s in found[:4]] == ["02:00+0200", "02:30+0200", "02:00+0100", "02:30+0100"]


def test_spring_forward_skips_nothing_for_wildcard_hours() -> None:
    found = slots("0 * * * *", "America/New_York", datetime(2025, 3, 9, 5, 30, tzinfo=UTC), 3)
    assert [s.astimezone(UTC).strftime("%H:%M") for s in found] == ["06:00", "07:00", "08:00"]
    assert [s.strftime("%H:%M") for s in found] == ["01:00", "03:00", "04:00"]


# --- calendars -------------------------------------------------------------------------


def test_the_29th_of_february_fires_only_in_leap_years() -> None:
    found = slots("0 12 29 2 *", "UTC", datetime(2025, 1, 1, tzinfo=UTC), 2)
    assert [s.date().isoformat() for s in found] == ["2028-02-29", "2032-02-29"]


def test_the_31st_skips_months_without_one_and_L_means_each_months_last_day() -> None:
    assert [s.date().isoformat() for s in slots("0 0 31 * *", "UTC", datetime(2026, 1, 31, 1, tzinfo=UTC), 3)] == [
        "2026-03-31", "2026-05-31", "2026-07-31"]
    assert [s.date().isoformat() for s in slots("0 0 L * *", "UTC", datetime(2028, 1, 31, 1, tzinfo=UTC), 3)] == [
        "2028-02-29", "2028-03-31", "2028-04-30"]


def test_last_weekday_nth_weekday_and_day_or_rule() -> None:
    assert slots("0 0 LW * *", "UTC", datetime(2026, 5, 1, tzinfo=UTC), 1)[0].date().isoformat() == "2026-05-29"
    assert slots("0 0 * * MON#2", "UTC", datetime(2026, 6, 1, tzinfo=UTC), 1)[0].date().isoformat() == "2026-06-08"
    # Both day fields restricted: either matches (Debian's OR).
    days = [s.date() for s in slots("0 0 13 * FRI", "UTC", datetime(2026, 2, 1, tzinfo=UTC), 4)]
    assert [d.isoformat() for d in days] == ["2026-02-06", "2026-02-13", "2026-02-20", "2026-02-27"]


def test_slots_between_walks_back_and_keeps_the_newest() -> None:
    first = to_micros(datetime(2026, 1, 1, tzinfo=UTC))
    last = to_micros(datetime(2026, 1, 8, tzinfo=UTC))  # a week of every-minute slots
    newest = cron.slots_between("* * * * *", "UTC", first, last, 3)
    assert [from_micros(s).isoformat() for s in newest] == [
        "2026-01-07T23:58:00+00:00", "2026-01-07T23:59:00+00:00", "2026-01-08T00:00:00+00:00"]
    assert cron.slots_between("0 * * * *", "UTC", first, first + 3 * 3_600_000_000, 100) == [
        first + k * 3_600_000_000 for k in range(4)]
    assert cron.slots_between("0 * * * *", "UTC", first + 1, first + 1, 10) == []


def test_the_cached_window_agrees_with_cronsim_everywhere() -> None:
    rng = random.Random(7)
    expressions = ["*/7 * * * *", "30 2 * * *", "0 9 * * 1-5", "15 */3 * * *", "0 0 L * *", "5 4 * * SUN"]
    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    moments = sorted(base + timedelta(seconds=rng.randrange(0, 2 * 365 * 86400)) for _ in range(300))
    for expression in expressions:
        for zone in zones:
            for moment in moments:
                expected = next(CronSim(expression, moment.astimezone(cron.zone(zone))))
                assert cron.next_slot(expression, zone, to_micros(moment)) == to_micros(expected), (expression, zone, moment)


def test_slot_before_is_the_previous_slot() -> None:
    slot = to_micros(datetime(2026, 3, 2, 9, tzinfo=UTC))  # a Monday
    assert from_micros(cron.slot_before("0 9 * * 1-5", "UTC", slot)).isoformat() == "2026-02-27T09:00:00+00:00"
