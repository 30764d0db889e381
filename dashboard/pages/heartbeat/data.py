"""What the heartbeat page reads and writes: plain functions over core (run in a thread), and its rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import plotly.graph_objects as go

from dashboard.components import charts
from dashboard.components.heartbeat_facts import HeartbeatFacts, describe
from dashboard.components.humanize import exact_text, milliseconds_text, percent_text, relative_text
from dashboard.config import get_settings
from dashboard.core import events, heartbeats, services, stats
from dashboard.core.errors import DomainError, NotFound
from dashboard.db import session_scope
from dashboard.models import Event
from dashboard.timeutil import UTC, utcnow

FEED_PAGE = 25
# The feed keeps at most this many rows in the browser; older ones come back with "load older".
FEED_MAX = 500
INTERVALS = list(stats.INTERVAL_HOURS)
# Range presets, each with the bucket width that gives a readable number of bars.
RANGES: dict[str, tuple[timedelta, str]] = {
    "24h": (timedelta(hours=24), "1h"),
    "7d": (timedelta(days=7), "3h"),
    "30d": (timedelta(days=30), "12h"),
    "90d": (timedelta(days=90), "1d"),
    "1y": (timedelta(days=365), "7d"),
}


@dataclass
class HeartbeatInfo(HeartbeatFacts):
    """Everything the page's header, facts and check-in card show (``HeartbeatState.info``)."""

    service_id: str = ""
    service_name: str = ""
    url: str = ""
    interval: int = 60
    methods_text: str = ""
    created_text: str = ""
    created_exact: str = ""


def load_heartbeat(public_id: str, now: datetime) -> HeartbeatInfo | None:
    try:
        with session_scope() as session:
            heartbeat = heartbeats.get_by_public_id(session, public_id)
            service = services.get_service(session, heartbeat.service_id)
    except NotFound:
        return None
    return describe(
        heartbeat, now, HeartbeatInfo,
        service_id=service.id,
        service_name=service.name,
        url=f"{get_settings().public_url}/ping/{heartbeat.ping_id}",
        interval=heartbeat.interval,
        methods_text=", ".join(heartbeat.method_list),
        created_text=relative_text(heartbeat.created_at, now),
        created_exact=exact_text(heartbeat.created_at),
    )


def pause_or_resume(public_id: str, enabled: bool) -> None:
    """Resume (``enabled``) or pause the heartbeat."""
    with session_scope(write=True) as session:
        row_id = heartbeats.get_by_public_id(session, public_id).id
        if enabled:
            heartbeats.resume_heartbeat(session, row_id, utcnow())
        else:
            heartbeats.pause_heartbeat(session, row_id, utcnow())


def remove_heartbeat(public_id: str) -> None:
    try:
        with session_scope(write=True) as session:
            heartbeats.delete_heartbeat(session, heartbeats.get_by_public_id(session, public_id).id, utcnow())
    except NotFound:
        pass  # already gone


def regenerate_check_in_url(public_id: str) -> None:
    """A new check-in secret: the old URL answers 404 from now on."""
    with session_scope(write=True) as session:
        heartbeats.rotate_ping_id(session, heartbeats.get_by_public_id(session, public_id).id, utcnow())


# --- the live feed ----------------------------------------------------------------


@dataclass
class EventRow:
    id: int = 0
    result: str = ""
    message: str = ""
    truncated: bool = False
    duration_text: str = ""
    source_text: str = ""
    user_agent: str = ""
    received_text: str = ""
    received_exact: str = ""


@dataclass(frozen=True)
class FeedItem:
    """What the state keeps per event to re-render its relative time each tick."""

    id: int
    received_at: datetime
    result: str
    message: str
    truncated: bool
    duration_ms: int | None
    method: str | None
    source_ip: str | None
    user_agent: str | None

    @classmethod
    def from_event(cls, event: Event) -> FeedItem:
        return cls(int(event.id or 0), event.received_at, event.result, event.message, event.message_truncated,
                   event.duration_ms, event.method, event.source_ip, event.user_agent)


