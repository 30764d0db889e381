"""The order problems are shown in (``schedule.severity``, ``worst_status``)."""

from dashboard.core.schedule import STATUSES, severity, worst_status


def test_down_comes_before_late_before_up_before_new_before_paused() -> None:
    assert sorted(STATUSES, key=severity) == ["down", "late", "up", "new", "paused"]


def test_an_unknown_status_sorts_last() -> None:
    assert severity("bogus") > severity("paused")


def test_the_worst_status_is_the_worst_with_a_count() -> None:
    assert worst_status({"up": 3, "late": 1, "down": 0}) == "late"
    assert worst_status({"up": 0, "paused": 0}) is None
