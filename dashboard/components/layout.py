"""The frame around every logged-in page, and small shared building blocks."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from dashboard.state import (
    DATABASE_UNAVAILABLE_TEXT,
    DATABASE_UNAVAILABLE_TITLE,
    HOME_ROUTE,
    NOTIFICATIONS_ROUTE,
    SETTINGS_ROUTE,
    AuthState,
    Confirmations,
)
from dashboard.styles import page_container


def _is_current(href: str) -> rx.Var[bool]:
    path = AuthState.router.url.path
    if href == HOME_ROUTE:
        # Service and heartbeat pages hang off the overview.
        return (path == "/") | path.startswith("/services/") | path.startswith("/heartbeats/")
    return path == href


def _nav_link(label: str, href: str, icon: str, link_id: str) -> rx.Component:
    current = _is_current(href) if not href.startswith("/api") else False
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, display=["none", "inline", "inline"]), spacing="1", align="center"),
        href=href,
        id=link_id,
        underline="none",
        color_scheme=rx.cond(current, "iris", "gray") if current is not False else "gray",
        high_contrast=rx.cond(current, False, True) if current is not False else True,
        weight=rx.cond(current, "medium", "regular") if current is not False else "regular",
        custom_attrs={"aria-current": rx.cond(current, "page", "false")} if current is not False else {},
        size="2",
        title=label,
    )


def color_mode_toggle() -> rx.Component:
    return rx.icon_button(
        rx.color_mode_cond(light=rx.icon("moon", size=16), dark=rx.icon("sun", size=16)),
        on_click=rx.toggle_color_mode,
        variant="ghost",
        color_scheme="gray",
        size="2",
        id="color-mode-toggle",
        title="Switch light / dark",
        aria_label="Switch light / dark",
    )


def navbar() -> rx.Component:
    links = [
        _nav_link("Overview", HOME_ROUTE, "layout-dashboard", "nav-overview"),
        _nav_link("Settings", SETTINGS_ROUTE, "settings", "nav-settings"),
        _nav_link("Notifications", NOTIFICATIONS_ROUTE, "bell", "nav-notifications"),
        _nav_link("API", "/api/docs", "book-open", "nav-api-docs"),
    ]
    return rx.box(
        rx.hstack(
            rx.link(
                rx.hstack(rx.icon("heart-pulse", size=22, color=rx.color("tomato", 9)),
                          rx.heading("Lubdub", size="5", weight="bold"), spacing="2", align="center"),
                href="/", underline="none", color_scheme="gray", high_contrast=True, id="nav-home",
            ),
            rx.hstack(*links, spacing="4", align="center"),
            rx.spacer(),
            rx.hstack(
                rx.text(AuthState.user_email, size="2", color_scheme="gray", id="nav-user",
                        display=["none", "none", "block"]),
                color_mode_toggle(),
                rx.button(rx.icon("log-out", size=14), rx.text("Log out", display=["none", "inline"]),
                          on_click=AuthState.logout, variant="soft", color_scheme="gray", size="1", id="logout-button"),
                spacing="3",
                align="center",
            ),
            align="center",
            spacing="5",
            width="100%",
            max_width=page_container["max_width"],
            margin_x="auto",
            padding_x=page_container["padding_x"],
            padding_y="10px",
        ),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


def database_banner() -> rx.Component:
    """Says so while this tab cannot reach the database (``AuthState.database_unavailable``)."""
    return rx.cond(
        AuthState.database_unavailable,
        rx.callout.root(
            rx.callout.icon(rx.icon("database-zap")),
            rx.vstack(
                rx.text(DATABASE_UNAVAILABLE_TITLE, weight="bold", size="2"),
                rx.callout.text(DATABASE_UNAVAILABLE_TEXT),
                spacing="1",
            ),
            color_scheme="red",
            role="alert",
            id="database-unavailable",
            width="100%",
        ),
    )


def page_shell(*children: rx.Component, **props: Any) -> rx.Component:
    """A logged-in page: the nav bar over a centred, width-limited column."""
    return rx.box(
        navbar(),
        rx.vstack(database_banner(), *children, spacing="5", **{**page_container, **props}),
        min_height="100vh",
        width="100%",
    )


def live_poller(on_tick: Any, interval_ms: int = 2000) -> rx.Component:
    """Fires ``on_tick`` every ``interval_ms`` while the page is open.

    A client-side timer, so polling stops by itself when the page unmounts or
    the tab closes, and a disconnected client costs the server nothing.
    """
    return rx.box(rx.moment(interval=interval_ms, format="X", on_change=on_tick), display="none")


def relative_time(text: rx.Var[str] | str, exact: rx.Var[str] | str, **props: Any) -> rx.Component:
    """A relative time ("3 min ago") with the exact UTC moment on hover."""
    return rx.el.span(text, title=exact, style={"cursor": "help", "white_space": "nowrap"}, **props)


def copy_button(text: rx.Var[str] | str, button_id: str, label: str = "Copy") -> rx.Component:
    return rx.button(
        rx.icon("copy", size=14),
        label,
        on_click=[rx.set_clipboard(text), rx.toast.success("Copied to the clipboard", duration=2000)],
        variant="soft",
        size="1",
        id=button_id,
        type="button",
    )


def dialog_actions(submit: rx.Component) -> rx.Component:
    """A dialog form's footer: Cancel (closes the dialog) and its submit button."""
    return rx.hstack(
        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
        submit,
        justify="end", spacing="3", width="100%",
    )


