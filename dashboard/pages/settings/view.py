"""The settings page's components."""

from __future__ import annotations

import reflex as rx

from dashboard.components.layout import (
    confirm_dialog,
    copy_button,
    dialog_actions,
    field_error,
    form_dialog,
    page_shell,
    relative_time,
)
from dashboard.core import users
from dashboard.pages.settings.data import KeyRow, UserRow
from dashboard.pages.settings.state import DELETE_USER, REVOKE_KEY, SettingsState
from dashboard.state import NOTIFICATIONS_ROUTE
from dashboard.styles import mono


def _key_row(key: KeyRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(key.name, weight="medium")),
        rx.table.cell(rx.code(key.prefix, "…", style=mono), display=["none", "table-cell"]),
        rx.table.cell(rx.badge(key.scope, color_scheme=rx.cond(key.scope == "read-write", "orange", "blue"),
                               variant="soft")),
        rx.table.cell(relative_time(key.created_text, key.created_exact), display=["none", "table-cell"]),
        rx.table.cell(relative_time(key.last_used_text, key.last_used_exact)),
        rx.table.cell(
            rx.cond(
                key.revoked,
                rx.badge("revoked ", key.revoked_text, color_scheme="gray", variant="outline"),
                rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                          on_click=SettingsState.ask_confirm(REVOKE_KEY, key.id, key.name), class_name="key-revoke"),
            ),
        ),
        class_name="key-row",
        custom_attrs={"data-key-id": key.id, "data-name": key.name},
        align="center",
    )


def _key_dialog() -> rx.Component:
    create_form = rx.form(
        rx.vstack(
            rx.text("Name", size="2", weight="medium"),
            rx.input(name="name", id="key-name", placeholder="ci-deploy", width="100%", auto_focus=True),
            field_error(SettingsState.errors, "name", "key-name-error"),
            rx.text("Scope", size="2", weight="medium"),
            rx.radio_group(["read-only", "read-write"], name="scope", default_value="read-only", id="key-scope",
                           direction="row", spacing="4"),
            rx.text("Read-only keys can list and read; read-write keys can also create, change and delete.",
                    size="1", color_scheme="gray"),
            dialog_actions(rx.button("Create key", type="submit", id="key-create")),
            spacing="2", width="100%",
        ),
        on_submit=SettingsState.submit_key,
    )
    show_token = rx.vstack(
        rx.callout("Copy the key now: it is shown only once and cannot be recovered.", icon="triangle-alert",
                   color_scheme="amber", size="1"),
        rx.code(SettingsState.new_token, id="new-key-token", style={**mono, "word_break": "break-all",
                                                                       "padding": "8px"}),
        rx.hstack(
            copy_button(SettingsState.new_token, "copy-key-token"),
            rx.spacer(),
            rx.dialog.close(rx.button("Done", id="key-done")),
            width="100%",
        ),
        rx.text("Send it as ", rx.code("Authorization: Bearer <key>"), " to /api/v1.", size="1", color_scheme="gray"),
        spacing="3", width="100%",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(SettingsState.new_token == "", "New API key", "Your new API key")),
            rx.cond(SettingsState.new_token == "", create_form, show_token),
            max_width="520px",
        ),
        open=SettingsState.key_dialog_open,
        on_open_change=SettingsState.set_key_dialog_open,
    )


