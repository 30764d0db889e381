"""The words and numbers the dashboard shows for durations and moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dashboard.components.humanize import (
    duration_text,
    exact_text,
    milliseconds_text,
    percent_text,
    relative_text,
    split_seconds,
)

NOW = datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("seconds", "text"), [
    (10, "10 s"), (60, "1 min"), (90, "1 min 30 s"), (3600, "1 h"), (5400, "1 h 30 min"),
    (86_400, "1 day"), (90_000, "1 day 1 h"), (172_800, "2 days"), (86_460, "1 day"), (31_536_000, "365 days"),
])
def test_it_says_durations_in_at_most_two_units(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(seconds=2), "just now"), (timedelta(seconds=42), "42 s ago"), (timedelta(minutes=3, seconds=59), "3 min ago"),
    (timedelta(hours=5), "5 h ago"), (timedelta(days=1), "1 day ago"), (timedelta(days=3), "3 days ago"),
    (timedelta(days=90), "3 months ago"), (timedelta(days=800), "2 years ago"),
    (-timedelta(minutes=5), "in 5 min"), (-timedelta(seconds=2), "in a few seconds"),
])
def test_it_says_moments_relative_to_now(delta: timedelta, text: str) -> None:
    assert relative_text(NOW - delta, NOW) == text


def test_a_missing_moment_reads_never() -> None:
    assert relative_text(None, NOW) == "never"
    assert relative_text(None, NOW, never="no check-in yet") == "no check-in yet"


def test_the_exact_moment_is_utc_to_the_millisecond() -> None:
    moment = datetime(2026, 11, 2, 13, 4, 5, 678_901, tzinfo=timezone(timedelta(hours=1)))
    assert exact_text(moment) == "2026-11-02 12:04:05.678 UTC"
    assert exact_text(None) == ""


def test_run_times() -> None:
    assert milliseconds_text(850) == "850 ms"
    assert milliseconds_text(12_340) == "12.3 s"
    assert milliseconds_text(242_000) == "4 min 2 s"
    assert milliseconds_text(None) == ""


def test_the_form_prefills_with_the_largest_exact_unit() -> None:
    assert split_seconds(300) == (5, "minutes")
    assert split_seconds(7200) == (2, "hours")
    assert split_seconds(86_400 * 3) == (3, "days")
    assert split_seconds(90) == (90, "seconds")


def test_uptime_never_rounds_a_failure_up_to_100() -> None:
    assert percent_text(1.0) == "100 %"
    assert percent_text(0.99999) == "99.99 %"
    assert percent_text(0.885) == "88.50 %"
    assert percent_text(None) == "–"
