"""Runs in progress: pairing starts with ends, run-time limits (``apply_ping``, ``timeouts_due``)."""

from dashboard.core.schedule import MAX_OPEN_RUNS, apply_ping, pause, runs_from_json, runs_to_json, timeouts_due
from tests.core.schedule.helpers import T0, S, state


def test_overlapping_runs_are_paired_by_rid_each_with_its_own_duration() -> None:
    s = state(status="up")
    apply_ping(s, "run", T0, "a")
    apply_ping(s, "run", T0 + 10 * S, "b")
    assert apply_ping(s, "complete", T0 + 15 * S, "a").duration_ms == 15_000
    assert [r.rid for r in s.runs] == ["b"]
    assert apply_ping(s, "fail", T0 + 40 * S, "b").duration_ms == 30_000
    assert s.runs == []


def test_without_a_rid_the_newest_open_run_is_paired() -> None:
    s = state(status="up")
    apply_ping(s, "run", T0, "a")
    apply_ping(s, "run", T0 + 5 * S)
    assert apply_ping(s, "complete", T0 + 6 * S).duration_ms == 1000
    assert [r.rid for r in s.runs] == ["a"]


def test_an_unknown_rid_pairs_nothing() -> None:
    s = state(status="up")
    apply_ping(s, "run", T0, "a")
    assert apply_ping(s, "complete", T0 + S, "zzz").duration_ms is None
    assert [r.rid for r in s.runs] == ["a"]


def test_the_same_rid_restarted_replaces_its_run_and_rid_less_runs_share_one_slot() -> None:
    s = state(status="up")
    apply_ping(s, "run", T0, "a")
    apply_ping(s, "run", T0 + S, "a")
    apply_ping(s, "run", T0 + 2 * S)
    apply_ping(s, "run", T0 + 3 * S)
    assert [(r.rid, r.started_at) for r in s.runs] == [("a", T0 + S), ("", T0 + 3 * S)]


def test_only_the_newest_runs_are_kept() -> None:
    s = state(status="up")
    for k in range(MAX_OPEN_RUNS + 5):
        apply_ping(s, "run", T0 + k * S, f"r{k}")
    assert len(s.runs) == MAX_OPEN_RUNS and s.runs[0].rid == "r5"


def test_a_run_longer_than_max_runtime_times_out_and_turns_it_down() -> None:
    s = state(status="up", max_runtime=60, next_due_at=T0 + 3600 * S, miss_at=T0 + 3630 * S)
    apply_ping(s, "run", T0, "a")
    assert s.run_timeout_at == T0 + 60 * S
    assert timeouts_due(s, T0 + 59 * S) is None
    due = timeouts_due(s, T0 + 61 * S)
    assert due is not None and [(r.rid, r.timeout_at) for r in due.runs] == [("a", T0 + 60 * S)]
    assert due.flip == ("up", "down", "timeout")
    assert s.status == "down" and s.run_timeout_at is None
    # The deadline for the next check-in is untouched; a second pass finds nothing.
    assert (s.next_due_at, s.miss_at) == (T0 + 3600 * S, T0 + 3630 * S)
    assert timeouts_due(s, T0 + 120 * S) is None


def test_a_late_complete_brings_it_up_with_the_full_duration() -> None:
    s = state(status="up", max_runtime=60)
    apply_ping(s, "run", T0, "a")
    timeouts_due(s, T0 + 61 * S)
    effect = apply_ping(s, "complete", T0 + 300 * S, "a")
    assert effect.duration_ms == 300_000 and effect.flip == ("down", "up", "recovery")


def test_each_overlapping_run_has_its_own_limit() -> None:
    s = state(status="up", max_runtime=60)
    apply_ping(s, "run", T0, "a")
    apply_ping(s, "run", T0 + 30 * S, "b")
    apply_ping(s, "complete", T0 + 50 * S, "a")
    assert s.run_timeout_at == T0 + 90 * S
    due = timeouts_due(s, T0 + 95 * S)
    assert due is not None and [r.rid for r in due.runs] == ["b"]


def test_pausing_forgets_open_runs() -> None:
    s = state(status="up", max_runtime=60)
    apply_ping(s, "run", T0, "a")
    pause(s)
    assert (s.runs, s.run_timeout_at) == ([], None)


def test_runs_round_trip_through_their_stored_form() -> None:
    s = state(status="up", max_runtime=60)
    apply_ping(s, "run", T0, "a")
    apply_ping(s, "run", T0 + S)
    timeouts_due(s, T0 + 61 * S)
    assert runs_from_json(runs_to_json(s.runs)) == s.runs
    assert runs_to_json([]) is None and runs_from_json(None) == []


def test_log_changes_nothing_and_skip_satisfies_the_deadline() -> None:
    s = state(status="up", next_due_at=T0, miss_at=T0 + 30 * S)
    assert apply_ping(s, "log", T0 - S).flip is None
    assert (s.last_ping_at, s.next_due_at, s.dirty) == (None, T0, False)
    effect = apply_ping(s, "skip", T0 + 5 * S)
    assert effect.flip is None and effect.duration_ms is None
    assert (s.status, s.next_due_at) == ("up", T0 + 65 * S)


def test_skip_keeps_a_down_heartbeat_down_and_makes_a_new_one_up() -> None:
    down = state(status="down")
    apply_ping(down, "skip", T0)
    assert down.status == "down" and down.next_due_at == T0 + 60 * S
    new = state(status="new")
    apply_ping(new, "skip", T0)
    assert new.status == "up"


def test_a_tick_ends_the_run_its_rid_names_as_healthchecks_success_does() -> None:
    s = state(status="up")
    apply_ping(s, "run", T0, "a")
    apply_ping(s, "run", T0 + S, "b")
    assert apply_ping(s, "tick", T0 + 4 * S, "a").duration_ms == 4000
    assert [r.rid for r in s.runs] == ["b"] and s.last_duration_ms == 4000
    assert apply_ping(s, "tick", T0 + 9 * S).duration_ms == 8000  # without a rid: the newest
    assert s.runs == []


def test_last_duration_is_cleared_by_an_end_that_closed_no_run() -> None:
    s = state(status="up")
    apply_ping(s, "run", T0, "a")
    apply_ping(s, "complete", T0 + 2 * S, "a")
    assert s.last_duration_ms == 2000
    apply_ping(s, "log", T0 + 3 * S)
    apply_ping(s, "run", T0 + 4 * S, "b")
    assert s.last_duration_ms == 2000  # a log or a start leaves it
    apply_ping(s, "fail", T0 + 5 * S, "zzz")
    assert s.last_duration_ms is None
