"""The service page's state: one page of heartbeats, the selection, and what can be done to them."""

from __future__ import annotations

import math
from typing import Any

import reflex as rx

from dashboard.components.status_badge import StatusCount, status_chips
from dashboard.forms.parsing import place_errors
from dashboard.pages.service import data
from dashboard.pages.service.data import HeartbeatRow
from dashboard.state import AuthState, Confirmations, LivePage, authed, in_thread
from dashboard.timeutil import utcnow

DEFAULT_PAGE_SIZE = 50
SERVICE_FIELDS = ("name", "description")
# What the page's confirmation dialogs ask about (``Confirmations.confirm_action``).
DELETE_HEARTBEAT, DELETE_SELECTED, DELETE_SERVICE = "delete-heartbeat", "delete-selected", "delete-service"


def plural(count: int) -> str:
    return f"{count} heartbeat{'s' if count != 1 else ''}"


class ServiceState(Confirmations, LivePage, AuthState):
    current_service_id: str = ""
    found: bool = True
    loaded: bool = False
    service_name: str = ""
    service_description: str = ""
    counts: dict[str, int] = {}
    chips: list[StatusCount] = []
    rows: list[HeartbeatRow] = []
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    total: int = 0
    selected: list[str] = []
    # The edit-service dialog.
    service_dialog_open: bool = False
    errors: dict[str, str] = {}

    @rx.var
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @rx.var
    def range_text(self) -> str:
        if not self.total:
            return "no heartbeats"
        first = (self.page - 1) * self.page_size + 1
        last = min(self.total, self.page * self.page_size)
        return f"{first:,}–{last:,} of {self.total:,}"

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and all(row.id in self.selected for row in self.rows)

    @rx.var
    def selected_count(self) -> int:
        return len(self.selected)

    @rx.var
    def page_size_text(self) -> str:
        return str(self.page_size)

    def _is_showing(self) -> bool:
        return bool(self.current_service_id) and self._route_param("service_id") == self.current_service_id

    async def _refresh(self) -> None:
        found = await in_thread(data.load_service_page, self.current_service_id, self.page, self.page_size, utcnow())
        self.loaded = True
        if found is None:
            self.found = False
            self.rows, self.total = [], 0
            return
        self.found = True
        self.service_name, self.service_description = found.name, found.description
        self.counts, self.chips = found.counts, status_chips(found.counts)
        self.rows, self.page, self.total = found.rows, found.page, found.total

    @rx.event
    @authed
    async def load(self) -> None:
        service_id = self._route_param("service_id")
        if service_id != self.current_service_id:
            self.page, self.selected, self.loaded = 1, [], False
        self.current_service_id = service_id
        await self._refresh()

    @rx.event
    @authed
    async def refresh(self) -> None:
        await self._refresh()

    # --- paging --------------------------------------------------------------
    @rx.event
    @authed
    async def go_to_page(self, page: int) -> None:
        self.page = max(1, min(int(page), self.page_count))
        await self._refresh()

    @rx.event
    @authed
    async def set_page_size(self, size: str) -> None:
        self.page_size, self.page = int(size), 1
        await self._refresh()

    # --- selection -----------------------------------------------------------
    @rx.event
    def toggle_selected(self, heartbeat_id: str, checked: bool) -> None:
        if checked and heartbeat_id not in self.selected:
            self.selected = [*self.selected, heartbeat_id]
        elif not checked:
            self.selected = [i for i in self.selected if i != heartbeat_id]

    @rx.event
    def toggle_all(self, checked: bool) -> None:
        page_ids = [row.id for row in self.rows]
        if checked:
            self.selected = list(dict.fromkeys([*self.selected, *page_ids]))
        else:
            self.selected = [i for i in self.selected if i not in page_ids]

    @rx.event
    def clear_selection(self) -> None:
        self.selected = []

    # --- one heartbeat, or the selected ones ---------------------------------
    @rx.event
    @authed
    async def pause_or_resume(self, heartbeat_id: str, enabled: bool) -> Any:
        await in_thread(data.pause_or_resume, [heartbeat_id], enabled)
        await self._refresh()
        return rx.toast.success("Resumed" if enabled else "Paused", duration=2000)

    @rx.event
    @authed
    async def pause_or_resume_selected(self, enabled: bool) -> Any:
        count = await in_thread(data.pause_or_resume, list(self.selected), enabled)
        await self._refresh()
        return rx.toast.success(f"{'Resumed' if enabled else 'Paused'} {plural(count)}")

    @rx.event
    @authed
    async def confirm_delete(self) -> Any:
        """After ``ask_confirm(DELETE_HEARTBEAT, id, name)``."""
        doomed = self.confirm_target_id
        await in_thread(data.delete_many, [doomed])
        self.selected = [i for i in self.selected if i != doomed]
        self._close_confirm()
        await self._refresh()
        return rx.toast.success(f"Deleted {self.confirm_target_name}")

    @rx.event
    @authed
    async def confirm_bulk_delete(self) -> Any:
        count = await in_thread(data.delete_many, list(self.selected))
        self.selected = []
        self._close_confirm()
        await self._refresh()
        return rx.toast.success(f"Deleted {plural(count)}")

    # --- the service itself --------------------------------------------------
    @rx.event
    def set_service_dialog_open(self, value: bool) -> None:
        self.errors = {}
        self.service_dialog_open = value

    @rx.event
    @authed
    async def save_service(self, form: dict[str, Any]) -> Any:
        self.errors = place_errors(await in_thread(data.update_service_from_form, self.current_service_id, form),
                                   SERVICE_FIELDS, "name")
        if self.errors:
            return None
        self.service_dialog_open = False
        await self._refresh()
        return rx.toast.success("Service saved")

    @rx.event
    @authed
    async def confirm_delete_service(self) -> Any:
        await in_thread(data.delete_with_heartbeats, self.current_service_id)
        self._close_confirm()
        return [rx.redirect("/"), rx.toast.success(f"Deleted service {self.service_name}")]
