"""The create / edit heartbeat dialog of the service and heartbeat pages (its state: ``forms/heartbeat.py``)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.components.humanize import UNITS
from dashboard.components.layout import dialog_actions, field_error
from dashboard.forms.heartbeat import HeartbeatFormState
from dashboard.models import ALLOWED_METHODS

UNIT_NAMES = list(UNITS)[::-1]  # seconds, minutes, hours, days


def _seconds_field(label: str, field: str, value: rx.Var[str], unit: rx.Var[str], hint: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.hstack(
            rx.input(name=field, default_value=value, type="number", min="0", step="any", id=f"hb-{field}",
                     width="100%", input_mode="decimal"),
            rx.select(UNIT_NAMES, name=f"{field}_unit", default_value=unit, id=f"hb-{field}-unit"),
            spacing="2",
            width="100%",
        ),
        rx.text(hint, size="1", color_scheme="gray"),
        field_error(HeartbeatFormState.errors, field, f"hb-{field}-error"),
        spacing="1",
        width="100%",
    )


def heartbeat_dialog(after_save: Any = None) -> rx.Component:
    """The dialog; ``after_save`` runs after a submit (e.g. the page's refresh)."""
    initial = HeartbeatFormState.initial
    on_submit: list[Any] = [HeartbeatFormState.submit]
    if after_save is not None:
        on_submit.append(after_save)
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(HeartbeatFormState.editing_id == "", "New heartbeat", "Edit heartbeat")),
            rx.text(
                "A heartbeat watches one job. Say how often the job runs; Lubdub raises the alarm "
                "when a check-in is later than that plus the grace period.",
                size="2", color_scheme="gray", margin_bottom="12px",
            ),
            rx.form(
                rx.vstack(
                    rx.vstack(
                        rx.text("Name", size="2", weight="medium"),
                        rx.input(name="name", default_value=initial.name, id="hb-name",
                                 placeholder="nightly-backup", width="100%", auto_focus=True),
                        field_error(HeartbeatFormState.errors, "name", "hb-name-error"),
                        spacing="1", width="100%",
                    ),
                    _seconds_field("Expected every", "interval", initial.interval, initial.interval_unit,
                                   "How often the job runs (10 seconds to 365 days)."),
                    _seconds_field("Grace period", "grace", initial.grace, initial.grace_unit,
                                   "Extra time after a missed check-in before it counts as down."),
                    rx.vstack(
                        rx.text("Accepted methods", size="2", weight="medium"),
                        rx.hstack(
                            *[rx.text(rx.hstack(rx.checkbox(name=f"method_{m}", id=f"hb-method-{m}",
                                                            default_checked=initial.methods.contains(m)),
                                                m, spacing="1", align="center"), as_="label", size="2")
                              for m in ALLOWED_METHODS],
                            spacing="4", wrap="wrap",
                        ),
                        field_error(HeartbeatFormState.errors, "methods", "hb-methods-error"),
                        spacing="1", width="100%",
                    ),
                    rx.cond(
                        HeartbeatFormState.editing_id != "",
                        rx.vstack(
                            rx.text("Service", size="2", weight="medium"),
                            rx.select.root(
                                rx.select.trigger(id="hb-service", width="100%"),
                                rx.select.content(rx.foreach(HeartbeatFormState.service_options,
                                                             lambda o: rx.select.item(o.name, value=o.id))),
                                name="service_id",
                                default_value=HeartbeatFormState.target_service_id,
                            ),
                            field_error(HeartbeatFormState.errors, "service_id", "hb-service-error"),
                            spacing="1", width="100%",
                        ),
                    ),
                    field_error(HeartbeatFormState.errors, "form", "hb-form-error"),
                    dialog_actions(rx.button("Save", type="submit", id="hb-save", loading=HeartbeatFormState.saving)),
                    spacing="4",
                    width="100%",
                ),
                on_submit=on_submit,
                width="100%",
            ),
            max_width="480px",
            id="heartbeat-dialog",
        ),
        open=HeartbeatFormState.dialog_open,
        on_open_change=HeartbeatFormState.set_dialog_open,
    )
