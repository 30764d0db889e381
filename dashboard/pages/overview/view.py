"""The overview's components."""

from __future__ import annotations

import reflex as rx

from dashboard.components.layout import (
    empty_state,
    field_error,
    form_dialog,
    live_poller,
    page_shell,
    relative_time,
    status_count_card,
)
from dashboard.components.status_badge import status_badge, status_chip
from dashboard.pages.overview.data import OverviewHeartbeat, OverviewService
from dashboard.pages.overview.state import OverviewState
from dashboard.styles import STATUS_COLORS, STATUS_ORDER


def _heartbeat_line(hb: OverviewHeartbeat) -> rx.Component:
    return rx.hstack(
        status_badge(hb.status),
        rx.link(hb.name, href=hb.href, weight="medium", size="2", class_name="overview-heartbeat",
                overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
        rx.spacer(),
        rx.text(hb.interval_text, size="1", color_scheme="gray", display=["none", "block"], white_space="nowrap"),
        rx.text(relative_time(hb.last_ping_text, hb.last_ping_exact), size="1", color_scheme="gray"),
        align="center",
        spacing="3",
        width="100%",
        custom_attrs={"data-heartbeat-id": hb.id},
    )


def _service_card(service: OverviewService) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(rx.heading(service.name, size="4"), href=service.href, underline="hover",
                        class_name="overview-service-link"),
                rx.spacer(),
                rx.hstack(
                    rx.foreach(service.chips, status_chip),
                    spacing="1", wrap="wrap", justify="end",
                ),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(service.description != "", rx.text(service.description, size="2", color_scheme="gray")),
            rx.cond(
                service.heartbeat_count > 0,
                rx.vstack(rx.foreach(service.heartbeats, _heartbeat_line), spacing="2", width="100%"),
                rx.text("No heartbeats yet — open the service to add one.", size="2", color_scheme="gray"),
            ),
            rx.cond(
                service.more > 0,
                rx.link("and ", service.more, " more →", href=service.href, size="2"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        # Every card has the stripe (so they line up); its colour is the service's worst status.
        border_left=rx.match(service.worst_status, *[(k, f"4px solid var(--{v}-9)") for k, v in STATUS_COLORS.items()],
                             "4px solid var(--gray-6)"),
        class_name="overview-service",
        custom_attrs={"data-service-id": service.id, "data-worst-status": service.worst_status},
    )


def _counts() -> rx.Component:
    cards = [
        status_count_card(label.capitalize(), OverviewState.totals[label].to(int), STATUS_COLORS[label], f"count-{label}")
        for label in STATUS_ORDER
    ]
    return rx.grid(*cards, columns=rx.breakpoints(initial="3", md="5"), spacing="3", width="100%")


def _new_service_dialog() -> rx.Component:
    return form_dialog(
        "New service",
        rx.text("Name", size="2", weight="medium"),
        rx.input(name="name", id="svc-name", placeholder="billing", width="100%", auto_focus=True),
        field_error(OverviewState.errors, "name", "svc-name-error"),
        rx.text("Description (optional)", size="2", weight="medium"),
        rx.text_area(name="description", id="svc-description", width="100%"),
        field_error(OverviewState.errors, "description", "svc-description-error"),
        submit=rx.button("Create", type="submit", id="svc-create"),
        on_submit=OverviewState.submit_service,
        open=OverviewState.new_service_open,
        on_open_change=OverviewState.set_new_service_open,
        intro="A service groups the heartbeats of one system, team or customer.",
        trigger=rx.button(rx.icon("plus", size=16), "New service", id="new-service"),
    )


def _welcome() -> rx.Component:
    return empty_state(
        "heart-pulse",
        "Nothing monitored yet",
        rx.vstack(
            rx.text("Lubdub watches recurring jobs. Three steps get you going:", color_scheme="gray", align="center"),
            rx.el.ol(
                rx.el.li("Create a service — a group such as \u201cbilling\u201d or \u201cbackups\u201d."),
                rx.el.li("Add a heartbeat for each job, saying how often it runs."),
                rx.el.li("Make the job call the heartbeat's URL; you are alerted when a call is late."),
                style={"padding_left": "20px", "font_size": "14px", "line_height": "1.7"},
            ),
            align="center", spacing="2",
        ),
        _new_service_dialog(),
        id="overview-empty",
    )


def overview_page() -> rx.Component:
    return page_shell(
        live_poller(OverviewState.tick),
        rx.hstack(
            rx.heading("Overview", size="7"),
            rx.spacer(),
            rx.cond(OverviewState.services.length() > 0, _new_service_dialog()),
            width="100%",
            align="center",
        ),
        rx.cond(
            OverviewState.loaded,
            rx.cond(
                OverviewState.services.length() > 0,
                rx.vstack(
                    _counts(),
                    rx.vstack(rx.foreach(OverviewState.services, _service_card), spacing="3", width="100%",
                              id="overview-services"),
                    spacing="5",
                    width="100%",
                ),
                _welcome(),
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="48px"),
        ),
    )
