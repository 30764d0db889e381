"""What one check-in does to a heartbeat's schedule (``schedule.apply_ping``)."""

from dashboard.core.schedule import apply_ping
from tests.core.schedule.helpers import T0, S, state


def test_tick_on_new_heartbeat_schedules_deadline_without_flip() -> None:
    s = state()
    effect = apply_ping(s, "tick", T0)
    assert s.status == "up"
    assert s.next_due_at == T0 + 60 * S
    assert s.miss_at == T0 + 90 * S
    assert effect.flip is None


def test_fail_flips_to_down_and_still_schedules_next_deadline() -> None:
    s = state(status="up")
    effect = apply_ping(s, "fail", T0)
    assert s.status == "down"
    assert effect.flip == ("up", "down", "fail")
    assert s.next_due_at == T0 + 60 * S


def test_fail_while_down_does_not_flip_again() -> None:
    s = state(status="down")
    assert apply_ping(s, "fail", T0).flip is None


def test_complete_after_down_is_a_recovery() -> None:
    s = state(status="down")
    assert apply_ping(s, "complete", T0).flip == ("down", "up", "recovery")
    assert s.status == "up"


def test_run_then_complete_carries_duration_and_run_keeps_deadline() -> None:
    due = T0 + 10 * S
    s = state(status="up", next_due_at=due, miss_at=due)
    apply_ping(s, "run", T0)
    assert s.next_due_at == due and [r.started_at for r in s.runs] == [T0]
    effect = apply_ping(s, "complete", T0 + 2_500_000)
    assert effect.duration_ms == 2500
    assert s.runs == []
    # A second complete has no run to pair with.
    assert apply_ping(s, "complete", T0 + 3 * S).duration_ms is None


def test_paused_heartbeat_changes_nothing() -> None:
    s = state(enabled=False, status="up", next_due_at=T0)
    effect = apply_ping(s, "fail", T0 + 5 * S)
    assert (s.status, s.next_due_at, s.last_ping_at, s.dirty) == ("up", T0, None, False)
    assert effect.flip is None
    assert s.effective_status(T0) == "paused"

