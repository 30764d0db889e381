"""The heartbeat page: facts, live feed, load older, statistics pickers, pause, delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import reflex as rx
from sqlalchemy.engine import Engine

from dashboard.core.errors import DomainError
from dashboard.pages.heartbeat import HeartbeatState
from dashboard.pages.heartbeat.data import FEED_PAGE, FeedItem, merge_new, stats_window
from dashboard.state import AuthState
from dashboard.timeutil import utcnow
from tests import factories
from tests.factories import add_events, make_heartbeat, make_service
from tests.pages.helpers import call, redirect_target, visit

State = Callable[[type[Any]], Any]


def ping(engine: Engine, heartbeat_id: str, result: str = "tick", message: str = "", at: datetime | None = None) -> None:
    """A check-in from 10.0.0.9, exactly as the endpoint records it."""
    factories.ping(engine, heartbeat_id, result, at=at, message=message, source_ip="10.0.0.9")


def open_heartbeat(root: rx.State, state: State, heartbeat_id: str) -> HeartbeatState:
    visit(root, f"/heartbeats/{heartbeat_id}")
    page = state(HeartbeatState)
    assert call(page.load()) == []
    return page


def test_a_new_heartbeat_shows_its_url_snippets_and_what_to_do(root: rx.State, state: State,
                                                                logged_in: AuthState, engine: Engine) -> None:
    service = make_service(engine, "billing")
    heartbeat = make_heartbeat(engine, service.id, "invoice-run", interval=300, grace=60)
    page = open_heartbeat(root, state, heartbeat.public_id)

    assert page.info.url == f"http://lubdub.test/ping/{heartbeat.ping_id}"
    assert (page.info.name, page.info.service_name, page.info.status, page.info.interval_text, page.info.grace_text) == (
        "invoice-run", "billing", "new", "5 min", "1 min")
    assert page.snippet_texts["crontab"].startswith("# Run the job") and "*/5 * * * *" in page.snippet_texts["crontab"]
    assert page.curl_example == f"curl -fsS {page.info.url}"
    assert page.events == [] and not page.has_older
    assert (page.checkin_total, page.uptime_text, page.show_durations) == (0, "–", False)


def test_the_feed_and_the_chart_follow_new_check_ins(root: rx.State, state: State, logged_in: AuthState,
                                                      engine: Engine, steady_clock: None) -> None:
    heartbeat = make_heartbeat(engine, make_service(engine).id, "job", interval=60)
    page = open_heartbeat(root, state, heartbeat.public_id)

    ping(engine, heartbeat.id, "run")
    ping(engine, heartbeat.id, "complete", "42 files")
    call(page.tick())

    assert [(e.result, e.message, e.source_text) for e in page.events] == [
        ("complete", "42 files", "GET · 10.0.0.9"), ("run", "", "GET · 10.0.0.9")]
    assert page.events[0].duration_text.endswith("ms")
    assert page.events[0].received_text == "just now" and page.events[0].received_exact.endswith(" UTC")
    assert (page.info.status, page.info.last_ping_text) == ("up", "just now")
    assert (page.checkin_total, page.failure_total, page.uptime_text, page.show_durations) == (1, 0, "100 %", True)

    ping(engine, heartbeat.id, "fail", "disk full")
    call(page.tick())
    assert [e.result for e in page.events] == ["fail", "complete", "run"]
    assert (page.info.status, page.failure_total, page.uptime_text) == ("down", 1, "50 %")


def test_load_older_pages_back_to_the_first_event(root: rx.State, state: State, logged_in: AuthState,
                                                   engine: Engine) -> None:
    heartbeat = make_heartbeat(engine, make_service(engine).id, "job")
    now = utcnow()
    add_events(engine, heartbeat.id, [("tick", now - timedelta(minutes=i)) for i in range(FEED_PAGE * 2 + 3)])
    page = open_heartbeat(root, state, heartbeat.public_id)
    assert len(page.events) == FEED_PAGE and page.has_older

    call(page.load_older())
    call(page.load_older())
    assert len(page.events) == FEED_PAGE * 2 + 3 and not page.has_older
    # Events were inserted newest first, so newest-first order is ascending ids here.
    assert [e.id for e in page.events] == list(range(1, FEED_PAGE * 2 + 4))


def test_the_feed_keeps_its_length_bounded() -> None:
    moment = datetime(2026, 11, 2, tzinfo=UTC)
    item = lambda i: FeedItem(i, moment, "tick", "", False, None, None, None, None)  # noqa: E731
    feed, dropped = merge_new([item(2), item(1)], [item(3), item(4)], limit=3)
    assert [i.id for i in feed] == [4, 3, 2] and dropped


def test_the_statistics_pickers(root: rx.State, state: State, logged_in: AuthState, engine: Engine) -> None:
    heartbeat = make_heartbeat(engine, make_service(engine).id, "job")
    add_events(engine, heartbeat.id, [("tick", utcnow() - timedelta(days=3)), ("miss", utcnow() - timedelta(days=2))])
    page = open_heartbeat(root, state, heartbeat.public_id)
    assert (page.stats_range, page.stats_interval, page.checkin_total) == ("24h", "1h", 0)

    call(page.set_stats_range("7d"))
    assert (page.stats_interval, page.checkin_total, page.miss_total, page.uptime_text) == ("3h", 1, 1, "50 %")
    assert len(page.counts_figure.data[0].x) in (56, 57)  # 7 days of 3 h buckets, rounded out

    call(page.set_stats_interval("1h"))
    call(page.set_stats_range("1y"))
    assert page.stats_interval == "7d" and page.errors == {}
    call(page.set_stats_interval("1h"))
    assert "buckets" in page.errors["stats"]  # 8,760 hourly buckets are refused with advice

    call(page.set_stats_range("custom"))
    assert page.custom_start and page.custom_end and page.errors == {}
    call(page.set_custom_end("2000-01-01"))
    assert page.errors == {"stats": "the end date must not be before the start date"}


def test_stats_window_for_calendar_dates() -> None:
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    start, end = stats_window("custom", "2026-10-01", "2026-10-31", now)
    assert (start.isoformat(), end.isoformat()) == ("2026-10-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00")
    # A range reaching today stops at now rather than charting the future.
    assert stats_window("custom", "2026-11-01", "2026-11-02", now)[1] == now
    with pytest.raises(DomainError):
        stats_window("custom", "", "2026-11-02", now)


def test_pause_resume_and_delete(root: rx.State, state: State, logged_in: AuthState, engine: Engine) -> None:
    service = make_service(engine)
    heartbeat = make_heartbeat(engine, service.id, "job")
    page = open_heartbeat(root, state, heartbeat.public_id)

    call(page.pause_or_resume(False))
    assert (page.info.status, page.info.enabled, page.info.next_due_text) == ("paused", False, "paused")
    call(page.pause_or_resume(True))
    assert (page.info.status, page.info.enabled) == ("new", True)

    assert redirect_target(call(page.confirm_delete())) == f"/services/{service.id}"
    call(page.load())
    assert not page.found