def confirm_dialog(state: type[Confirmations], action: str, title: Any, body: Any, label: str,
                   on_confirm: Any, confirm_id: str) -> rx.Component:
    """Asks before a destructive action: Cancel, or a red ``label`` button that runs ``on_confirm``.

    Open while ``state.confirm_action == action`` (``state.ask_confirm(action, ...)`` opens it).
    """
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(body, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(label, color_scheme="red", on_click=on_confirm, id=confirm_id),
                spacing="3", justify="end", margin_top="16px",
            ),
            max_width="440px",
        ),
        open=state.confirm_action == action,
        on_open_change=state.cancel_confirm,
    )


def form_dialog(
    title: str,
    *fields: rx.Component,
    submit: rx.Component,
    on_submit: Any,
    open: rx.Var[bool],
    on_open_change: Any,
    intro: str | None = None,
    trigger: rx.Component | None = None,
) -> rx.Component:
    """A dialog holding one form: title, optional intro, the fields, Cancel and ``submit``."""
    content = [rx.dialog.title(title)]
    if intro is not None:
        content.append(rx.text(intro, size="2", color_scheme="gray", margin_bottom="12px"))
    content.append(rx.form(
        rx.vstack(*fields, dialog_actions(submit), spacing="2", width="100%"),
        on_submit=on_submit,
    ))
    parts = [rx.dialog.trigger(trigger)] if trigger is not None else []
    return rx.dialog.root(*parts, rx.dialog.content(*content, max_width="480px"), open=open,
                          on_open_change=on_open_change)


def error_text(message: rx.Var[str], error_id: str) -> rx.Component:
    """A validation message (empty renders nothing)."""
    return rx.cond(
        message != "",
        rx.text(message, color_scheme="red", size="1", id=error_id, role="alert"),
    )


def field_error(errors: ObjectVar[dict[str, str]], field: str, error_id: str) -> rx.Component:
    """The message ``errors`` (a state's field → message dict) holds for ``field``, under it; nothing when none."""
    return error_text(errors.get(field, ""), error_id)


def labelled(label: str, control: rx.Component, errors: ObjectVar[dict[str, str]], field: str, error_id: str,
             hint: str = "") -> rx.Component:
    """A form field: its label, the control, an optional hint, and its error."""
    parts: list[rx.Component] = [rx.text(label, size="2", weight="medium"), control]
    if hint:
        parts.append(rx.text(hint, size="1", color_scheme="gray"))
    parts.append(field_error(errors, field, error_id))
    return rx.vstack(*parts, spacing="1", width="100%", align="stretch")


def empty_state(icon: str, title: str, body: rx.Component | str, *actions: rx.Component, **props: Any) -> rx.Component:
    """What to do next, where there is nothing to show yet."""
    return rx.card(
        rx.center(
            rx.vstack(
                rx.icon(icon, size=32, color=rx.color("gray", 9)),
                rx.heading(title, size="4", align="center"),
                body if isinstance(body, rx.Component) else rx.text(body, color_scheme="gray", align="center"),
                rx.hstack(*actions, spacing="3", justify="center") if actions else rx.fragment(),
                align="center",
                spacing="3",
                padding_y="24px",
                max_width="560px",
            ),
            width="100%",
        ),
        width="100%",
        **props,
    )


def status_count_card(label: str, value: rx.Var[int], color: str, card_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray", weight="medium"),
            rx.heading(value, size="7", color=rx.color(color, 11), id=card_id),
            spacing="1",
        ),
        min_width="110px",
        flex="1",
    )