def event_row(item: FeedItem, now: datetime) -> EventRow:
    source = " · ".join(p for p in (item.method, item.source_ip) if p)
    if item.result == "miss":
        source = "miss detector"
    return EventRow(
        id=item.id,
        result=item.result,
        message=item.message,
        truncated=item.truncated,
        duration_text=milliseconds_text(item.duration_ms),
        source_text=source,
        user_agent=item.user_agent or "",
        received_text=relative_text(item.received_at, now),
        received_exact=exact_text(item.received_at),
    )


def newest_events(public_id: str, limit: int = FEED_PAGE) -> list[FeedItem]:
    with session_scope() as session:
        row_id = heartbeats.get_by_public_id(session, public_id).id
        return [FeedItem.from_event(e) for e in events.list_events(session, row_id, limit=limit)]


def events_after(public_id: str, after: datetime, after_id: int, limit: int) -> list[FeedItem]:
    """Events newer than the cursor, oldest first."""
    with session_scope() as session:
        row_id = heartbeats.get_by_public_id(session, public_id).id
        found = events.list_events(session, row_id, limit=limit, after=after, after_id=after_id)
        return [FeedItem.from_event(e) for e in found]


def older_events(public_id: str, before: datetime, before_id: int, limit: int = FEED_PAGE) -> list[FeedItem]:
    with session_scope() as session:
        row_id = heartbeats.get_by_public_id(session, public_id).id
        found = events.events_before(session, row_id, before=before, before_id=before_id, limit=limit)
        return [FeedItem.from_event(e) for e in found]


def merge_new(feed: list[FeedItem], new_oldest_first: list[FeedItem], limit: int = FEED_MAX) -> tuple[list[FeedItem], bool]:
    """Prepend new events (given oldest first) to a newest-first feed; cap its length.

    Returns (feed, whether rows were dropped from the end).
    """
    merged = [*reversed(new_oldest_first), *feed]
    return merged[:limit], len(merged) > limit


# --- statistics -------------------------------------------------------------------


def stats_window(range_key: str, custom_start: str, custom_end: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) for a preset, or for two inclusive calendar dates (UTC)."""
    if range_key in RANGES:
        return now - RANGES[range_key][0], now
    try:
        start = datetime.strptime(custom_start, "%Y-%m-%d").replace(tzinfo=UTC)
        end = datetime.strptime(custom_end, "%Y-%m-%d").replace(tzinfo=UTC) + timedelta(days=1)
    except ValueError as exc:
        raise DomainError("pick a start and an end date") from exc
    if end <= start:
        raise DomainError("the end date must not be before the start date")
    return start, min(end, now) if start < now else end


@dataclass
class StatsResult:
    counts: go.Figure
    uptime: go.Figure
    durations: go.Figure | None
    uptime_text: str
    checkins: int
    failures: int
    misses: int


def load_stats(public_id: str, interval: str, start: datetime, end: datetime, now: datetime) -> StatsResult:
    """Raises ``DomainError`` (too many buckets, bad range) with a message for the picker."""
    with session_scope() as session:
        row_id = heartbeats.get_by_public_id(session, public_id).id
        buckets = stats.heartbeat_statistics(session, row_id, now=now, interval=interval, start=start, end=end)
    return StatsResult(
        counts=charts.events_figure(buckets, interval),
        uptime=charts.uptime_figure(buckets, interval),
        durations=charts.durations_figure(buckets, interval) if charts.has_durations(buckets) else None,
        uptime_text=percent_text(charts.overall_uptime(buckets)),
        checkins=sum(b.tick_count + b.complete_count for b in buckets),
        failures=sum(b.fail_count for b in buckets),
        misses=sum(b.miss_count for b in buckets),
    )
