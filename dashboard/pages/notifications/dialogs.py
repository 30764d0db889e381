"""The notifications page's dialogs: create / edit a channel, attach it to a service or heartbeat."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.components.layout import dialog_actions, error_text, field_error, labelled
from dashboard.pages.notifications.data import KINDS
from dashboard.pages.notifications.state import NotificationsState

KIND_LABELS = {"webhook": "Webhook", "email": "Email", "apprise": "Apprise"}


def _input(name: str, value: Any, input_id: str, **props: Any) -> rx.Component:
    return rx.input(name=name, default_value=value, id=input_id, width="100%", **props)


def channel_dialog() -> rx.Component:
    form, kind, errors = NotificationsState.form, NotificationsState.form_kind, NotificationsState.errors
    webhook_fields = rx.vstack(
        labelled("URL", _input("url", form.url, "channel-url", placeholder="https://example.com/hooks/lubdub"),
                 errors, "config.url", "channel-url-error",
                 "We POST JSON: heartbeat, service, status, reason, last check-in, dashboard link."),
        labelled("Signing secret (optional)",
                 _input("secret", form.secret, "channel-secret", type="password", auto_complete="off"),
                 errors, "config.secret", "channel-secret-error",
                 "Signs each request: X-Lubdub-Signature: sha256=HMAC(secret, timestamp + '.' + body)."),
        labelled("Extra headers (optional)",
                 rx.text_area(name="headers", default_value=form.headers, id="channel-headers",
                              placeholder="Authorization: Bearer …", width="100%", rows="2"),
                 errors, "config.headers", "channel-headers-error", "One 'Name: value' per line."),
        spacing="2", width="100%",
    )
    email_fields = labelled("Recipients", _input("to", form.recipients, "channel-to", placeholder="ops@example.com, dev@…"),
                            errors, "config.to", "channel-to-error",
                            "Comma-separated. Sent through the server's SMTP settings (SMTP_HOST, ...).")
    apprise_fields = labelled("Apprise URL",
                              _input("url", form.url, "channel-apprise-url", placeholder="slack://T000/B000/XXXX or ntfy://topic"),
                              errors, "config.url", "channel-apprise-url-error",
                              "Any Apprise URL: Slack, Discord, Telegram, ntfy, Teams, PagerDuty and 100+ more.")
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(NotificationsState.editing_id == "", "New channel", "Edit channel")),
            rx.form(
                rx.vstack(
                    labelled("Name", _input("name", form.name, "channel-name", auto_focus=True),
                             errors, "name", "channel-name-error"),
                    rx.text("Kind", size="2", weight="medium"),
                    rx.segmented_control.root(
                        *[rx.segmented_control.item(KIND_LABELS[k], value=k) for k in KINDS],
                        value=kind, on_change=NotificationsState.set_form_kind, id="channel-kind",
                    ),
                    rx.match(kind, ("email", email_fields), ("apprise", apprise_fields), webhook_fields),
                    labelled("Re-notify while down, every … minutes (optional)",
                             _input("renotify", form.renotify, "channel-renotify", placeholder="never"),
                             errors, "renotify_minutes", "channel-renotify-error"),
                    rx.text(rx.hstack(rx.checkbox(name="is_default", default_checked=form.is_default,
                                                  id="channel-default"),
                                      "Default: used by heartbeats with no channel of their own or of their service",
                                      spacing="2", align="center"), as_="label", size="2"),
                    rx.text(rx.hstack(rx.checkbox(name="include_ping_url", default_checked=form.include_ping_url,
                                                  id="channel-include-ping-url"),
                                      "Put the check-in URL in messages (anyone who reads them could check in)",
                                      spacing="2", align="center"), as_="label", size="2"),
                    error_text(NotificationsState.other_errors, "channel-error"),
                    dialog_actions(rx.button("Save", type="submit", id="channel-save")),
                    spacing="3", width="100%",
                ),
                on_submit=NotificationsState.submit_channel,
                # A fresh form each time the dialog opens, so default values follow the channel edited.
                key=NotificationsState.form_version,
            ),
            max_width="560px",
        ),
        open=NotificationsState.dialog_open,
        on_open_change=NotificationsState.set_dialog_open,
    )


def attach_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Attach ", NotificationsState.attach_channel_name),
            rx.vstack(
                rx.select.root(
                    rx.select.trigger(placeholder="Choose a service or a heartbeat", width="100%", id="attach-target"),
                    rx.select.content(rx.foreach(
                        NotificationsState.targets,
                        lambda option: rx.select.item(option.label, value=option.key),
                    )),
                    value=NotificationsState.attach_target,
                    on_change=NotificationsState.set_attach_target,
                ),
                field_error(NotificationsState.errors, "target", "attach-error"),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Attach", on_click=NotificationsState.confirm_attach, id="attach-confirm"),
                    justify="end", spacing="3", width="100%",
                ),
                spacing="3", width="100%",
            ),
            max_width="520px",
        ),
        open=NotificationsState.attach_open,
        on_open_change=NotificationsState.set_attach_open,
    )
