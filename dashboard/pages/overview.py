"""/ — the overview: counts by status, every service with its worst heartbeats first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import reflex as rx
from pydantic import ValidationError

from dashboard.components.humanize import duration_text, exact_text, relative_text
from dashboard.components.layout import (
    empty_state,
    field_error,
    form_dialog,
    live_poller,
    page_shell,
    relative_time,
    status_count_card,
)
from dashboard.components.status_badge import status_badge
from dashboard.core import services
from dashboard.core.contracts import ServiceCreate
from dashboard.core.errors import DomainError
from dashboard.core.overview import Overview, overview
from dashboard.db import session_scope
from dashboard.pages.forms import domain_errors, validation_errors
from dashboard.pages.service import StatusCount, status_chips
from dashboard.state import AuthState, in_thread
from dashboard.styles import STATUS_COLORS
from dashboard.timeutil import utcnow

PER_SERVICE = 8


@dataclass
class OverviewHeartbeat:
    id: str = ""
    name: str = ""
    status: str = ""
    href: str = ""
    interval_text: str = ""
    last_ping_text: str = ""
    last_ping_exact: str = ""


@dataclass
class OverviewService:
    id: str = ""
    name: str = ""
    description: str = ""
    href: str = ""
    worst_status: str = ""
    heartbeat_count: int = 0
    more: int = 0
    chips: list[StatusCount] = field(default_factory=list)
    heartbeats: list[OverviewHeartbeat] = field(default_factory=list)


def overview_rows(data: Overview, now: datetime) -> list[OverviewService]:
    rows = []
    for service in data.services:
        rows.append(OverviewService(
            id=service.id,
            name=service.name,
            description=service.description,
            href=f"/services/{service.id}",
            worst_status=service.worst_status or "",
            heartbeat_count=service.heartbeat_count,
            more=max(0, service.heartbeat_count - len(service.heartbeats)),
            chips=status_chips(service.status_counts),
            heartbeats=[
                OverviewHeartbeat(
                    id=hb.id, name=hb.name, status=hb.status, href=f"/heartbeats/{hb.id}",
                    interval_text=f"every {duration_text(hb.interval)}",
                    last_ping_text=relative_text(hb.last_ping_at, now, never="no check-in yet"),
                    last_ping_exact=exact_text(hb.last_ping_at),
                )
                for hb in service.heartbeats
            ],
        ))
    return rows


def load_overview(now: datetime) -> tuple[dict[str, int], list[OverviewService]]:
    with session_scope() as session:
        data = overview(session, now, per_service=PER_SERVICE)
    return data.totals, overview_rows(data, now)


def create_service(form: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    try:
        data = ServiceCreate.model_validate({"name": str(form.get("name", "")),
                                             "description": str(form.get("description", ""))})
    except ValidationError as exc:
        return None, validation_errors(exc)
    try:
        with session_scope(write=True) as session:
            return services.create_service(session, data, utcnow()).id, {}
    except DomainError as exc:
        return None, domain_errors(exc)


class OverviewState(AuthState):
    totals: dict[str, int] = {}
    services: list[OverviewService] = []
    loaded: bool = False
    new_service_open: bool = False
    err_name: str = ""
    err_description: str = ""

    @rx.var
    def heartbeat_total(self) -> int:
        return sum(self.totals.values())

    async def _refresh(self) -> None:
        self.totals, self.services = await in_thread(load_overview, utcnow())
        self.loaded = True

    @rx.event
    async def load(self) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        await self._refresh()
        return None

    @rx.event
    async def tick(self, _value: str = "") -> Any:
        if await self._user() is None:
            # Logged out in another tab, or the session ended: back to the login page.
            return await self._login_redirect()
        await self._poll(self._refresh)
        return None

    @rx.event
    def set_new_service_open(self, value: bool) -> None:
        self.err_name = self.err_description = ""
        self.new_service_open = value

    @rx.event
    async def submit_service(self, form: dict[str, Any]) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        service_id, errors = await in_thread(create_service, form)
        self.err_name = errors.get("name", errors.get("form", ""))
        self.err_description = errors.get("description", "")
        if service_id is None:
            return None
        self.new_service_open = False
        return rx.redirect(f"/services/{service_id}")


# --- components ------------------------------------------------------------------


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
                    rx.foreach(service.chips, lambda chip: rx.badge(chip.count, " ", chip.status,
                                                                    color_scheme=chip.color, variant="soft")),
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
        for label in ("down", "late", "up", "new", "paused")
    ]
    return rx.grid(*cards, columns=rx.breakpoints(initial="3", md="5"), spacing="3", width="100%")


def _new_service_dialog() -> rx.Component:
    return form_dialog(
        "New service",
        rx.text("Name", size="2", weight="medium"),
        rx.input(name="name", id="svc-name", placeholder="billing", width="100%", auto_focus=True),
        field_error(OverviewState.err_name, "svc-name-error"),
        rx.text("Description (optional)", size="2", weight="medium"),
        rx.text_area(name="description", id="svc-description", width="100%"),
        field_error(OverviewState.err_description, "svc-description-error"),
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
