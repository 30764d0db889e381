"""Holidays and skip dates: a cron heartbeat expects no slot on its days off."""

from datetime import UTC, date, datetime

from dashboard.core.schedule import Cadence, misses_due
from dashboard.timeutil import SECOND, from_micros, to_micros

# Weekdays at 09:00 in Berlin, Bavaria's public holidays.
BAVARIA = Cadence(None, "0 9 * * 1-5", "Europe/Berlin", holidays="DE-BY")


def local(micros: int | None) -> str:
    assert micros is not None
    return from_micros(micros).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def test_slots_on_public_holidays_are_not_expected() -> None:
    # 2026-12-24 (Thu) is no public holiday, Fri 25th is: after Thursday's run, Monday 28th is due.
    assert local(BAVARIA.fresh_from(to_micros(datetime(2026, 12, 23, 12, tzinfo=UTC)))) == "2026-12-24 08:00"
    after_eve = BAVARIA.after_checkin(to_micros(datetime(2026, 12, 24, 8, 1, tzinfo=UTC)), grace=0)
    assert local(after_eve) == "2026-12-28 08:00"


def test_regional_holidays_follow_the_subdivision() -> None:
    epiphany_eve = to_micros(datetime(2026, 1, 5, 8, 1, tzinfo=UTC))  # Mon; Tue 6 Jan is a holiday in Bavaria only
    assert local(BAVARIA.after_checkin(epiphany_eve, grace=0)) == "2026-01-07 08:00"
    berlin = Cadence(None, "0 9 * * 1-5", "Europe/Berlin", holidays="DE-BE")
    assert local(berlin.after_checkin(epiphany_eve, grace=0)) == "2026-01-06 08:00"


def test_skip_dates_are_days_off_too() -> None:
    cadence = Cadence(None, "0 2 * * *", "UTC", skip_dates=frozenset({date(2026, 3, 2), date(2026, 3, 3)}))
    assert local(cadence.fresh_from(to_micros(datetime(2026, 3, 1, 12, tzinfo=UTC)))) == "2026-03-04 02:00"


def test_the_day_is_the_one_in_the_heartbeats_zone() -> None:
    # 08:30 in Tokyo on 1 January (a holiday there) is 23:30 UTC on 31 December: skipped.
    tokyo = Cadence(None, "30 8 * * *", "Asia/Tokyo", holidays="JP")
    slot = tokyo.fresh_from(to_micros(datetime(2026, 12, 31, 12, tzinfo=UTC)))
    assert local(slot) == "2027-01-01 23:30"  # 2 January in Tokyo
    assert tokyo.is_day_off(to_micros(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)))
    assert not Cadence(None, "30 8 * * *", "UTC", holidays="JP").is_day_off(
        to_micros(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)))  # still 31 December in UTC


def test_no_misses_are_recorded_for_days_off() -> None:
    # Down since Wed 23 Dec 2026 09:05 Berlin; the detector looks again on Tue 29th at noon.
    grace = 300
    wednesday = to_micros(datetime(2026, 12, 23, 8, 0, tzinfo=UTC))
    due = misses_due("up", BAVARIA, grace, wednesday + grace * SECOND,
                     to_micros(datetime(2026, 12, 29, 11, 0, tzinfo=UTC)), 1000)
    assert due is not None
    assert [local(d) for d in due.deadlines] == ["2026-12-23 08:05", "2026-12-24 08:05", "2026-12-28 08:05",
                                                  "2026-12-29 08:05"]
    assert local(due.next_miss_at) == "2026-12-30 08:05"
