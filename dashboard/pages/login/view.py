"""The login page."""

from __future__ import annotations

import reflex as rx

from dashboard.components.auth_card import auth_card
from dashboard.components.layout import field_error
from dashboard.pages.login.state import LoginState


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
                field_error(LoginState.errors, "form", "login-error"),
                rx.button("Log in", type="submit", width="100%", size="3", id="login-submit"),
                spacing="2",
                width="100%",
            ),
            on_submit=LoginState.submit,
            width="100%",
        ),
    )
