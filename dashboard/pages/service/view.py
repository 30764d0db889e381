"""The service page's components."""

from __future__ import annotations

import reflex as rx

from dashboard.components.heartbeat_dialog import heartbeat_dialog
from dashboard.components.layout import confirm_dialog, empty_state, field_error, form_dialog, live_poller, page_shell, relative_time
from dashboard.components.status_badge import status_badge, status_chip
from dashboard.forms.heartbeat import HeartbeatFormState
from dashboard.pages.service.data import HeartbeatRow
from dashboard.pages.service.state import DELETE_HEARTBEAT, DELETE_SELECTED, DELETE_SERVICE, ServiceState

PAGE_SIZES = ["25", "50", "100", "200"]


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
                                   title="Pause", on_click=ServiceState.pause_or_resume(row.id, False),
                                   class_name="hb-pause"),
                    rx.icon_button(rx.icon("play", size=14), size="1", variant="soft", color_scheme="grass",
                                   title="Resume", on_click=ServiceState.pause_or_resume(row.id, True),
                                   class_name="hb-resume"),
                ),
                rx.icon_button(rx.icon("pencil", size=14), size="1", variant="soft", color_scheme="gray",
                               title="Edit", on_click=HeartbeatFormState.open_edit(row.id), class_name="hb-edit"),
                rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red",
                               title="Delete", on_click=ServiceState.ask_confirm(DELETE_HEARTBEAT, row.id, row.name),
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
                          on_click=ServiceState.pause_or_resume_selected(False), id="bulk-pause"),
                rx.button(rx.icon("play", size=14), "Resume", size="1", variant="soft", color_scheme="grass",
                          on_click=ServiceState.pause_or_resume_selected(True), id="bulk-resume"),
                rx.button(rx.icon("trash-2", size=14), "Delete…", size="1", variant="soft", color_scheme="red",
                          on_click=ServiceState.ask_confirm(DELETE_SELECTED, "", ""), id="bulk-delete"),
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
        field_error(ServiceState.errors, "name", "svc-edit-name-error"),
        rx.text("Description", size="2", weight="medium"),
        rx.text_area(name="description", default_value=ServiceState.service_description,
                     id="svc-edit-description", width="100%"),
        field_error(ServiceState.errors, "description", "svc-edit-description-error"),
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
                          on_click=ServiceState.ask_confirm(DELETE_SERVICE, ServiceState.current_service_id, ServiceState.service_name), id="delete-service"),
                spacing="2", wrap="wrap",
            ),
            width="100%", align="end", wrap="wrap", spacing="3",
        ),
        rx.hstack(
            rx.foreach(ServiceState.chips, lambda chip: status_chip(chip, size="2")),
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
        confirm_dialog(ServiceState, DELETE_HEARTBEAT, rx.text("Delete ", ServiceState.confirm_target_name, "?"),
                       "Its check-in URL stops working (404) and its events and statistics are deleted. "
                       "This cannot be undone.",
                       "Delete", ServiceState.confirm_delete, "confirm-delete"),
        confirm_dialog(ServiceState, DELETE_SELECTED, rx.text("Delete ", ServiceState.selected_count, " heartbeats?"),
                       "Their check-in URLs stop working (404) and their events and statistics are deleted. "
                       "This cannot be undone.",
                       "Delete them", ServiceState.confirm_bulk_delete, "confirm-bulk-delete"),
        confirm_dialog(ServiceState, DELETE_SERVICE, rx.text("Delete the service ", ServiceState.service_name, "?"),
                       rx.text("Its ", ServiceState.total, " heartbeats, their events and statistics are deleted too. "
                               "This cannot be undone."),
                       "Delete service", ServiceState.confirm_delete_service, "confirm-delete-service"),
    )

