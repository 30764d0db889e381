"""What the detector records for a due heartbeat (``schedule.misses_due``)."""

from dashboard.core.schedule import Cadence, missed_deadlines, misses_due
from tests.core.schedule.helpers import T0, S


def test_deadlines_are_one_interval_apart_up_to_now() -> None:
    assert missed_deadlines(100, 10, 99, 1000) == []
    assert missed_deadlines(100, 10, 100, 1000) == [100]
    assert missed_deadlines(100, 10, 125, 1000) == [100, 110, 120]


def test_a_catch_up_keeps_only_the_newest_deadlines() -> None:
    assert missed_deadlines(100, 10, 195, 3) == [170, 180, 190]


def test_the_first_miss_flips_an_up_heartbeat_down() -> None:
    due = misses_due("up", Cadence(60), 0, T0, T0 + 5 * S, 1000)
    assert due is not None
    assert due.deadlines == [T0]
    assert due.flip == ("up", "down", "miss")
    assert due.next_miss_at == T0 + 60 * S


def test_further_misses_while_down_do_not_flip_again() -> None:
    due = misses_due("down", Cadence(60), 0, T0, T0 + 150 * S, 1000)
    assert due is not None
    assert due.deadlines == [T0, T0 + 60 * S, T0 + 120 * S]
    assert due.flip is None
    assert due.next_miss_at == T0 + 180 * S


def test_nothing_is_due_before_the_deadline() -> None:
    assert misses_due("up", Cadence(60), 0, T0, T0 - 1, 1000) is None


def test_a_stored_deadline_off_the_cron_grid_is_moved_to_the_next_slot() -> None:
    hourly = Cadence(None, "0 * * * *")
    due = misses_due("up", hourly, 60, T0 + 10 * S, T0 + 20 * S, 1000)  # T0 is on the hour
    assert due is not None and due.deadlines == [] and due.flip is None
    # T0 is itself a slot, so the deadline becomes T0 + grace: still ahead at T0 + 20 s.
    assert due.next_miss_at == T0 + 60 * S
