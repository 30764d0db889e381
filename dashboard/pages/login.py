"""/login: email and password; /setup when the instance has no user yet."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.components.layout import color_mode_toggle, field_error
from dashboard.core import users
from dashboard.db import session_scope
from dashboard.state import HOME_ROUTE, SETUP_ROUTE, AuthState, has_users, in_thread
from dashboard.timeutil import utcnow

LOGIN_FAILED = "wrong email or password"


def log_in(email: str, password: str) -> str | None:
    """A new session token for valid credentials, else None."""
    with session_scope(write=True) as session:
        user = users.authenticate(session, email, password)
        if user is None:
            return None
        return users.start_session(session, user, now=utcnow())


class LoginState(AuthState):
    login_error: str = ""
    submitting: bool = False

    @rx.event
    async def load(self) -> Any:
        if await self._user() is not None:
            return rx.redirect(HOME_ROUTE, replace=True)
        if not await in_thread(has_users):
            return rx.redirect(SETUP_ROUTE, replace=True)
        return None

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self.login_error = ""
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        if not email or not password:
            self.login_error = "enter your email and password"
            return None
        token = await in_thread(log_in, email, password)
        if token is None:
            self.login_error = LOGIN_FAILED
            return None
        self.session_token = token
        await self._user()
        return rx.redirect(HOME_ROUTE, replace=True)


def auth_card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    """The centred card used by the login and setup pages."""
    return rx.center(
        rx.vstack(
            rx.hstack(
                rx.icon("heart-pulse", size=28, color=rx.color("tomato", 9)),
                rx.heading("Lubdub", size="7"),
                rx.spacer(),
                color_mode_toggle(),
                align="center",
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading(title, size="5"),
                    rx.text(subtitle, size="2", color_scheme="gray"),
                    *children,
                    spacing="4",
                    width="100%",
                ),
                width="100%",
                size="3",
            ),
            width="100%",
            max_width="420px",
            spacing="4",
            padding="16px",
        ),
        min_height="100vh",
        width="100%",
    )


def login_page() -> rx.Component:
    return auth_card(
        "Log in",
        "Heartbeat monitoring for cron jobs, workers and backups.",
        rx.form(
            rx.vstack(
                rx.text("Email", size="2", weight="medium"),
                rx.input(name="email", type="email", placeholder="you@example.com", id="login-email",
                         auto_complete="username", required=True, width="100%", size="3"),
                rx.text("Password", size="2", weight="medium"),
                rx.input(name="password", type="password", id="login-password", auto_complete="current-password",
                         required=True, width="100%", size="3"),
                field_error(LoginState.login_error, "login-error"),
                rx.button("Log in", type="submit", width="100%", size="3", id="login-submit"),
                spacing="2",
                width="100%",
            ),
            on_submit=LoginState.submit,
            width="100%",
        ),
    )
