"""/heartbeats/[heartbeat_id]: the check-in URL, snippets, live event feed and statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from dashboard.components import charts, snippets
from dashboard.components.humanize import (
    duration_text,
    exact_text,
    milliseconds_text,
    percent_text,
    relative_text,
)
from dashboard.components.layout import (
    confirm_dialog,
    copy_button,
    empty_state,
    live_poller,
    page_shell,
    relative_time,
)
from dashboard.components.status_badge import result_badge, status_badge
from dashboard.config import get_settings
from dashboard.core import events as core_events
from dashboard.core import heartbeats, services, stats
from dashboard.core.errors import DomainError, NotFound
from dashboard.core.events import events_before
from dashboard.db import session_scope
from dashboard.models import Event
from dashboard.pages.heartbeat_form import HeartbeatFormState, heartbeat_dialog
from dashboard.pages.notifications import heartbeat_notifications
from dashboard.pages.service import next_due_text
from dashboard.state import AuthState, in_thread
from dashboard.styles import code_block, mono
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
RANGE_LABELS = {"24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days",
                "1y": "Last year", "custom": "Custom dates"}
SNIPPET_TABS = [("crontab", "crontab"), ("curl", "curl"), ("shell", "Shell wrapper"), ("python", "Python"),
                ("node", "Node")]


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


@dataclass
class HeartbeatInfo:
    id: str
    name: str
    service_id: str
    service_name: str
    status: str
    enabled: bool
    url: str
    interval: int
    interval_text: str
    grace_text: str
    methods_text: str
    last_ping_text: str
    last_ping_exact: str
    next_due_text: str
    next_due_exact: str
    created_text: str
    created_exact: str


def load_heartbeat(heartbeat_id: str, now: datetime) -> HeartbeatInfo | None:
    try:
        with session_scope() as session:
            heartbeat = heartbeats.get_heartbeat(session, heartbeat_id)
            service = services.get_service(session, heartbeat.service_id)
    except NotFound:
        return None
    status = heartbeat.get_status(now)
    return HeartbeatInfo(
        id=heartbeat.id,
        name=heartbeat.name,
        service_id=service.id,
        service_name=service.name,
        status=status,
        enabled=heartbeat.enabled,
        url=f"{get_settings().public_url}/ping/{heartbeat.id}",
        interval=heartbeat.interval,
        interval_text=duration_text(heartbeat.interval),
        grace_text=duration_text(heartbeat.grace) if heartbeat.grace else "none",
        methods_text=", ".join(heartbeat.method_list),
        last_ping_text=relative_text(heartbeat.last_ping_at, now),
        last_ping_exact=exact_text(heartbeat.last_ping_at),
        next_due_text=next_due_text(heartbeat, status, now),
        next_due_exact=exact_text(heartbeat.next_due_at),
        created_text=relative_text(heartbeat.created_at, now),
        created_exact=exact_text(heartbeat.created_at),
    )


def newest_events(heartbeat_id: str, limit: int = FEED_PAGE) -> list[FeedItem]:
    with session_scope() as session:
        return [FeedItem.from_event(e) for e in core_events.list_events(session, heartbeat_id, limit=limit)]


def events_after(heartbeat_id: str, after: datetime, after_id: int, limit: int) -> list[FeedItem]:
    """Events newer than the cursor, oldest first."""
    with session_scope() as session:
        found = core_events.list_events(session, heartbeat_id, limit=limit, after=after, after_id=after_id)
        return [FeedItem.from_event(e) for e in found]


def older_events(heartbeat_id: str, before: datetime, before_id: int, limit: int = FEED_PAGE) -> list[FeedItem]:
    with session_scope() as session:
        found = events_before(session, heartbeat_id, before=before, before_id=before_id, limit=limit)
        return [FeedItem.from_event(e) for e in found]


def merge_new(feed: list[FeedItem], new_oldest_first: list[FeedItem], limit: int = FEED_MAX) -> tuple[list[FeedItem], bool]:
    """Prepend new events (given oldest first) to a newest-first feed; cap its length.

    Returns (feed, whether rows were dropped from the end).
    """
    merged = [*reversed(new_oldest_first), *feed]
    return merged[:limit], len(merged) > limit


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


def load_stats(heartbeat_id: str, interval: str, start: datetime, end: datetime, now: datetime) -> StatsResult:
    """Raises ``DomainError`` (too many buckets, bad range) with a message for the picker."""
    with session_scope() as session:
        buckets = stats.heartbeat_statistics(session, heartbeat_id, now=now, interval=interval, start=start, end=end)
    return StatsResult(
        counts=charts.events_figure(buckets, interval),
        uptime=charts.uptime_figure(buckets, interval),
        durations=charts.durations_figure(buckets, interval) if charts.has_durations(buckets) else None,
        uptime_text=percent_text(charts.overall_uptime(buckets)),
        checkins=sum(b.tick_count + b.complete_count for b in buckets),
        failures=sum(b.fail_count for b in buckets),
        misses=sum(b.miss_count for b in buckets),
    )


def set_enabled(heartbeat_id: str, enabled: bool) -> None:
    with session_scope(write=True) as session:
        if enabled:
            heartbeats.resume_heartbeat(session, heartbeat_id, utcnow())
        else:
            heartbeats.pause_heartbeat(session, heartbeat_id, utcnow())


def delete_heartbeat(heartbeat_id: str) -> None:
    with session_scope(write=True) as session:
        heartbeats.delete_heartbeat(session, heartbeat_id, utcnow())


class HeartbeatState(AuthState):
    current_id: str = ""
    found: bool = True
    loaded: bool = False
    name: str = ""
    parent_service_id: str = ""
    service_name: str = ""
    status: str = ""
    enabled: bool = True
    url: str = ""
    interval: int = 60
    interval_text: str = ""
    grace_text: str = ""
    methods_text: str = ""
    last_ping_text: str = ""
    last_ping_exact: str = ""
    next_due_text: str = ""
    next_due_exact: str = ""
    created_text: str = ""
    created_exact: str = ""
    # The feed.
    events: list[EventRow] = []
    has_older: bool = False
    loading_older: bool = False
    _feed: list[FeedItem] = []
    # Statistics.
    stats_interval: str = "1h"
    stats_range: str = "24h"
    custom_start: str = ""
    custom_end: str = ""
    stats_error: str = ""
    counts_figure: go.Figure = go.Figure()
    uptime_figure: go.Figure = go.Figure()
    durations_figure: go.Figure = go.Figure()
    show_durations: bool = False
    uptime_text: str = "–"
    checkin_total: int = 0
    failure_total: int = 0
    miss_total: int = 0
    snippet_tab: str = "crontab"
    delete_open: bool = False

    @rx.var
    def snippet_texts(self) -> dict[str, str]:
        return snippets.all_snippets(self.url, self.interval) if self.url else {}

    @rx.var
    def curl_example(self) -> str:
        return f"curl -fsS {self.url}"

    def _route_heartbeat_id(self) -> str:
        parts = [p for p in self.router.url.path.split("/") if p]
        return parts[1] if len(parts) >= 2 and parts[0] == "heartbeats" else ""

    def _apply_info(self, info: HeartbeatInfo) -> None:
        self.parent_service_id = info.service_id
        for name in ("name", "service_name", "status", "enabled", "url", "interval", "interval_text",
                     "grace_text", "methods_text", "last_ping_text", "last_ping_exact", "next_due_text",
                     "next_due_exact", "created_text", "created_exact"):
            setattr(self, name, getattr(info, name))

    def _render_feed(self, now: datetime) -> None:
        rows = [event_row(item, now) for item in self._feed]
        if rows != self.events:
            self.events = rows

    async def _load_info(self, now: datetime) -> bool:
        info = await in_thread(load_heartbeat, self.current_id, now)
        self.loaded = True
        if info is None:
            self.found = False
            return False
        self.found = True
        self._apply_info(info)
        return True

    async def _load_stats(self) -> None:
        now = utcnow()
        try:
            start, end = stats_window(self.stats_range, self.custom_start, self.custom_end, now)
            result = await in_thread(load_stats, self.current_id, self.stats_interval, start, end, now)
        except DomainError as exc:
            self.stats_error = exc.message
            return
        self.stats_error = ""
        self.counts_figure, self.uptime_figure = result.counts, result.uptime
        self.show_durations = result.durations is not None
        if result.durations is not None:
            self.durations_figure = result.durations
        self.uptime_text = result.uptime_text
        self.checkin_total, self.failure_total, self.miss_total = result.checkins, result.failures, result.misses

    @rx.event
    async def load(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        heartbeat_id = self._route_heartbeat_id()
        if heartbeat_id != self.current_id:
            self.events, self._feed, self.has_older, self.loaded = [], [], False, False
            self.stats_interval, self.stats_range, self.snippet_tab = "1h", "24h", "crontab"
        self.current_id = heartbeat_id
        now = utcnow()
        if not await self._load_info(now):
            return None
        self._feed = await in_thread(newest_events, self.current_id)
        self.has_older = len(self._feed) == FEED_PAGE
        self._render_feed(now)
        await self._load_stats()
        return None

    @rx.event
    async def tick(self, _value: str = "") -> Any:
        """Every 2 s while the page is open: status, new events, and the chart when they change it."""
        # The timer also fires as the page mounts; until on_load has switched to the
        # heartbeat in the URL, leave it alone rather than refresh the previous one.
        if not self.current_id or not self.found or self._route_heartbeat_id() != self.current_id:
            return None
        if await self._user() is None:
            return await self._login_redirect()
        now = utcnow()
        if not await self._load_info(now):
            return None
        if self._feed:
            newest = self._feed[0]
            fresh = await in_thread(events_after, self.current_id, newest.received_at, newest.id, FEED_PAGE)
            if len(fresh) == FEED_PAGE:
                # A burst: rather than chase it page by page, show the newest page.
                self._feed = await in_thread(newest_events, self.current_id)
                self.has_older = True
            elif fresh:
                self._feed, dropped = merge_new(self._feed, fresh)
                self.has_older = self.has_older or dropped
        else:
            fresh = await in_thread(newest_events, self.current_id)
            self._feed = fresh
            self.has_older = len(fresh) == FEED_PAGE
        self._render_feed(now)
        if fresh and self.stats_range in RANGES:
            await self._load_stats()
        return None

    @rx.event
    async def load_older(self) -> Any:
        if not self._feed or await self._user() is None:
            return
        oldest = self._feed[-1]
        self.loading_older = True
        yield
        older = await in_thread(older_events, self.current_id, oldest.received_at, oldest.id)
        self._feed = [*self._feed, *older]
        self.has_older = len(older) == FEED_PAGE
        self.loading_older = False
        self._render_feed(utcnow())

    # --- statistics pickers ---------------------------------------------------
    @rx.event
    async def set_stats_interval(self, value: str) -> None:
        if value in INTERVALS and await self._user() is not None:
            self.stats_interval = value
            await self._load_stats()

    @rx.event
    async def set_stats_range(self, value: str) -> None:
        if await self._user() is None:
            return
        self.stats_range = value
        if value in RANGES:
            self.stats_interval = RANGES[value][1]
        elif not self.custom_start:
            today = utcnow().date()
            self.custom_start, self.custom_end = (today - timedelta(days=6)).isoformat(), today.isoformat()
            self.stats_interval = "3h"
        await self._load_stats()

    @rx.event
    async def set_custom_start(self, value: str) -> None:
        self.custom_start = value
        if await self._user() is not None:
            await self._load_stats()

    @rx.event
    async def set_custom_end(self, value: str) -> None:
        self.custom_end = value
        if await self._user() is not None:
            await self._load_stats()

    @rx.event
    def set_snippet_tab(self, value: str) -> None:
        self.snippet_tab = value

    # --- actions --------------------------------------------------------------
    @rx.event
    async def set_enabled(self, enabled: bool) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        try:
            await in_thread(set_enabled, self.current_id, enabled)
        except NotFound:
            return rx.toast.error("This heartbeat no longer exists")
        await self._load_info(utcnow())
        return rx.toast.success("Resumed" if enabled else "Paused", duration=2000)

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        self.delete_open = value

    @rx.event
    async def confirm_delete(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        try:
            await in_thread(delete_heartbeat, self.current_id)
        except NotFound:
            pass
        self.delete_open = False
        self.found = False
        return [rx.redirect(f"/services/{self.parent_service_id}"), rx.toast.success(f"Deleted {self.name}")]

    @rx.event
    async def refresh(self) -> None:
        if self.current_id and await self._user() is not None:
            await self._load_info(utcnow())


# --- components ------------------------------------------------------------------


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray", weight="medium"), value, spacing="1",
                     min_width="120px")


def _header() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("chevron-left", size=14), HeartbeatState.service_name, spacing="1", align="center"),
                href="/services/" + HeartbeatState.parent_service_id, size="2", color_scheme="gray", id="back-to-service"),
        rx.hstack(
            rx.hstack(rx.heading(HeartbeatState.name, size="7", id="heartbeat-name"),
                      status_badge(HeartbeatState.status, size="2", id="heartbeat-status"),
                      spacing="3", align="center", wrap="wrap"),
            rx.spacer(),
            rx.hstack(
                rx.button(rx.icon("pencil", size=14), "Edit", variant="soft", color_scheme="gray", id="edit-heartbeat",
                          on_click=HeartbeatFormState.open_edit(HeartbeatState.current_id)),
                rx.cond(
                    HeartbeatState.enabled,
                    rx.button(rx.icon("pause", size=14), "Pause", variant="soft", color_scheme="gray",
                              on_click=HeartbeatState.set_enabled(False), id="pause-heartbeat"),
                    rx.button(rx.icon("play", size=14), "Resume", variant="soft", color_scheme="grass",
                              on_click=HeartbeatState.set_enabled(True), id="resume-heartbeat"),
                ),
                rx.button(rx.icon("trash-2", size=14), "Delete", variant="soft", color_scheme="red",
                          on_click=HeartbeatState.set_delete_open(True), id="delete-heartbeat"),
                spacing="2", wrap="wrap",
            ),
            width="100%", align="center", wrap="wrap", spacing="3",
        ),
        rx.card(
            rx.flex(
                _fact("Expected every", rx.text(HeartbeatState.interval_text, id="fact-interval")),
                _fact("Grace", rx.text(HeartbeatState.grace_text, id="fact-grace")),
                _fact("Last check-in", rx.text(relative_time(HeartbeatState.last_ping_text,
                                                             HeartbeatState.last_ping_exact), id="fact-last-ping")),
                _fact("Next due", rx.text(relative_time(HeartbeatState.next_due_text, HeartbeatState.next_due_exact),
                                          id="fact-next-due")),
                _fact("Methods", rx.text(HeartbeatState.methods_text)),
                _fact("Created", rx.text(relative_time(HeartbeatState.created_text, HeartbeatState.created_exact))),
                wrap="wrap", spacing="5", width="100%",
            ),
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _checkin_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Check-in URL", size="4"),
            rx.text("Call it every time the job runs. No authentication: keep it secret like a password.",
                    size="2", color_scheme="gray"),
            rx.hstack(
                rx.code(HeartbeatState.url, id="checkin-url", size="3", variant="soft",
                        style={"word_break": "break-all", "padding": "6px 8px"}),
                copy_button(HeartbeatState.url, "copy-url"),
                align="center", spacing="3", width="100%", wrap="wrap",
            ),
            rx.tabs.root(
                rx.tabs.list(*[rx.tabs.trigger(label, value=key, id=f"snippet-tab-{key}") for key, label in SNIPPET_TABS],
                             overflow_x="auto"),
                *[
                    rx.tabs.content(
                        rx.vstack(
                            rx.el.pre(HeartbeatState.snippet_texts[key], style=code_block, id=f"snippet-{key}"),
                            copy_button(HeartbeatState.snippet_texts[key].to(str), f"copy-snippet-{key}",
                                        "Copy snippet"),
                            spacing="2", padding_top="12px", width="100%",
                        ),
                        value=key,
                    )
                    for key, _ in SNIPPET_TABS
                ],
                value=HeartbeatState.snippet_tab,
                on_change=HeartbeatState.set_snippet_tab,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _event_row(row: EventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(relative_time(row.received_text, row.received_exact), white_space="nowrap"),
        rx.table.cell(result_badge(row.result)),
        rx.table.cell(
            rx.text(row.message, rx.cond(row.truncated, rx.text.em(" (cut)")), size="2",
                    style={"word_break": "break-word"}, class_name="event-message"),
            max_width="420px",
        ),
        rx.table.cell(rx.text(row.duration_text, size="2"), display=["none", "table-cell"]),
        rx.table.cell(rx.text(row.source_text, size="1", color_scheme="gray", title=row.user_agent),
                      display=["none", "none", "table-cell"]),
        custom_attrs={"data-event-id": row.id, "data-result": row.result},
        class_name="event-row",
    )


def _feed() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Events", size="4"), rx.badge("live", color_scheme="grass", variant="soft"),
                      rx.spacer(), align="center", width="100%"),
            rx.cond(
                HeartbeatState.events.length() > 0,
                rx.vstack(
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("Received"),
                                rx.table.column_header_cell("Result"),
                                rx.table.column_header_cell("Message"),
                                rx.table.column_header_cell("Duration", display=["none", "table-cell"]),
                                rx.table.column_header_cell("Source", display=["none", "none", "table-cell"]),
                            )),
                            rx.table.body(rx.foreach(HeartbeatState.events, _event_row)),
                            size="1", width="100%", id="event-feed",
                        ),
                        # Scrolls inside the card so the charts stay in reach on a long feed.
                        width="100%", overflow_x="auto", overflow_y="auto", max_height="540px",
                    ),
                    rx.cond(
                        HeartbeatState.has_older,
                        rx.button("Load older", variant="soft", size="2", on_click=HeartbeatState.load_older,
                                  loading=HeartbeatState.loading_older, id="load-older"),
                    ),
                    spacing="3", width="100%", align="center",
                ),
                rx.vstack(
                    rx.text("No check-ins yet. Call the URL once to see it appear here — no reload needed:",
                            size="2", color_scheme="gray"),
                    rx.code(HeartbeatState.curl_example, style=mono),
                    rx.text("Then schedule the job to call it (see the snippets above). Until the first check-in "
                            "the heartbeat is \u201cnew\u201d and cannot be late.", size="2", color_scheme="gray"),
                    spacing="2", id="events-empty", width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _stat(label: str, value: Any, stat_id: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray", weight="medium"),
                     rx.heading(value, size="5", id=stat_id), spacing="1", min_width="100px")


def _stats() -> rx.Component:
    pickers = rx.hstack(
        rx.select.root(
            rx.select.trigger(id="stats-range"),
            rx.select.content(*[rx.select.item(label, value=key) for key, label in RANGE_LABELS.items()]),
            value=HeartbeatState.stats_range, on_change=HeartbeatState.set_stats_range, size="2",
        ),
        rx.cond(
            HeartbeatState.stats_range == "custom",
            rx.hstack(
                rx.input(type="date", value=HeartbeatState.custom_start, on_change=HeartbeatState.set_custom_start,
                         id="stats-start", size="2"),
                rx.text("to", size="2"),
                rx.input(type="date", value=HeartbeatState.custom_end, on_change=HeartbeatState.set_custom_end,
                         id="stats-end", size="2"),
                rx.text("UTC", size="1", color_scheme="gray"),
                align="center", spacing="2",
            ),
        ),
        rx.hstack(
            rx.text("Bucket", size="2", color_scheme="gray"),
            rx.select(INTERVALS, value=HeartbeatState.stats_interval, on_change=HeartbeatState.set_stats_interval,
                      id="stats-interval", size="2"),
            align="center", spacing="2",
        ),
        spacing="3", wrap="wrap", align="center",
    )
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Statistics", size="4"), rx.spacer(), pickers, width="100%", align="center",
                      wrap="wrap", spacing="3"),
            rx.cond(HeartbeatState.stats_error != "",
                    rx.callout(HeartbeatState.stats_error, icon="triangle-alert", color_scheme="amber", size="1",
                               id="stats-error")),
            rx.flex(
                _stat("Uptime", HeartbeatState.uptime_text, "stats-uptime"),
                _stat("Check-ins", HeartbeatState.checkin_total, "stats-checkins"),
                _stat("Failures", HeartbeatState.failure_total, "stats-failures"),
                _stat("Misses", HeartbeatState.miss_total, "stats-misses"),
                wrap="wrap", spacing="5", width="100%",
            ),
            rx.box(rx.plotly(data=HeartbeatState.counts_figure, id="stats-chart",
                             config={"displaylogo": False, "displayModeBar": False, "responsive": True}, style={"width": "100%"}), width="100%"),
            rx.text("Uptime per bucket", size="2", weight="medium"),
            rx.box(rx.plotly(data=HeartbeatState.uptime_figure, id="uptime-chart",
                             config={"displaylogo": False, "displayModeBar": False, "responsive": True}, style={"width": "100%"}), width="100%"),
            rx.cond(
                HeartbeatState.show_durations,
                rx.vstack(
                    rx.text("Mean run time (run → complete / fail)", size="2", weight="medium"),
                    rx.box(rx.plotly(data=HeartbeatState.durations_figure, id="durations-chart",
                                     config={"displaylogo": False, "displayModeBar": False, "responsive": True}, style={"width": "100%"}), width="100%"),
                    width="100%", spacing="2",
                ),
                rx.text("Report ?result=run when the job starts and ?result=complete when it ends to chart "
                        "its run time here.", size="1", color_scheme="gray", id="durations-hint"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        HeartbeatState.delete_open, HeartbeatState.set_delete_open,
        rx.text("Delete ", HeartbeatState.name, "?"),
        "Its check-in URL stops working (404) and its events and statistics are deleted. This cannot be undone.",
        "Delete", HeartbeatState.confirm_delete, "confirm-delete-heartbeat",
    )


def heartbeat_page() -> rx.Component:
    return page_shell(
        live_poller(HeartbeatState.tick),
        rx.cond(
            HeartbeatState.found,
            rx.cond(
                HeartbeatState.loaded,
                rx.vstack(_header(), _checkin_card(), _feed(), _stats(), heartbeat_notifications(), spacing="5", width="100%"),
                rx.center(rx.spinner(size="3"), width="100%", padding="48px"),
            ),
            empty_state("circle-help", "No such heartbeat",
                        "It may have been deleted. Go back to the overview to see what exists.",
                        rx.link(rx.button("Overview"), href="/")),
        ),
        heartbeat_dialog(after_save=HeartbeatState.refresh),
        _delete_dialog(),
    )

