"""/setup: the first visit to an instance without users creates the admin."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.components.layout import field_error
from dashboard.core import users
from dashboard.db import session_scope
from dashboard.pages.login import auth_card
from dashboard.state import HOME_ROUTE, LOGIN_ROUTE, AuthState, has_users, in_thread
from dashboard.timeutil import utcnow


class SetupClosed(Exception):
    """Someone created a user meanwhile: setup is only for an empty instance."""


def create_first_admin(email: str, password: str) -> str:
    """Create the admin and log them in; returns the session token.

    Raises ``users.UserError`` for bad input and ``SetupClosed`` when a user
    exists already (checked inside the same write transaction, so two people
    racing through setup cannot both become admin).
    """
    with session_scope(write=True) as session:
        if users.count_users(session) > 0:
            raise SetupClosed()
        now = utcnow()
        user = users.create_user(session, email, password, now=now, is_admin=True)
        return users.start_session(session, user, now=now)


class SetupState(AuthState):
    email_error: str = ""
    password_error: str = ""
    confirm_error: str = ""

    @rx.event
    async def load(self) -> Any:
        if await in_thread(has_users):
            return rx.redirect(LOGIN_ROUTE, replace=True)
        return None

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self.email_error = self.password_error = self.confirm_error = ""
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        if password != str(form.get("confirm", "")):
            self.confirm_error = "the passwords differ"
            return None
        try:
            token = await in_thread(create_first_admin, email, password)
        except users.UserError as exc:
            if exc.field == "email":
                self.email_error = str(exc)
            else:
                self.password_error = str(exc)
            return None
        except SetupClosed:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self.session_token = token
        await self._user()
        return rx.redirect(HOME_ROUTE, replace=True)


def setup_page() -> rx.Component:
    return auth_card(
        "Welcome — create the admin",
        "This instance has no users yet. The first account you create is an administrator; "
        "add more people later under Settings.",
        rx.form(
            rx.vstack(
                rx.text("Email", size="2", weight="medium"),
                rx.input(name="email", type="email", placeholder="admin@example.com", id="setup-email",
                         auto_complete="username", width="100%", size="3"),
                field_error(SetupState.email_error, "setup-email-error"),
                rx.text("Password", size="2", weight="medium"),
                rx.input(name="password", type="password", id="setup-password", auto_complete="new-password",
                         width="100%", size="3"),
                rx.text(f"At least {users.MIN_PASSWORD_LENGTH} characters.", size="1", color_scheme="gray"),
                field_error(SetupState.password_error, "setup-password-error"),
                rx.text("Repeat the password", size="2", weight="medium"),
                rx.input(name="confirm", type="password", id="setup-confirm", auto_complete="new-password",
                         width="100%", size="3"),
                field_error(SetupState.confirm_error, "setup-confirm-error"),
                rx.button("Create admin and log in", type="submit", width="100%", size="3", id="setup-submit"),
                spacing="2",
                width="100%",
            ),
            on_submit=SetupState.submit,
            width="100%",
        ),
    )
