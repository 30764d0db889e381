"""/settings: API keys, users, and the way to notification channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import reflex as rx

from dashboard.components.humanize import exact_text, relative_text
from dashboard.components.layout import (
    NOTIFICATIONS_ROUTE,
    confirm_dialog,
    copy_button,
    dialog_actions,
    field_error,
    form_dialog,
    page_shell,
    relative_time,
)
from dashboard.core import apikeys, users
from dashboard.core.errors import DomainError, NotFound
from dashboard.db import session_scope
from dashboard.state import AuthState, CurrentUser, in_thread
from dashboard.styles import mono
from dashboard.timeutil import utcnow


@dataclass
class UserRow:
    id: str = ""
    email: str = ""
    is_admin: bool = False
    is_me: bool = False
    created_text: str = ""
    created_exact: str = ""


@dataclass
class KeyRow:
    id: str = ""
    name: str = ""
    prefix: str = ""
    scope: str = ""
    revoked: bool = False
    created_text: str = ""
    created_exact: str = ""
    last_used_text: str = ""
    last_used_exact: str = ""
    revoked_text: str = ""


def load_settings(me: CurrentUser, now: datetime) -> tuple[list[UserRow], list[KeyRow]]:
    with session_scope() as session:
        user_rows = [
            UserRow(u.id, u.email, u.is_admin, u.id == me.id, relative_text(u.created_at, now), exact_text(u.created_at))
            for u in users.list_users(session)
        ]
        key_rows = [
            KeyRow(
                id=k.id, name=k.name, prefix=k.prefix, scope=k.scope, revoked=k.revoked_at is not None,
                created_text=relative_text(k.created_at, now), created_exact=exact_text(k.created_at),
                last_used_text=relative_text(k.last_used_at, now), last_used_exact=exact_text(k.last_used_at),
                revoked_text=relative_text(k.revoked_at, now) if k.revoked_at else "",
            )
            for k in apikeys.list_api_keys(session)
        ]
    return user_rows, key_rows


def add_user(email: str, password: str, is_admin: bool) -> dict[str, str]:
    try:
        with session_scope(write=True) as session:
            users.create_user(session, email, password, now=utcnow(), is_admin=is_admin)
    except users.UserError as exc:
        return {exc.field: str(exc)}
    return {}


def remove_user(user_id: str) -> bool:
    with session_scope(write=True) as session:
        return users.delete_user(session, user_id)


def create_key(name: str, scope: str) -> tuple[str | None, dict[str, str]]:
    try:
        with session_scope(write=True) as session:
            _key, token = apikeys.create_api_key(session, name, scope, utcnow())
    except DomainError as exc:
        field = getattr(exc, "field", "name")
        return None, {field: getattr(exc, "reason", exc.message)}
    return token, {}


def revoke_key(key_id: str) -> None:
    with session_scope(write=True) as session:
        apikeys.revoke_api_key(session, key_id, utcnow())


class SettingsState(AuthState):
    users: list[UserRow] = []
    keys: list[KeyRow] = []
    # Add user.
    user_dialog_open: bool = False
    err_email: str = ""
    err_password: str = ""
    # Delete user / revoke key confirmations.
    confirm_user_id: str = ""
    confirm_user_email: str = ""
    confirm_user_open: bool = False
    confirm_key_id: str = ""
    confirm_key_name: str = ""
    confirm_key_open: bool = False
    # Create key; the token is shown once, then forgotten.
    key_dialog_open: bool = False
    err_key_name: str = ""
    new_token: str = ""

    async def _refresh(self, me: CurrentUser) -> None:
        self.users, self.keys = await in_thread(load_settings, me, utcnow())

    @rx.event
    async def load(self) -> Any:
        me = await self._user()
        if me is None:
            return await self._login_redirect()
        await self._refresh(me)
        return None

    # --- users ----------------------------------------------------------------
    @rx.event
    def set_user_dialog_open(self, value: bool) -> None:
        self.err_email = self.err_password = ""
        self.user_dialog_open = value

    @rx.event
    async def submit_user(self, form: dict[str, Any]) -> Any:
        me = await self._user()
        if me is None:
            return await self._login_redirect()
        if not me.is_admin:
            return rx.toast.error("Only administrators can add users")
        self.err_email = self.err_password = ""
        errors = await in_thread(add_user, str(form.get("email", "")), str(form.get("password", "")),
                                 form.get("is_admin") in (True, "on", "true"))
        if errors:
            self.err_email, self.err_password = errors.get("email", ""), errors.get("password", "")
            return None
        self.user_dialog_open = False
        await self._refresh(me)
        return rx.toast.success("User added")

    @rx.event
    def ask_delete_user(self, user_id: str, email: str) -> None:
        self.confirm_user_id, self.confirm_user_email, self.confirm_user_open = user_id, email, True

    @rx.event
    def set_confirm_user_open(self, value: bool) -> None:
        self.confirm_user_open = value

    @rx.event
    async def confirm_delete_user(self) -> Any:
        me = await self._user()
        if me is None:
            return await self._login_redirect()
        self.confirm_user_open = False
        if not me.is_admin:
            return rx.toast.error("Only administrators can delete users")
        if self.confirm_user_id == me.id:
            return rx.toast.error("You cannot delete yourself")
        await in_thread(remove_user, self.confirm_user_id)
        await self._refresh(me)
        return rx.toast.success(f"Deleted {self.confirm_user_email}")

    # --- API keys -------------------------------------------------------------
    @rx.event
    def set_key_dialog_open(self, value: bool) -> None:
        self.err_key_name = ""
        if not value:
            self.new_token = ""  # shown once: closing the dialog forgets it
        self.key_dialog_open = value

    @rx.event
    async def submit_key(self, form: dict[str, Any]) -> Any:
        me = await self._user()
        if me is None:
            return await self._login_redirect()
        token, errors = await in_thread(create_key, str(form.get("name", "")), str(form.get("scope", "read-only")))
        if token is None:
            self.err_key_name = errors.get("name", next(iter(errors.values()), ""))
            return None
        self.err_key_name, self.new_token = "", token
        await self._refresh(me)
        return None

    @rx.event
    def ask_revoke(self, key_id: str, name: str) -> None:
        self.confirm_key_id, self.confirm_key_name, self.confirm_key_open = key_id, name, True

    @rx.event
    def set_confirm_key_open(self, value: bool) -> None:
        self.confirm_key_open = value

    @rx.event
    async def confirm_revoke(self) -> Any:
        me = await self._user()
        if me is None:
            return await self._login_redirect()
        self.confirm_key_open = False
        try:
            await in_thread(revoke_key, self.confirm_key_id)
        except NotFound:
            pass
        await self._refresh(me)
        return rx.toast.success(f"Revoked {self.confirm_key_name}")


# --- components ------------------------------------------------------------------


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
                          on_click=SettingsState.ask_revoke(key.id, key.name), class_name="key-revoke"),
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
            field_error(SettingsState.err_key_name, "key-name-error"),
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
                          on_click=SettingsState.ask_delete_user(user.id, user.email), class_name="user-delete"),
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
        field_error(SettingsState.err_email, "user-email-error"),
        rx.text("Password", size="2", weight="medium"),
        rx.input(name="password", type="password", id="user-password", width="100%", auto_complete="new-password"),
        rx.text(f"At least {users.MIN_PASSWORD_LENGTH} characters; tell it to them safely.", size="1", color_scheme="gray"),
        field_error(SettingsState.err_password, "user-password-error"),
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
        confirm_dialog(SettingsState.confirm_user_open, SettingsState.set_confirm_user_open,
                 rx.text("Delete ", SettingsState.confirm_user_email, "?"),
                 "They are logged out everywhere and can no longer log in.", "Delete user",
                 SettingsState.confirm_delete_user, "confirm-delete-user"),
        confirm_dialog(SettingsState.confirm_key_open, SettingsState.set_confirm_key_open,
                 rx.text("Revoke ", SettingsState.confirm_key_name, "?"),
                 "Requests with this key are refused from now on. This cannot be undone.", "Revoke key",
                 SettingsState.confirm_revoke, "confirm-revoke"),
    )
