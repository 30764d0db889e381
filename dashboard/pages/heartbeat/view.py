"""The heartbeat page's components: header and facts, check-in URL and snippets, feed, statistics."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.components.heartbeat_dialog import heartbeat_dialog
from dashboard.components.layout import confirm_dialog, copy_button, empty_state, live_poller, page_shell, relative_time
from dashboard.components.status_badge import result_badge, status_badge
from dashboard.forms.heartbeat import HeartbeatFormState
from dashboard.pages.heartbeat.alerts_card import alerts_card
from dashboard.pages.heartbeat.data import INTERVALS, EventRow
from dashboard.pages.heartbeat.state import DELETE_HEARTBEAT, REGENERATE_URL, HeartbeatState
from dashboard.styles import code_block, mono

RANGE_LABELS = {"24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days",
                "1y": "Last year", "custom": "Custom dates"}
SNIPPET_TABS = [("crontab", "crontab"), ("curl", "curl"), ("shell", "Shell wrapper"), ("python", "Python"),
                ("node", "Node")]


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray", weight="medium"), value, spacing="1",
                     min_width="120px")


def _header() -> rx.Component:
    info = HeartbeatState.info
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("chevron-left", size=14), info.service_name, spacing="1", align="center"),
                href="/services/" + info.service_id, size="2", color_scheme="gray", id="back-to-service"),
        rx.hstack(
            rx.hstack(rx.heading(info.name, size="7", id="heartbeat-name"),
                      status_badge(info.status, size="2", id="heartbeat-status"),
                      spacing="3", align="center", wrap="wrap"),
            rx.spacer(),
            rx.hstack(
                rx.button(rx.icon("pencil", size=14), "Edit", variant="soft", color_scheme="gray", id="edit-heartbeat",
                          on_click=HeartbeatFormState.open_edit(HeartbeatState.current_id)),
                rx.cond(
                    info.enabled,
                    rx.button(rx.icon("pause", size=14), "Pause", variant="soft", color_scheme="gray",
                              on_click=HeartbeatState.pause_or_resume(False), id="pause-heartbeat"),
                    rx.button(rx.icon("play", size=14), "Resume", variant="soft", color_scheme="grass",
                              on_click=HeartbeatState.pause_or_resume(True), id="resume-heartbeat"),
                ),
                rx.button(rx.icon("trash-2", size=14), "Delete", variant="soft", color_scheme="red", id="delete-heartbeat",
                          on_click=HeartbeatState.ask_confirm(DELETE_HEARTBEAT, HeartbeatState.current_id, info.name)),
                spacing="2", wrap="wrap",
            ),
            width="100%", align="center", wrap="wrap", spacing="3",
        ),
        rx.card(
            rx.flex(
                _fact("Expected every", rx.text(info.interval_text, id="fact-interval")),
                _fact("Grace", rx.text(info.grace_text, id="fact-grace")),
                _fact("Last check-in", rx.text(relative_time(info.last_ping_text, info.last_ping_exact),
                                               id="fact-last-ping")),
                _fact("Next due", rx.text(relative_time(info.next_due_text, info.next_due_exact), id="fact-next-due")),
                _fact("Methods", rx.text(info.methods_text)),
                _fact("Created", rx.text(relative_time(info.created_text, info.created_exact))),
                wrap="wrap", spacing="5", width="100%",
            ),
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _checkin_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Check-in URL", size="4"),
            rx.text("Call it every time the job runs. No authentication: keep it secret like a password.",
                    size="2", color_scheme="gray"),
            rx.hstack(
                rx.code(HeartbeatState.info.url, id="checkin-url", size="3", variant="soft",
                        style={"word_break": "break-all", "padding": "6px 8px"}),
                copy_button(HeartbeatState.info.url, "copy-url"),
                rx.button(rx.icon("refresh-cw", size=14), "Regenerate", variant="soft", color_scheme="gray",
                          size="2", id="regenerate-url", title="Give this heartbeat a new check-in URL",
                          on_click=HeartbeatState.ask_confirm(REGENERATE_URL, HeartbeatState.current_id,
                                                              HeartbeatState.info.name)),
                align="center", spacing="3", width="100%", wrap="wrap",
            ),
            rx.tabs.root(
                rx.tabs.list(*[rx.tabs.trigger(label, value=key, id=f"snippet-tab-{key}") for key, label in SNIPPET_TABS],
                             overflow_x="auto"),
                *[
                    rx.tabs.content(
                        rx.vstack(
                            rx.el.pre(HeartbeatState.snippet_texts[key], style=code_block, id=f"snippet-{key}"),
                            copy_button(HeartbeatState.snippet_texts[key].to(str), f"copy-snippet-{key}",
                                        "Copy snippet"),
                            spacing="2", padding_top="12px", width="100%",
                        ),
                        value=key,
                    )
                    for key, _ in SNIPPET_TABS
                ],
                value=HeartbeatState.snippet_tab,
                on_change=HeartbeatState.set_snippet_tab,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _event_row(row: EventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(relative_time(row.received_text, row.received_exact), white_space="nowrap"),
        rx.table.cell(result_badge(row.result)),
        rx.table.cell(
            rx.text(row.message, rx.cond(row.truncated, rx.text.em(" (cut)")), size="2",
                    style={"word_break": "break-word"}, class_name="event-message"),
            max_width="420px",
        ),
        rx.table.cell(rx.text(row.duration_text, size="2"), display=["none", "table-cell"]),
        rx.table.cell(rx.text(row.source_text, size="1", color_scheme="gray", title=row.user_agent),
                      display=["none", "none", "table-cell"]),
        custom_attrs={"data-event-id": row.id, "data-result": row.result},
        class_name="event-row",
    )


def _feed() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Events", size="4"), rx.badge("live", color_scheme="grass", variant="soft"),
                      rx.spacer(), align="center", width="100%"),
            rx.cond(
                HeartbeatState.events.length() > 0,
                rx.vstack(
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("Received"),
                                rx.table.column_header_cell("Result"),
                                rx.table.column_header_cell("Message"),
                                rx.table.column_header_cell("Duration", display=["none", "table-cell"]),
                                rx.table.column_header_cell("Source", display=["none", "none", "table-cell"]),
                            )),
                            rx.table.body(rx.foreach(HeartbeatState.events, _event_row)),
                            size="1", width="100%", id="event-feed",
                        ),
                        # Scrolls inside the card so the charts stay in reach on a long feed.
                        width="100%", overflow_x="auto", overflow_y="auto", max_height="540px",
                    ),
                    rx.cond(
                        HeartbeatState.has_older,
                        rx.button("Load older", variant="soft", size="2", on_click=HeartbeatState.load_older,
                                  loading=HeartbeatState.loading_older, id="load-older"),
                    ),
                    spacing="3", width="100%", align="center",
                ),
                rx.vstack(
                    rx.text("No check-ins yet. Call the URL once to see it appear here — no reload needed:",
                            size="2", color_scheme="gray"),
                    rx.code(HeartbeatState.curl_example, style=mono),
                    rx.text("Then schedule the job to call it (see the snippets above). Until the first check-in "
                            "the heartbeat is \u201cnew\u201d and cannot be late.", size="2", color_scheme="gray"),
                    spacing="2", id="events-empty", width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _stat(label: str, value: Any, stat_id: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray", weight="medium"),
                     rx.heading(value, size="5", id=stat_id), spacing="1", min_width="100px")


def _stats() -> rx.Component:
    pickers = rx.hstack(
        rx.select.root(
            rx.select.trigger(id="stats-range"),
            rx.select.content(*[rx.select.item(label, value=key) for key, label in RANGE_LABELS.items()]),
            value=HeartbeatState.stats_range, on_change=HeartbeatState.set_stats_range, size="2",
        ),
        rx.cond(
            HeartbeatState.stats_range == "custom",
            rx.hstack(
                rx.input(type="date", value=HeartbeatState.custom_start, on_change=HeartbeatState.set_custom_start,
                         id="stats-start", size="2"),
                rx.text("to", size="2"),
                rx.input(type="date", value=HeartbeatState.custom_end, on_change=HeartbeatState.set_custom_end,
                         id="stats-end", size="2"),
                rx.text("UTC", size="1", color_scheme="gray"),
                align="center", spacing="2",
            ),
        ),
        rx.hstack(
            rx.text("Bucket", size="2", color_scheme="gray"),
            rx.select(INTERVALS, value=HeartbeatState.stats_interval, on_change=HeartbeatState.set_stats_interval,
                      id="stats-interval", size="2"),
            align="center", spacing="2",
        ),
        spacing="3", wrap="wrap", align="center",
    )
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Statistics", size="4"), rx.spacer(), pickers, width="100%", align="center",
                      wrap="wrap", spacing="3"),
            rx.cond(HeartbeatState.errors.contains("stats"),
                    rx.callout(HeartbeatState.errors["stats"], icon="triangle-alert", color_scheme="amber", size="1",
                               id="stats-error")),
            rx.flex(
                _stat("Uptime", HeartbeatState.uptime_text, "stats-uptime"),
                _stat("Check-ins", HeartbeatState.checkin_total, "stats-checkins"),
                _stat("Failures", HeartbeatState.failure_total, "stats-failures"),
                _stat("Misses", HeartbeatState.miss_total, "stats-misses"),
                wrap="wrap", spacing="5", width="100%",
            ),
            rx.box(rx.plotly(data=HeartbeatState.counts_figure, id="stats-chart",
                             config={"displaylogo": False, "displayModeBar": False, "responsive": True}, style={"width": "100%"}), width="100%"),
            rx.text("Uptime per bucket", size="2", weight="medium"),
            rx.box(rx.plotly(data=HeartbeatState.uptime_figure, id="uptime-chart",
                             config={"displaylogo": False, "displayModeBar": False, "responsive": True}, style={"width": "100%"}), width="100%"),
            rx.cond(
                HeartbeatState.show_durations,
                rx.vstack(
                    rx.text("Mean run time (run → complete / fail)", size="2", weight="medium"),
                    rx.box(rx.plotly(data=HeartbeatState.durations_figure, id="durations-chart",
                                     config={"displaylogo": False, "displayModeBar": False, "responsive": True}, style={"width": "100%"}), width="100%"),
                    width="100%", spacing="2",
                ),
                rx.text("Report ?result=run when the job starts and ?result=complete when it ends to chart "
                        "its run time here.", size="1", color_scheme="gray", id="durations-hint"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        HeartbeatState, DELETE_HEARTBEAT,
        rx.text("Delete ", HeartbeatState.info.name, "?"),
        "Its check-in URL stops working (404) and its events and statistics are deleted. This cannot be undone.",
        "Delete", HeartbeatState.confirm_delete, "confirm-delete-heartbeat",
    )


def _regenerate_dialog() -> rx.Component:
    return confirm_dialog(
        HeartbeatState, REGENERATE_URL,
        rx.text("Regenerate the check-in URL of ", HeartbeatState.info.name, "?"),
        "The current URL stops working at once (404): use this when it has leaked. The job must be given the "
        "new URL. History, statistics and settings stay.",
        "Regenerate", HeartbeatState.confirm_regenerate, "confirm-regenerate-url",
    )


def heartbeat_page() -> rx.Component:
    return page_shell(
        live_poller(HeartbeatState.tick),
        rx.cond(
            HeartbeatState.found,
            rx.cond(
                HeartbeatState.loaded,
                rx.vstack(_header(), _checkin_card(), _feed(), _stats(), alerts_card(), spacing="5", width="100%"),
                rx.center(rx.spinner(size="3"), width="100%", padding="48px"),
            ),
            empty_state("circle-help", "No such heartbeat",
                        "It may have been deleted. Go back to the overview to see what exists.",
                        rx.link(rx.button("Overview"), href="/")),
        ),
        heartbeat_dialog(after_save=HeartbeatState.refresh),
        _delete_dialog(),
        _regenerate_dialog(),
    )
