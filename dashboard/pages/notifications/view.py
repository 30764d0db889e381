"""The notifications page's components: the channels card, the log, the page."""

from __future__ import annotations

import reflex as rx

from dashboard.components.deliveries import delivery_table_row
from dashboard.components.layout import confirm_dialog, empty_state, live_poller, page_shell
from dashboard.pages.notifications.data import STATUS_FILTERS, ChannelRow, LinkRow
from dashboard.pages.notifications.dialogs import attach_dialog, channel_dialog
from dashboard.pages.notifications.state import DELETE_CHANNEL, NotificationsState
from dashboard.styles import mono


def _link_badge(channel: ChannelRow, link: LinkRow) -> rx.Component:
    return rx.badge(
        link.label,
        rx.icon("x", size=12, cursor="pointer", on_click=NotificationsState.detach(channel.id, link.key),
                aria_label="Detach", class_name="link-detach"),
        variant="soft", color_scheme="gray", class_name="channel-link",
    )


def _test_result(channel: ChannelRow) -> rx.Component:
    return rx.cond(
        NotificationsState.test_channel_id == channel.id,
        rx.cond(
            NotificationsState.test_running,
            rx.hstack(rx.spinner(size="1"), rx.text("Sending…", size="1"), align="center", spacing="2"),
            rx.cond(
                NotificationsState.test_ok,
                rx.text("✓ Delivered", color_scheme="grass", size="1", class_name="test-result",
                        custom_attrs={"data-ok": "true"}),
                rx.text("✗ ", NotificationsState.test_message, color_scheme="red", size="1", class_name="test-result",
                        custom_attrs={"data-ok": "false"}, style={"word_break": "break-word"}),
            ),
        ),
    )


def _channel_row(channel: ChannelRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.hstack(rx.text(channel.name, weight="medium"),
                      rx.cond(channel.is_default, rx.badge("default", color_scheme="iris", variant="outline")),
                      spacing="2", align="center"),
            _test_result(channel),
            spacing="1",
        )),
        rx.table.cell(rx.badge(channel.kind, variant="soft")),
        rx.table.cell(rx.code(channel.target, style={**mono, "word_break": "break-all"}),
                      display=["none", "table-cell"]),
        rx.table.cell(rx.flex(rx.foreach(channel.links, lambda link: _link_badge(channel, link)),
                              rx.text(channel.renotify_text, size="1", color_scheme="gray"),
                              wrap="wrap", gap="1")),
        rx.table.cell(rx.hstack(
            rx.button(rx.icon("send", size=14), "Test", size="1", variant="soft",
                      on_click=NotificationsState.send_test_notification(channel.id), class_name="channel-test",
                      loading=NotificationsState.test_running & (NotificationsState.test_channel_id == channel.id)),
            rx.button("Attach", size="1", variant="soft", color_scheme="gray",
                      on_click=NotificationsState.open_attach(channel.id, channel.name), class_name="channel-attach"),
            rx.button("Edit", size="1", variant="soft", color_scheme="gray",
                      on_click=NotificationsState.open_edit(channel.id), class_name="channel-edit"),
            rx.button("Delete", size="1", variant="soft", color_scheme="red",
                      on_click=NotificationsState.ask_confirm(DELETE_CHANNEL, channel.id, channel.name), class_name="channel-delete"),
            spacing="2", wrap="wrap",
        )),
        class_name="channel-row",
        custom_attrs={"data-channel-id": channel.id, "data-name": channel.name},
        align="center",
    )


def _channels_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading("Notification channels", size="4"),
                    rx.text("Where alerts go when a heartbeat goes down and when it recovers. Attach a channel to a "
                            "service (all its heartbeats) or to one heartbeat; heartbeats with none attached use "
                            "the default channels.", size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.button(rx.icon("plus", size=14), "New channel", on_click=NotificationsState.open_new,
                          id="new-channel"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(
                NotificationsState.channels.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Name"),
                            rx.table.column_header_cell("Kind"),
                            rx.table.column_header_cell("Sends to", display=["none", "table-cell"]),
                            rx.table.column_header_cell("Attached to"),
                            rx.table.column_header_cell(""),
                        )),
                        rx.table.body(rx.foreach(NotificationsState.channels, _channel_row)),
                        size="1", width="100%", id="channel-table",
                    ),
                    width="100%", overflow_x="auto",
                ),
                empty_state("bell-off", "No channels yet",
                            "Add a webhook, an email list or any Apprise URL (Slack, Discord, Telegram, ntfy, "
                            "Teams, PagerDuty…), then attach it to a service or mark it as a default.",
                            id="channels-empty"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _log_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.heading("Notifications log", size="4"),
                          rx.text("Every alert, recovery, re-notification and test, with each attempt.",
                                  size="2", color_scheme="gray"), spacing="1"),
                rx.spacer(),
                rx.select(STATUS_FILTERS, value=NotificationsState.status_filter,
                          on_change=NotificationsState.set_status_filter, id="log-status-filter", size="2"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(
                NotificationsState.deliveries.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("When"),
                            rx.table.column_header_cell("What"),
                            rx.table.column_header_cell("Channel"),
                            rx.table.column_header_cell("Heartbeat"),
                            rx.table.column_header_cell("Attempts"),
                        )),
                        rx.table.body(rx.foreach(NotificationsState.deliveries, delivery_table_row)),
                        size="1", width="100%", id="delivery-table",
                    ),
                    width="100%", overflow_x="auto",
                ),
                rx.text("Nothing sent yet.", size="2", color_scheme="gray", id="deliveries-empty"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def notifications_page() -> rx.Component:
    return page_shell(
        live_poller(NotificationsState.tick, 3000),
        rx.heading("Notifications", size="6"),
        _channels_card(),
        _log_card(),
        channel_dialog(),
        attach_dialog(),
        confirm_dialog(NotificationsState, DELETE_CHANNEL, rx.text("Delete ", NotificationsState.confirm_target_name, "?"),
                       "Its attachments and its notification log are deleted too.",
                       "Delete", NotificationsState.confirm_delete, "channel-delete-confirm"),
        id="notifications-page",
    )
