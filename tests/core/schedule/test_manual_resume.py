"""A check-in to a paused heartbeat: ignored when ``manual_resume`` (Lubdub's rule),
resuming it when not (Healthchecks' default) — ``apply_ping``."""

import pytest

from dashboard.core.schedule import apply_ping, pause
from tests.core.schedule.helpers import T0, S, state


def paused(**overrides: object):  # type: ignore[no-untyped-def]
    s = state(status="up", last_ping_at=T0 - 10 * S, next_due_at=T0 + 50 * S, miss_at=T0 + 80 * S, **overrides)
    pause(s)
    s.dirty = False
    return s


@pytest.mark.parametrize("result", ["tick", "complete", "fail", "skip", "run", "log"])
def test_with_manual_resume_a_paused_heartbeat_only_keeps_the_record(result: str) -> None:
    s = paused(manual_resume=True)
    effect = apply_ping(s, result, T0, "r")
    assert (effect.flip, effect.duration_ms) == (None, None)
    assert (s.enabled, s.status, s.last_ping_at, s.miss_at, s.runs, s.dirty) == (False, "up", T0 - 10 * S, None, [], False)


def test_without_manual_resume_a_tick_resumes_it_and_counts_as_the_check_in() -> None:
    s = paused(manual_resume=False)
    effect = apply_ping(s, "tick", T0)
    assert effect.flip is None
    assert (s.enabled, s.status, s.last_ping_at, s.dirty) == (True, "up", T0, True)
    assert (s.next_due_at, s.miss_at) == (T0 + 60 * S, T0 + 90 * S)


def test_without_manual_resume_a_fail_resumes_it_down_and_flips() -> None:
    s = paused(manual_resume=False)
    effect = apply_ping(s, "fail", T0)
    assert effect.flip == ("up", "down", "fail")
    assert (s.enabled, s.status) == (True, "down")


def test_a_heartbeat_paused_while_down_recovers_with_an_alertable_flip() -> None:
    s = state(status="down", last_ping_at=T0 - 100 * S, manual_resume=False)
    pause(s)
    assert apply_ping(s, "complete", T0).flip == ("down", "up", "recovery")
    assert s.enabled


def test_a_skip_resumes_a_never_pinged_heartbeat_as_up() -> None:
    s = state(manual_resume=False)
    pause(s)
    apply_ping(s, "skip", T0)
    assert (s.enabled, s.status, s.next_due_at) == (True, "up", T0 + 60 * S)


@pytest.mark.parametrize("result", ["run", "log"])
def test_a_start_or_a_log_does_not_resume_it(result: str) -> None:
    s = paused(manual_resume=False)
    apply_ping(s, result, T0, "r")
    assert (s.enabled, s.runs, s.last_ping_at) == (False, [], T0 - 10 * S)
