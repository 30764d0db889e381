"""Notification deliveries as table rows: the notifications log and the heartbeat page's alerts card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import reflex as rx

from dashboard.components.humanize import exact_text, relative_text
from dashboard.components.layout import relative_time
from dashboard.core.alerts.history import DeliveryView
from dashboard.styles import mono

DELIVERY_COLORS = {"pending": "amber", "sending": "blue", "delivered": "grass", "failed": "tomato"}
KIND_COLORS = {"alert": "tomato", "recovery": "grass", "renotify": "orange", "test": "gray"}


@dataclass
class DeliveryRow:
    id: int = 0
    kind: str = ""
    status: str = ""
    channel_name: str = ""
    heartbeat_name: str = ""
    heartbeat_href: str = ""
    reason: str = ""
    attempts: int = 0
    created_text: str = ""
    created_exact: str = ""
    detail: str = ""
    attempt_lines: list[str] = field(default_factory=list)


def delivery_row(view: DeliveryView, now: datetime) -> DeliveryRow:
    lines = [
        f"#{a.attempt} {exact_text(a.started_at)}: "
        + ("ok" if a.ok else "failed")
        + (f" ({a.status_code})" if a.status_code else "")
        + (f" — {a.error}" if a.error else "")
        for a in view.attempt_log
    ]
    detail = ""
    if view.status == "pending" and view.next_attempt_at is not None:
        detail = f"next try {relative_text(view.next_attempt_at, now)}"
    elif view.status == "failed" and view.kind != "test":
        detail = f"gave up after {view.attempts} attempts"
    return DeliveryRow(
        id=view.id, kind=view.kind, status=view.status, channel_name=view.channel_name,
        heartbeat_name=view.heartbeat_name or "—",
        heartbeat_href=f"/heartbeats/{view.heartbeat_id}" if view.heartbeat_id else "",
        reason=view.reason or "", attempts=view.attempts, created_text=relative_text(view.created_at, now),
        created_exact=exact_text(view.created_at), detail=detail, attempt_lines=lines,
    )


def _delivery_badges(row: DeliveryRow) -> rx.Component:
    return rx.hstack(
        rx.badge(row.kind, color_scheme=rx.match(row.kind, *KIND_COLORS.items(), "gray"), variant="soft"),
        rx.badge(row.status, color_scheme=rx.match(row.status, *DELIVERY_COLORS.items(), "gray"),
                 class_name="delivery-status"),
        spacing="1",
    )


def delivery_table_row(row: DeliveryRow, *, show_heartbeat: bool = True) -> rx.Component:
    cells = [
        rx.table.cell(relative_time(row.created_text, row.created_exact)),
        rx.table.cell(_delivery_badges(row)),
        rx.table.cell(rx.text(row.channel_name, size="2")),
    ]
    if show_heartbeat:
        cells.append(rx.table.cell(rx.cond(row.heartbeat_href != "",
                                           rx.link(row.heartbeat_name, href=row.heartbeat_href, size="2"),
                                           rx.text("—", size="2", color_scheme="gray"))))
    cells.append(rx.table.cell(rx.vstack(
        rx.text(row.detail, size="1", color_scheme=rx.cond(row.status == "failed", "red", "gray")),
        rx.foreach(row.attempt_lines, lambda line: rx.text(line, size="1", style={**mono, "word_break": "break-word"},
                                                             class_name="attempt-line")),
        spacing="1",
    )))
    return rx.table.row(*cells, class_name="delivery-row", custom_attrs={"data-delivery-id": row.id},
                        align="center")
