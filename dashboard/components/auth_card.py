"""The centred card of the pages a logged-out visitor sees (login, first-visit setup)."""

from __future__ import annotations

import reflex as rx

from dashboard.components.layout import color_mode_toggle, database_banner


def auth_card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
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
            database_banner(),
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
