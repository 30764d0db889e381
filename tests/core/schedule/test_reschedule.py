"""Changing interval or grace (``schedule.reschedule``)."""

from dashboard.core.schedule import Cadence, reschedule
from tests.core.schedule.helpers import T0, S, state


def test_an_up_heartbeat_is_due_one_new_interval_after_its_last_check_in() -> None:
    # Checked in at T0 with interval 60: due at T0 + 60 s. Interval becomes 300 s.
    s = state(status="up", interval=300, last_ping_at=T0, next_due_at=T0 + 60 * S, miss_at=T0 + 90 * S)
    reschedule(s, T0 + 10 * S, Cadence(60))
    assert s.next_due_at == T0 + 300 * S
    assert s.miss_at == T0 + 330 * S


def test_a_grace_change_moves_only_the_down_moment() -> None:
    s = state(status="up", grace=120, next_due_at=T0 + 60 * S, miss_at=T0 + 90 * S)
    reschedule(s, T0, Cadence(60))
    assert (s.next_due_at, s.miss_at) == (T0 + 60 * S, T0 + 180 * S)


def test_a_down_heartbeat_misses_again_one_new_interval_from_now() -> None:
    s = state(status="down", interval=600, next_due_at=T0 - 60 * S, miss_at=T0 + 5 * S)
    reschedule(s, T0, Cadence(60))
    assert s.miss_at == T0 + 600 * S


def test_a_new_heartbeat_still_has_nothing_due() -> None:
    s = state(status="new", interval=600)
    reschedule(s, T0, Cadence(60))
    assert (s.next_due_at, s.miss_at) == (None, None)


def test_switching_to_cron_starts_a_fresh_period_at_the_next_slot() -> None:
    s = state(status="up", interval=None, schedule="0 * * * *", next_due_at=T0 + 60 * S, miss_at=T0 + 90 * S)
    reschedule(s, T0 + 10 * S, Cadence(60))
    assert s.next_due_at == T0 + 3600 * S  # T0 is on the hour
    assert s.miss_at == T0 + 3630 * S


def test_a_cron_grace_change_keeps_the_slot() -> None:
    s = state(status="up", interval=None, schedule="0 * * * *", grace=600, next_due_at=T0 + 3600 * S,
              miss_at=T0 + 3630 * S)
    reschedule(s, T0 + 10 * S, Cadence(None, "0 * * * *"))
    assert (s.next_due_at, s.miss_at) == (T0 + 3600 * S, T0 + 4200 * S)


def test_a_down_cron_heartbeat_misses_again_at_the_next_slot_plus_grace() -> None:
    s = state(status="down", interval=None, schedule="0 * * * *", miss_at=T0 - S)
    reschedule(s, T0 + 10 * S, Cadence(60))
    assert s.miss_at == T0 + 3630 * S


def test_a_new_run_time_limit_applies_to_open_runs() -> None:
    from dashboard.core.schedule import apply_ping

    s = state(status="up", max_runtime=600)
    apply_ping(s, "run", T0, "a")
    s.max_runtime = 60
    reschedule(s, T0 + S, Cadence(60))
    assert s.run_timeout_at == T0 + 60 * S