def _keys_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.heading("API keys", size="4"),
                          rx.text("For scripts and CI using the REST API (", rx.link("docs", href="/api/docs"), ").",
                                  size="2", color_scheme="gray"), spacing="1"),
                rx.spacer(),
                rx.button(rx.icon("plus", size=14), "New API key", on_click=SettingsState.set_key_dialog_open(True),
                          id="new-key"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(
                SettingsState.keys.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Name"),
                            rx.table.column_header_cell("Key", display=["none", "table-cell"]),
                            rx.table.column_header_cell("Scope"),
                            rx.table.column_header_cell("Created", display=["none", "table-cell"]),
                            rx.table.column_header_cell("Last used"),
                            rx.table.column_header_cell(""),
                        )),
                        rx.table.body(rx.foreach(SettingsState.keys, _key_row)),
                        size="1", width="100%", id="key-table",
                    ),
                    width="100%", overflow_x="auto",
                ),
                rx.text("No API keys yet. Create one to manage heartbeats from scripts or CI.", size="2",
                        color_scheme="gray", id="keys-empty"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _user_row(user: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.hstack(rx.text(user.email, weight="medium"),
                                           rx.cond(user.is_me, rx.badge("you", variant="outline", size="1")),
                                           spacing="2", align="center")),
        rx.table.cell(rx.cond(user.is_admin, rx.badge("admin", color_scheme="iris", variant="soft"),
                              rx.text("user", size="2", color_scheme="gray"))),
        rx.table.cell(relative_time(user.created_text, user.created_exact), display=["none", "table-cell"]),
        rx.table.cell(
            rx.cond(
                SettingsState.user_is_admin & ~user.is_me,
                rx.button("Delete", size="1", variant="soft", color_scheme="red",
                          on_click=SettingsState.ask_confirm(DELETE_USER, user.id, user.email), class_name="user-delete"),
            ),
        ),
        class_name="user-row",
        custom_attrs={"data-email": user.email},
        align="center",
    )


def _user_dialog() -> rx.Component:
    return form_dialog(
        "Add a user",
        rx.text("Email", size="2", weight="medium"),
        rx.input(name="email", type="email", id="user-email", width="100%", auto_focus=True),
        field_error(SettingsState.errors, "email", "user-email-error"),
        rx.text("Password", size="2", weight="medium"),
        rx.input(name="password", type="password", id="user-password", width="100%", auto_complete="new-password"),
        rx.text(f"At least {users.MIN_PASSWORD_LENGTH} characters; tell it to them safely.", size="1", color_scheme="gray"),
        field_error(SettingsState.errors, "password", "user-password-error"),
        rx.text(rx.hstack(rx.checkbox(name="is_admin", id="user-admin"), "Administrator (can manage users)",
                          spacing="2", align="center"), as_="label", size="2"),
        submit=rx.button("Add user", type="submit", id="user-create"),
        on_submit=SettingsState.submit_user,
        open=SettingsState.user_dialog_open,
        on_open_change=SettingsState.set_user_dialog_open,
    )


def _users_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.heading("Users", size="4"),
                          rx.text("People who can log in to this dashboard.", size="2", color_scheme="gray"),
                          spacing="1"),
                rx.spacer(),
                rx.cond(SettingsState.user_is_admin,
                        rx.button(rx.icon("plus", size=14), "Add user", on_click=SettingsState.set_user_dialog_open(True),
                                  id="new-user")),
                width="100%", align="center", wrap="wrap",
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Email"),
                        rx.table.column_header_cell("Role"),
                        rx.table.column_header_cell("Added", display=["none", "table-cell"]),
                        rx.table.column_header_cell(""),
                    )),
                    rx.table.body(rx.foreach(SettingsState.users, _user_row)),
                    size="1", width="100%", id="user-table",
                ),
                width="100%", overflow_x="auto",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _notifications_section() -> rx.Component:
    body = rx.link(rx.button(rx.icon("bell", size=14), "Manage notification channels", variant="soft"),
                   href=NOTIFICATIONS_ROUTE, id="settings-notifications-link")
    return rx.card(
        rx.vstack(
            rx.heading("Notifications", size="4"),
            rx.text("Webhooks, email and Apprise channels that hear about heartbeats going down and recovering.",
                    size="2", color_scheme="gray"),
            body,
            spacing="2", width="100%",
        ),
        width="100%",
    )


def settings_page() -> rx.Component:
    return page_shell(
        rx.heading("Settings", size="7"),
        _keys_section(),
        _users_section(),
        _notifications_section(),
        _key_dialog(),
        _user_dialog(),
        confirm_dialog(SettingsState, DELETE_USER, rx.text("Delete ", SettingsState.confirm_target_name, "?"),
                       "They are logged out everywhere and can no longer log in.", "Delete user",
                       SettingsState.confirm_delete_user, "confirm-delete-user"),
        confirm_dialog(SettingsState, REVOKE_KEY, rx.text("Revoke ", SettingsState.confirm_target_name, "?"),
                       "Requests with this key are refused from now on. This cannot be undone.", "Revoke key",
                       SettingsState.confirm_revoke, "confirm-revoke"),
    )
