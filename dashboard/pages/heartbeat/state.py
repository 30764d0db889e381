"""The heartbeat page's state: its facts, the live feed, the statistics pickers, pause and delete."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from dashboard.components import snippets
from dashboard.core.errors import DomainError, NotFound
from dashboard.pages.heartbeat import data
from dashboard.pages.heartbeat.data import FEED_PAGE, INTERVALS, RANGES, EventRow, FeedItem, HeartbeatInfo
from dashboard.state import AuthState, Confirmations, LivePage, authed, in_thread
from dashboard.timeutil import utcnow

DELETE_HEARTBEAT = "delete-heartbeat"
REGENERATE_URL = "regenerate-check-in-url"


class HeartbeatState(Confirmations, LivePage, AuthState):
    current_id: str = ""
    found: bool = True
    loaded: bool = False
    info: HeartbeatInfo = HeartbeatInfo()
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
    counts_figure: go.Figure = go.Figure()
    uptime_figure: go.Figure = go.Figure()
    durations_figure: go.Figure = go.Figure()
    show_durations: bool = False
    uptime_text: str = "–"
    checkin_total: int = 0
    failure_total: int = 0
    miss_total: int = 0
    snippet_tab: str = "crontab"
    # "stats": why the chosen range or bucket cannot be charted.
    errors: dict[str, str] = {}

    @rx.var
    def snippet_texts(self) -> dict[str, str]:
        return snippets.all_snippets(self.info.url, self.info.interval) if self.info.url else {}

    @rx.var
    def curl_example(self) -> str:
        return f"curl -fsS {self.info.url}"

    def _render_feed(self, now: datetime) -> None:
        rows = [data.event_row(item, now) for item in self._feed]
        if rows != self.events:
            self.events = rows

    async def _load_info(self, now: datetime) -> bool:
        info = await in_thread(data.load_heartbeat, self.current_id, now)
        self.loaded = True
        self.found = info is not None
        if info is not None and info != self.info:
            self.info = info
        return info is not None

    async def _load_stats(self) -> None:
        now = utcnow()
        try:
            start, end = data.stats_window(self.stats_range, self.custom_start, self.custom_end, now)
            result = await in_thread(data.load_stats, self.current_id, self.stats_interval, start, end, now)
        except DomainError as exc:
            self.errors = {"stats": exc.message}
            return
        self.errors = {}
        self.counts_figure, self.uptime_figure = result.counts, result.uptime
        self.show_durations = result.durations is not None
        if result.durations is not None:
            self.durations_figure = result.durations
        self.uptime_text = result.uptime_text
        self.checkin_total, self.failure_total, self.miss_total = result.checkins, result.failures, result.misses

    def _is_showing(self) -> bool:
        return bool(self.current_id) and self.found and self._route_param("heartbeat_id") == self.current_id

    async def _refresh_live(self) -> None:
        """Every 2 s while the page is open: status, new events, and the chart when they change it."""
        now = utcnow()
        if not await self._load_info(now):
            return
        if self._feed:
            newest = self._feed[0]
            fresh = await in_thread(data.events_after, self.current_id, newest.received_at, newest.id, FEED_PAGE)
            if len(fresh) == FEED_PAGE:
                # A burst: rather than chase it page by page, show the newest page.
                self._feed = await in_thread(data.newest_events, self.current_id)
                self.has_older = True
            elif fresh:
                self._feed, dropped = data.merge_new(self._feed, fresh)
                self.has_older = self.has_older or dropped
        else:
            fresh = await in_thread(data.newest_events, self.current_id)
            self._feed = fresh
            self.has_older = len(fresh) == FEED_PAGE
        self._render_feed(now)
        if fresh and self.stats_range in RANGES:
            await self._load_stats()

    @rx.event
    @authed
    async def load(self) -> None:
        heartbeat_id = self._route_param("heartbeat_id")
        if heartbeat_id != self.current_id:
            self.events, self._feed, self.has_older, self.loaded = [], [], False, False
            self.stats_interval, self.stats_range, self.snippet_tab = "1h", "24h", "crontab"
        self.current_id = heartbeat_id
        now = utcnow()
        if not await self._load_info(now):
            return
        self._feed = await in_thread(data.newest_events, self.current_id)
        self.has_older = len(self._feed) == FEED_PAGE
        self._render_feed(now)
        await self._load_stats()

    @rx.event
    @authed
    async def load_older(self) -> Any:
        if not self._feed:
            return
        oldest = self._feed[-1]
        self.loading_older = True
        yield
        older = await in_thread(data.older_events, self.current_id, oldest.received_at, oldest.id)
        self._feed = [*self._feed, *older]
        self.has_older = len(older) == FEED_PAGE
        self.loading_older = False
        self._render_feed(utcnow())

    # --- statistics pickers ---------------------------------------------------
    @rx.event
    @authed
    async def set_stats_interval(self, value: str) -> None:
        if value in INTERVALS:
            self.stats_interval = value
            await self._load_stats()

    @rx.event
    @authed
    async def set_stats_range(self, value: str) -> None:
        self.stats_range = value
        if value in RANGES:
            self.stats_interval = RANGES[value][1]
        elif not self.custom_start:
            today = utcnow().date()
            self.custom_start, self.custom_end = (today - timedelta(days=6)).isoformat(), today.isoformat()
            self.stats_interval = "3h"
        await self._load_stats()

    @rx.event
    @authed
    async def set_custom_start(self, value: str) -> None:
        self.custom_start = value
        await self._load_stats()

    @rx.event
    @authed
    async def set_custom_end(self, value: str) -> None:
        self.custom_end = value
        await self._load_stats()

    @rx.event
    def set_snippet_tab(self, value: str) -> None:
        self.snippet_tab = value

    # --- actions --------------------------------------------------------------
    @rx.event
    @authed
    async def pause_or_resume(self, enabled: bool) -> Any:
        try:
            await in_thread(data.pause_or_resume, self.current_id, enabled)
        except NotFound:
            return rx.toast.error("This heartbeat no longer exists")
        await self._load_info(utcnow())
        return rx.toast.success("Resumed" if enabled else "Paused", duration=2000)

    @rx.event
    @authed
    async def confirm_delete(self) -> Any:
        """After ``ask_confirm(DELETE_HEARTBEAT, id, name)``."""
        await in_thread(data.remove_heartbeat, self.current_id)
        self._close_confirm()
        self.found = False
        return [rx.redirect(f"/services/{self.info.service_id}"), rx.toast.success(f"Deleted {self.info.name}")]

    @rx.event
    @authed
    async def confirm_regenerate(self) -> Any:
        """After ``ask_confirm(REGENERATE_URL, id, name)``: a new check-in secret, the old URL 404s."""
        self._close_confirm()
        try:
            await in_thread(data.regenerate_check_in_url, self.current_id)
        except NotFound:
            return rx.toast.error("This heartbeat no longer exists")
        await self._load_info(utcnow())
        return rx.toast.success("New check-in URL: update the job, the old URL no longer works", duration=5000)

    @rx.event
    @authed
    async def refresh(self) -> None:
        if self.current_id:
            await self._load_info(utcnow())
