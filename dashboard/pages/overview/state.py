"""The overview's state: totals and service cards, refreshed while the page is open."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.forms.parsing import place_errors
from dashboard.pages.overview import data
from dashboard.pages.overview.data import OverviewService
from dashboard.state import AuthState, LivePage, authed, in_thread
from dashboard.timeutil import utcnow

SERVICE_FIELDS = ("name", "description")


class OverviewState(LivePage, AuthState):
    totals: dict[str, int] = {}
    services: list[OverviewService] = []
    loaded: bool = False
    new_service_open: bool = False
    errors: dict[str, str] = {}

    async def _refresh(self) -> None:
        self.totals, self.services = await in_thread(data.load_overview, utcnow())
        self.loaded = True

    @rx.event
    def set_new_service_open(self, value: bool) -> None:
        self.errors = {}
        self.new_service_open = value

    @rx.event
    @authed
    async def submit_service(self, form: dict[str, Any]) -> Any:
        service_id, errors = await in_thread(data.create_service_from_form, form)
        self.errors = place_errors(errors, SERVICE_FIELDS, "name")
        if service_id is None:
            return None
        self.new_service_open = False
        return rx.redirect(f"/services/{service_id}")
