"""Pausing and resuming (``schedule.pause``, ``schedule.resume``)."""

from dashboard.core.schedule import pause, resume
from tests.core.schedule.helpers import T0, S, state


def test_pause_clears_the_deadline_and_keeps_the_status() -> None:
    s = state(status="down", next_due_at=T0, miss_at=T0 + 30 * S)
    pause(s)
    assert (s.enabled, s.status, s.next_due_at, s.miss_at, s.dirty) == (False, "down", T0, None, True)


def test_resume_gives_a_pinged_heartbeat_one_full_interval_from_now() -> None:
    s = state(enabled=False, status="down", last_ping_at=T0 - 86_400 * S, next_due_at=T0 - 86_340 * S)
    resume(s, T0)
    assert (s.enabled, s.status) == (True, "up")
    assert s.next_due_at == T0 + 60 * S
    assert s.miss_at == T0 + 90 * S


def test_resume_leaves_a_never_pinged_heartbeat_new_with_nothing_due() -> None:
    s = state(enabled=False, status="new")
    resume(s, T0)
    assert (s.enabled, s.status, s.next_due_at, s.miss_at) == (True, "new", None, None)
