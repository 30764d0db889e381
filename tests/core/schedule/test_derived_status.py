"""The status a heartbeat shows at a moment (``schedule.derived_status``)."""

from dashboard.core.schedule import derived_status, down_after
from tests.core.schedule.helpers import T0, S, state


def test_it_is_paused_whatever_it_stored_when_disabled() -> None:
    for stored in ("new", "up", "down"):
        assert derived_status(False, stored, T0, T0 + 10 * S) == "paused"


def test_it_is_late_from_the_due_moment_until_the_detector_flips_it() -> None:
    assert derived_status(True, "up", T0, T0 - 1) == "up"
    assert derived_status(True, "up", T0, T0) == "late"
    # Long past grace: still "late" until a miss is recorded, never an unrecorded "down".
    assert derived_status(True, "up", T0, T0 + 3600 * S) == "late"


def test_new_and_down_keep_their_stored_status() -> None:
    assert derived_status(True, "new", None, T0) == "new"
    assert derived_status(True, "down", T0 - S, T0) == "down"


def test_the_record_answers_the_same() -> None:
    s = state(status="up", next_due_at=T0)
    assert (s.effective_status(T0 - 1), s.effective_status(T0)) == ("up", "late")
    assert state(enabled=False, status="up", next_due_at=T0).effective_status(T0 - 1) == "paused"


def test_it_goes_down_grace_after_it_is_due() -> None:
    assert down_after(T0, 30) == T0 + 30 * S
    assert down_after(None, 30) is None
