"""The state of the heartbeat page's alerts card: its threshold, where its alerts go, what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import reflex as rx

from dashboard.components.deliveries import DeliveryRow, delivery_row
from dashboard.core import heartbeats
from dashboard.core.alerts import channels
from dashboard.core.alerts import history as alert_history
from dashboard.core.errors import Invalid, NotFound
from dashboard.db import session_scope
from dashboard.state import AuthState, LivePage, authed, in_thread
from dashboard.timeutil import utcnow

RECENT = 20


@dataclass
class RoutedRow:
    name: str = ""
    kind: str = ""
    via: str = ""


def heartbeat_alerting(public_id: str, now: datetime) -> tuple[int, list[RoutedRow], list[DeliveryRow]]:
    with session_scope() as session:
        heartbeat, routed = channels.channels_for_heartbeat(session, heartbeats.get_by_public_id(session, public_id).id)
        views = alert_history.heartbeat_deliveries(session, heartbeat.id, limit=RECENT)
    rows = [RoutedRow(r.channel.name, r.channel.kind, r.via) for r in routed]
    return heartbeat.alert_threshold, rows, [delivery_row(view, now) for view in views]


def save_threshold(public_id: str, raw: str) -> str:
    """"" when saved, else why not."""
    if not raw.strip().isdigit():
        return "a whole number from 1 to 1000"
    try:
        with session_scope(write=True) as session:
            heartbeats.set_alert_threshold(session, heartbeats.get_by_public_id(session, public_id).id, int(raw))
    except Invalid as exc:
        return exc.reason
    return ""


class HeartbeatAlertsState(LivePage, AuthState):
    current_id: str = ""
    alert_threshold: int = 1
    routed: list[RoutedRow] = []
    recent: list[DeliveryRow] = []
    errors: dict[str, str] = {}

    async def _refresh(self) -> None:
        heartbeat_id = self._route_param("heartbeat_id")
        if not heartbeat_id:
            return
        if heartbeat_id != self.current_id:
            self.errors = {}
        self.current_id = heartbeat_id
        try:
            self.alert_threshold, self.routed, self.recent = await in_thread(heartbeat_alerting, heartbeat_id, utcnow())
        except NotFound:
            self.routed, self.recent = [], []

    @rx.event
    @authed
    async def submit_threshold(self, form: dict[str, Any]) -> Any:
        problem = await in_thread(save_threshold, self.current_id, str(form.get("alert_threshold", "")))
        self.errors = {"alert_threshold": problem} if problem else {}
        if problem:
            return None
        await self._refresh()
        return rx.toast.success("Alert threshold saved", duration=2000)
