"""/services/[service_id]: a service's heartbeats, paged, with single and bulk actions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import reflex as rx
from pydantic import ValidationError

from dashboard.components.humanize import duration_text, exact_text, relative_text
from dashboard.components.layout import confirm_dialog, empty_state, field_error, form_dialog, live_poller, page_shell, relative_time
from dashboard.components.status_badge import status_badge
from dashboard.core import heartbeats, services
from dashboard.core.contracts import ServiceUpdate
from dashboard.core.errors import DomainError, NotFound
from dashboard.db import session_scope
from dashboard.models import Heartbeat
from dashboard.pages.forms import domain_errors, validation_errors
from dashboard.pages.heartbeat_form import HeartbeatFormState, heartbeat_dialog
from dashboard.state import AuthState, in_thread
from dashboard.styles import STATUS_COLORS
from dashboard.timeutil import utcnow

PAGE_SIZES = ["25", "50", "100", "200"]
DEFAULT_PAGE_SIZE = 50


@dataclass
class HeartbeatRow:
    id: str = ""
    name: str = ""
    status: str = ""
    enabled: bool = True
    href: str = ""
    interval_text: str = ""
    grace_text: str = ""
    last_ping_text: str = ""
    last_ping_exact: str = ""
    next_due_text: str = ""
    next_due_exact: str = ""


@dataclass
class StatusCount:
    status: str = ""
    count: int = 0
    color: str = "gray"


def next_due_text(heartbeat: Heartbeat, status: str, now: datetime) -> str:
    if status == "paused":
        return "paused"
    if heartbeat.next_due_at is None:
        return "after the first check-in"
    if status == "down":
        return "overdue"
    return relative_text(heartbeat.next_due_at, now)


def heartbeat_row(heartbeat: Heartbeat, now: datetime) -> HeartbeatRow:
    status = heartbeat.get_status(now)
    return HeartbeatRow(
        id=heartbeat.id,
        name=heartbeat.name,
        status=status,
        enabled=heartbeat.enabled,
        href=f"/heartbeats/{heartbeat.id}",
        interval_text=duration_text(heartbeat.interval),
        grace_text=duration_text(heartbeat.grace) if heartbeat.grace else "none",
        last_ping_text=relative_text(heartbeat.last_ping_at, now),
        last_ping_exact=exact_text(heartbeat.last_ping_at),
        next_due_text=next_due_text(heartbeat, status, now),
        next_due_exact=exact_text(heartbeat.next_due_at),
    )


def status_chips(counts: dict[str, int]) -> list[StatusCount]:
    """The non-zero status counts, worst first."""
    order = ("down", "late", "up", "new", "paused")
    return [StatusCount(s, counts.get(s, 0), STATUS_COLORS[s]) for s in order if counts.get(s, 0)]


@dataclass
class ServicePageData:
    name: str
    description: str
    counts: dict[str, int]
    rows: list[HeartbeatRow]
    page: int
    total: int


def load_service_page(service_id: str, page: int, limit: int, now: datetime) -> ServicePageData | None:
    """One page of the service's heartbeats (None for an unknown service).

    A page past the end (after deleting its last rows) falls back to the last page.
    """
    try:
        with session_scope() as session:
            overview = services.get_service_overview(session, service_id, now)
            total = overview.heartbeat_count
            last_page = max(1, math.ceil(total / limit))
            page = min(max(page, 1), last_page)
            listing = heartbeats.list_heartbeats(session, service_id, page=page, limit=limit)
            return ServicePageData(
                name=overview.service.name,
                description=overview.service.description,
                counts=overview.status_counts,
                rows=[heartbeat_row(hb, now) for hb in listing.items],
                page=page,
                total=listing.total,
            )
    except NotFound:
        return None


def set_enabled(ids: list[str], enabled: bool) -> int:
    with session_scope(write=True) as session:
        return len(heartbeats.set_heartbeats_enabled(session, ids, enabled, utcnow()).done)


def delete_many(ids: list[str]) -> int:
    with session_scope(write=True) as session:
        return len(heartbeats.delete_heartbeats(session, ids, utcnow()).done)


def rename_service(service_id: str, form: dict[str, Any]) -> dict[str, str]:
    """Apply the edit-service form; returns field errors (empty on success)."""
    try:
        data = ServiceUpdate.model_validate({"name": str(form.get("name", "")),
                                             "description": str(form.get("description", ""))})
    except ValidationError as exc:
        return validation_errors(exc)
    try:
        with session_scope(write=True) as session:
            services.update_service(session, service_id, data, utcnow())
    except DomainError as exc:
        return domain_errors(exc)
    return {}


def delete_service(service_id: str) -> None:
    with session_scope(write=True) as session:
        services.delete_service(session, service_id, cascade=True, now=utcnow())


class ServiceState(AuthState):
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
    # Confirmations and the service dialog.
    delete_target_id: str = ""
    delete_target_name: str = ""
    delete_open: bool = False
    bulk_delete_open: bool = False
    service_dialog_open: bool = False
    service_delete_open: bool = False
    svc_err_name: str = ""
    svc_err_description: str = ""

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

    def _route_service_id(self) -> str:
        parts = [p for p in self.router.url.path.split("/") if p]
        return parts[1] if len(parts) >= 2 and parts[0] == "services" else ""

    async def _refresh(self) -> None:
        data = await in_thread(load_service_page, self.current_service_id, self.page, self.page_size, utcnow())
        self.loaded = True
        if data is None:
            self.found = False
            self.rows, self.total = [], 0
            return
        self.found = True
        self.service_name, self.service_description = data.name, data.description
        self.counts, self.chips = data.counts, status_chips(data.counts)
        self.rows, self.page, self.total = data.rows, data.page, data.total

    @rx.event
    async def load(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        service_id = self._route_service_id()
        if service_id != self.current_service_id:
            self.page, self.selected, self.loaded = 1, [], False
        self.current_service_id = service_id
        await self._refresh()
        return None

    @rx.event
    async def tick(self, _value: str = "") -> Any:
        # The timer also fires as the page mounts; until on_load has switched to the
        # service in the URL, leave it alone rather than refresh the previous one.
        if not self.current_service_id or self._route_service_id() != self.current_service_id:
            return None
        if await self._user() is None:
            return await self._login_redirect()
        await self._poll(self._refresh)
        return None

    @rx.event
    async def refresh(self) -> None:
        if await self._user() is not None:
            await self._refresh()

    # --- paging --------------------------------------------------------------
    @rx.event
    async def go_to_page(self, page: int) -> None:
        self.page = max(1, min(int(page), self.page_count))
        if await self._user() is not None:
            await self._refresh()

    @rx.event
    async def set_page_size(self, size: str) -> None:
        self.page_size, self.page = int(size), 1
        if await self._user() is not None:
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

    # --- single actions ------------------------------------------------------
    @rx.event
    async def set_one_enabled(self, heartbeat_id: str, enabled: bool) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        await in_thread(set_enabled, [heartbeat_id], enabled)
        await self._refresh()
        return rx.toast.success("Resumed" if enabled else "Paused", duration=2000)

    @rx.event
    def ask_delete(self, heartbeat_id: str, name: str) -> None:
        self.delete_target_id, self.delete_target_name, self.delete_open = heartbeat_id, name, True

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        self.delete_open = value

    @rx.event
    async def confirm_delete(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        await in_thread(delete_many, [self.delete_target_id])
        self.selected = [i for i in self.selected if i != self.delete_target_id]
        self.delete_open = False
        await self._refresh()
        return rx.toast.success(f"Deleted {self.delete_target_name}")

    # --- bulk actions --------------------------------------------------------
    @rx.event
    async def bulk_set_enabled(self, enabled: bool) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        count = await in_thread(set_enabled, list(self.selected), enabled)
        await self._refresh()
        return rx.toast.success(f"{'Resumed' if enabled else 'Paused'} {count} heartbeat{'s' if count != 1 else ''}")

    @rx.event
    def set_bulk_delete_open(self, value: bool) -> None:
        self.bulk_delete_open = value

    @rx.event
    async def confirm_bulk_delete(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        count = await in_thread(delete_many, list(self.selected))
        self.selected, self.bulk_delete_open = [], False
        await self._refresh()
        return rx.toast.success(f"Deleted {count} heartbeat{'s' if count != 1 else ''}")

    # --- the service itself --------------------------------------------------
    @rx.event
    def set_service_dialog_open(self, value: bool) -> None:
        self.svc_err_name = self.svc_err_description = ""
        self.service_dialog_open = value

    @rx.event
    async def save_service(self, form: dict[str, Any]) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        errors = await in_thread(rename_service, self.current_service_id, form)
        self.svc_err_name = errors.get("name", errors.get("form", ""))
        self.svc_err_description = errors.get("description", "")
        if errors:
            return None
        self.service_dialog_open = False
        await self._refresh()
        return rx.toast.success("Service saved")

    @rx.event
    def set_service_delete_open(self, value: bool) -> None:
        self.service_delete_open = value

    @rx.event
    async def confirm_delete_service(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        try:
            await in_thread(delete_service, self.current_service_id)
        except NotFound:
            pass
        self.service_delete_open = False
        return [rx.redirect("/"), rx.toast.success(f"Deleted service {self.service_name}")]


# --- components ------------------------------------------------------------------


def _row(row: HeartbeatRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.checkbox(checked=ServiceState.selected.contains(row.id),
                        on_change=lambda checked: ServiceState.toggle_selected(row.id, checked),
                        custom_attrs={"aria-label": "select"}, class_name="hb-select"),
        ),
        rx.table.row_header_cell(
            rx.link(row.name, href=row.href, weight="medium", class_name="hb-name-link"),
        ),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(rx.text(row.interval_text, size="2"), display=["none", "table-cell"]),
        rx.table.cell(rx.text(row.grace_text, size="2", color_scheme="gray"), display=["none", "none", "table-cell"]),
        rx.table.cell(relative_time(row.last_ping_text, row.last_ping_exact), display=["none", "table-cell"]),
        rx.table.cell(relative_time(row.next_due_text, row.next_due_exact), display=["none", "none", "table-cell"]),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.enabled,
                    rx.icon_button(rx.icon("pause", size=14), size="1", variant="soft", color_scheme="gray",
                                   title="Pause", on_click=ServiceState.set_one_enabled(row.id, False),
                                   class_name="hb-pause"),
                    rx.icon_button(rx.icon("play", size=14), size="1", variant="soft", color_scheme="grass",
                                   title="Resume", on_click=ServiceState.set_one_enabled(row.id, True),
                                   class_name="hb-resume"),
                ),
                rx.icon_button(rx.icon("pencil", size=14), size="1", variant="soft", color_scheme="gray",
                               title="Edit", on_click=HeartbeatFormState.open_edit(row.id), class_name="hb-edit"),
                rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red",
                               title="Delete", on_click=ServiceState.ask_delete(row.id, row.name),
                               class_name="hb-delete"),
                spacing="2",
                justify="end",
            ),
        ),
        custom_attrs={"data-heartbeat-id": row.id, "data-name": row.name},
        class_name="hb-row",
        align="center",
    )


def _table() -> rx.Component:
    header = rx.table.header(
        rx.table.row(
            rx.table.column_header_cell(
                rx.checkbox(checked=ServiceState.all_selected, on_change=ServiceState.toggle_all, id="hb-select-all",
                            custom_attrs={"aria-label": "select all on this page"}),
                width="36px",
            ),
            rx.table.column_header_cell("Name"),
            rx.table.column_header_cell("Status"),
            rx.table.column_header_cell("Every", display=["none", "table-cell"]),
            rx.table.column_header_cell("Grace", display=["none", "none", "table-cell"]),
            rx.table.column_header_cell("Last check-in", display=["none", "table-cell"]),
            rx.table.column_header_cell("Next due", display=["none", "none", "table-cell"]),
            rx.table.column_header_cell(""),
        )
    )
    return rx.box(
        rx.table.root(header, rx.table.body(rx.foreach(ServiceState.rows, _row)), variant="surface", size="2",
                      width="100%", id="heartbeat-table"),
        width="100%",
        overflow_x="auto",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text(ServiceState.range_text, size="2", color_scheme="gray", id="hb-range"),
        rx.spacer(),
        rx.hstack(
            rx.text("Per page", size="2", color_scheme="gray"),
            rx.select(PAGE_SIZES, value=ServiceState.page_size_text, on_change=ServiceState.set_page_size,
                      size="1", id="hb-page-size"),
            align="center", spacing="2",
        ),
        rx.icon_button(rx.icon("chevron-left", size=16), size="1", variant="soft", id="hb-prev",
                       disabled=ServiceState.page <= 1, on_click=ServiceState.go_to_page(ServiceState.page - 1),
                       title="Previous page"),
        rx.text(ServiceState.page, " / ", ServiceState.page_count, size="2", id="hb-page"),
        rx.icon_button(rx.icon("chevron-right", size=16), size="1", variant="soft", id="hb-next",
                       disabled=ServiceState.page >= ServiceState.page_count,
                       on_click=ServiceState.go_to_page(ServiceState.page + 1), title="Next page"),
        align="center",
        spacing="3",
        width="100%",
        wrap="wrap",
    )


def _bulk_bar() -> rx.Component:
    return rx.cond(
        ServiceState.selected_count > 0,
        rx.callout.root(
            rx.hstack(
                rx.text(ServiceState.selected_count, " selected", weight="medium", id="bulk-count"),
                rx.button(rx.icon("pause", size=14), "Pause", size="1", variant="soft", color_scheme="gray",
                          on_click=ServiceState.bulk_set_enabled(False), id="bulk-pause"),
                rx.button(rx.icon("play", size=14), "Resume", size="1", variant="soft", color_scheme="grass",
                          on_click=ServiceState.bulk_set_enabled(True), id="bulk-resume"),
                rx.button(rx.icon("trash-2", size=14), "Delete…", size="1", variant="soft", color_scheme="red",
                          on_click=ServiceState.set_bulk_delete_open(True), id="bulk-delete"),
                rx.spacer(),
                rx.button("Clear", size="1", variant="ghost", on_click=ServiceState.clear_selection),
                align="center", spacing="3", width="100%", wrap="wrap",
            ),
            width="100%",
            variant="surface",
            size="1",
        ),
    )


def _service_dialog() -> rx.Component:
    return form_dialog(
        "Edit service",
        rx.text("Name", size="2", weight="medium"),
        rx.input(name="name", default_value=ServiceState.service_name, id="svc-edit-name", width="100%"),
        field_error(ServiceState.svc_err_name, "svc-edit-name-error"),
        rx.text("Description", size="2", weight="medium"),
        rx.text_area(name="description", default_value=ServiceState.service_description,
                     id="svc-edit-description", width="100%"),
        field_error(ServiceState.svc_err_description, "svc-edit-description-error"),
        submit=rx.button("Save", type="submit", id="svc-edit-save"),
        on_submit=ServiceState.save_service,
        open=ServiceState.service_dialog_open,
        on_open_change=ServiceState.set_service_dialog_open,
    )


def _header() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("chevron-left", size=14), "Overview", spacing="1", align="center"),
                href="/", size="2", color_scheme="gray"),
        rx.hstack(
            rx.vstack(
                rx.heading(ServiceState.service_name, size="7", id="service-name"),
                rx.cond(ServiceState.service_description != "",
                        rx.text(ServiceState.service_description, color_scheme="gray", size="2")),
                spacing="1",
            ),
            rx.spacer(),
            rx.hstack(
                rx.button(rx.icon("plus", size=16), "New heartbeat", id="new-heartbeat",
                          on_click=HeartbeatFormState.open_create(ServiceState.current_service_id)),
                rx.button(rx.icon("pencil", size=14), "Edit", variant="soft", color_scheme="gray",
                          on_click=ServiceState.set_service_dialog_open(True), id="edit-service"),
                rx.button(rx.icon("trash-2", size=14), "Delete", variant="soft", color_scheme="red",
                          on_click=ServiceState.set_service_delete_open(True), id="delete-service"),
                spacing="2", wrap="wrap",
            ),
            width="100%", align="end", wrap="wrap", spacing="3",
        ),
        rx.hstack(
            rx.foreach(ServiceState.chips, lambda chip: rx.badge(chip.count, " ", chip.status,
                                                                    color_scheme=chip.color, variant="soft", size="2")),
            spacing="2", wrap="wrap",
        ),
        spacing="2",
        width="100%",
    )


def _not_found() -> rx.Component:
    return empty_state("circle-help", "No such service",
                       "It may have been deleted. Go back to the overview to see the services that exist.",
                       rx.link(rx.button("Overview"), href="/"))


def _empty() -> rx.Component:
    return empty_state(
        "heart-pulse",
        "No heartbeats in this service yet",
        "A heartbeat watches one job: a cron entry, a backup, a queue worker. Create one, then make the job "
        "call its check-in URL each time it runs. Lubdub alerts you when a call does not arrive in time.",
        rx.button(rx.icon("plus", size=16), "Create the first heartbeat", id="empty-new-heartbeat",
                  on_click=HeartbeatFormState.open_create(ServiceState.current_service_id)),
        id="service-empty",
    )


def service_page() -> rx.Component:
    return page_shell(
        live_poller(ServiceState.tick),
        rx.cond(
            ServiceState.found,
            rx.vstack(
                _header(),
                rx.cond(
                    ServiceState.total > 0,
                    rx.vstack(_bulk_bar(), _table(), _pager(), spacing="3", width="100%"),
                    rx.cond(ServiceState.loaded, _empty()),
                ),
                spacing="5",
                width="100%",
            ),
            _not_found(),
        ),
        heartbeat_dialog(after_save=ServiceState.refresh),
        _service_dialog(),
        confirm_dialog(ServiceState.delete_open, ServiceState.set_delete_open,
                 rx.text("Delete ", ServiceState.delete_target_name, "?"),
                 "Its check-in URL stops working (404) and its events and statistics are deleted. This cannot be undone.",
                 "Delete", ServiceState.confirm_delete, "confirm-delete"),
        confirm_dialog(ServiceState.bulk_delete_open, ServiceState.set_bulk_delete_open,
                 rx.text("Delete ", ServiceState.selected_count, " heartbeats?"),
                 "Their check-in URLs stop working (404) and their events and statistics are deleted. "
                 "This cannot be undone.",
                 "Delete them", ServiceState.confirm_bulk_delete, "confirm-bulk-delete"),
        confirm_dialog(ServiceState.service_delete_open, ServiceState.set_service_delete_open,
                 rx.text("Delete the service ", ServiceState.service_name, "?"),
                 rx.text("Its ", ServiceState.total, " heartbeats, their events and statistics are deleted too. "
                         "This cannot be undone."),
                 "Delete service", ServiceState.confirm_delete_service, "confirm-delete-service"),
    )

