"""The heartbeat page's alerts card: threshold, where alerts go, latest notifications."""

from __future__ import annotations

import reflex as rx

from dashboard.components.deliveries import delivery_table_row
from dashboard.components.layout import field_error, live_poller
from dashboard.pages.heartbeat.alerts_state import HeartbeatAlertsState
from dashboard.state import NOTIFICATIONS_ROUTE


def alerts_card() -> rx.Component:
    """A card for the heartbeat page: threshold, where alerts go, latest notifications."""
    routed = rx.cond(
        HeartbeatAlertsState.routed.length() > 0,
        rx.flex(rx.foreach(HeartbeatAlertsState.routed, lambda r: rx.badge(
            r.name, " · ", r.kind, rx.cond(r.via == "default", " (default)", ""), variant="soft")),
            wrap="wrap", gap="1", id="heartbeat-channels"),
        rx.text("No channel: nobody is alerted. ", rx.link("Add one", href=NOTIFICATIONS_ROUTE), ".",
                size="2", color_scheme="gray", id="heartbeat-channels-empty"),
    )
    threshold = rx.form(
        rx.hstack(
            rx.text("Alert after", size="2"),
            rx.input(name="alert_threshold", default_value=HeartbeatAlertsState.alert_threshold.to_string(),
                     id="alert-threshold", width="70px", type="number", min="1", max="1000"),
            rx.text("consecutive failures", size="2"),
            rx.button("Save", size="1", variant="soft", type="submit", id="alert-threshold-save"),
            align="center", spacing="2", wrap="wrap",
        ),
        field_error(HeartbeatAlertsState.errors, "alert_threshold", "alert-threshold-error"),
        on_submit=HeartbeatAlertsState.submit_threshold,
        key=HeartbeatAlertsState.current_id,
    )
    recent = rx.cond(
        HeartbeatAlertsState.recent.length() > 0,
        rx.box(rx.table.root(
            rx.table.body(rx.foreach(HeartbeatAlertsState.recent,
                                     lambda row: delivery_table_row(row, show_heartbeat=False))),
            size="1", width="100%", id="heartbeat-deliveries"), width="100%", overflow_x="auto"),
        rx.text("No notifications sent for this heartbeat yet.", size="2", color_scheme="gray",
                id="heartbeat-deliveries-empty"),
    )
    return rx.card(
        rx.vstack(
            rx.heading("Alerts", size="4"),
            routed,
            threshold,
            rx.heading("Latest notifications", size="3"),
            recent,
            live_poller(HeartbeatAlertsState.tick, 5000),
            spacing="3", width="100%",
        ),
        width="100%",
        on_mount=HeartbeatAlertsState.load,
        id="heartbeat-alerts",
    )
