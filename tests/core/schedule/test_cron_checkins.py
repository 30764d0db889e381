"""When a cron heartbeat is next due after a check-in (``Cadence.after_checkin``)."""

from datetime import UTC, datetime

from dashboard.core.schedule import Cadence, apply_ping, misses_due
from dashboard.timeutil import to_micros
from tests.core.schedule.helpers import S, state

HOURLY = Cadence(None, "0 * * * *")
TEN = to_micros(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
MINUTE = 60 * S


def test_a_check_in_is_due_at_the_first_slot_after_it() -> None:
    assert HOURLY.after_checkin(TEN + 5 * MINUTE, grace=0) == TEN + 60 * MINUTE
    # A check-in exactly at a slot is that slot's: the next one is due.
    assert HOURLY.after_checkin(TEN, grace=0) == TEN + 60 * MINUTE


def test_a_check_in_shortly_before_a_slot_counts_for_it() -> None:
    # A job whose clock runs a minute fast: 10:59 counts for 11:00, 12:00 is due next.
    assert HOURLY.after_checkin(TEN + 59 * MINUTE, grace=300) == TEN + 120 * MINUTE
    # Beyond the grace it does not.
    assert HOURLY.after_checkin(TEN + 54 * MINUTE, grace=300) == TEN + 60 * MINUTE


def test_the_early_window_is_at_most_half_the_gap_to_the_previous_slot() -> None:
    # Grace of two hours on an hourly job: only the later half-hour counts early.
    assert HOURLY.after_checkin(TEN + 31 * MINUTE, grace=7200) == TEN + 120 * MINUTE
    assert HOURLY.after_checkin(TEN + 29 * MINUTE, grace=7200) == TEN + 60 * MINUTE
    assert HOURLY.after_checkin(TEN + 30 * MINUTE, grace=7200) == TEN + 120 * MINUTE  # exactly half: counts


def test_no_grace_no_early_window() -> None:
    assert HOURLY.after_checkin(TEN + 60 * MINUTE - S, grace=0) == TEN + 60 * MINUTE


def test_uneven_gaps_use_the_gap_before_the_slot() -> None:
    weekdays = Cadence(None, "0 9 * * 1-5")
    monday_nine = to_micros(datetime(2026, 3, 2, 9, tzinfo=UTC))
    # Friday 09:00 → Monday 09:00 is a 72 h gap; a check-in on Sunday night is closer to Monday.
    sunday_night = monday_nine - 10 * 3600 * S
    assert weekdays.after_checkin(sunday_night, grace=12 * 3600) == monday_nine + 24 * 3600 * S
    assert weekdays.after_checkin(sunday_night, grace=3600) == monday_nine


def test_a_cron_heartbeat_goes_up_and_is_due_at_the_next_slot_in_its_zone() -> None:
    s = state(interval=None, schedule="30 2 * * *", timezone="Europe/Berlin", grace=600)
    apply_ping(s, "complete", to_micros(datetime(2025, 3, 29, 1, 31, tzinfo=UTC)))
    # Spring forward: 02:30 does not exist on 2025-03-30 and fires at 03:00 CEST = 01:00 UTC.
    assert s.next_due_at == to_micros(datetime(2025, 3, 30, 1, 0, tzinfo=UTC))
    assert s.miss_at == s.next_due_at + 600 * S
    assert s.status == "up"


def test_misses_are_one_per_missed_slot_stamped_slot_plus_grace() -> None:
    nine = to_micros(datetime(2026, 3, 2, 9, tzinfo=UTC))  # Monday
    weekdays = Cadence(None, "0 9 * * 1-5")
    grace = 300
    # Down since Monday 09:05; the detector comes back the next Monday at noon.
    due = misses_due("up", weekdays, grace, nine + grace * S, nine + 7 * 86400 * S + 3 * 3600 * S, 1000)
    assert due is not None
    days = [datetime.fromtimestamp(d / S, UTC).strftime("%a %H:%M") for d in due.deadlines]
    assert days == ["Mon 09:05", "Tue 09:05", "Wed 09:05", "Thu 09:05", "Fri 09:05", "Mon 09:05"]
    assert due.flip == ("up", "down", "miss")
    assert due.next_miss_at == nine + 8 * 86400 * S + grace * S  # Tuesday 09:05


def test_a_catch_up_keeps_the_newest_slots() -> None:
    every_minute = Cadence(None, "* * * * *")
    due = misses_due("down", every_minute, 0, TEN, TEN + 10_000 * MINUTE, 1000)
    assert due is not None and len(due.deadlines) == 1000
    assert due.deadlines[-1] == TEN + 10_000 * MINUTE and due.deadlines[0] == TEN + 9001 * MINUTE
    assert due.flip is None
