"""The first-visit page."""

from __future__ import annotations

import reflex as rx

from dashboard.components.auth_card import auth_card
from dashboard.components.layout import field_error
from dashboard.core import users
from dashboard.pages.setup.state import SetupState


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
                field_error(SetupState.errors, "email", "setup-email-error"),
                rx.text("Password", size="2", weight="medium"),
                rx.input(name="password", type="password", id="setup-password", auto_complete="new-password",
                         width="100%", size="3"),
                rx.text(f"At least {users.MIN_PASSWORD_LENGTH} characters.", size="1", color_scheme="gray"),
                field_error(SetupState.errors, "password", "setup-password-error"),
                rx.text("Repeat the password", size="2", weight="medium"),
                rx.input(name="confirm", type="password", id="setup-confirm", auto_complete="new-password",
                         width="100%", size="3"),
                field_error(SetupState.errors, "confirm", "setup-confirm-error"),
                rx.button("Create admin and log in", type="submit", width="100%", size="3", id="setup-submit"),
                spacing="2",
                width="100%",
            ),
            on_submit=SetupState.submit,
            width="100%",
        ),
    )
