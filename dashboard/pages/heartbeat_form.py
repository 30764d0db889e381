"""The create / edit heartbeat dialog, shared by the service and heartbeat pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from dashboard.components.humanize import UNITS, split_seconds
from dashboard.components.layout import dialog_actions, field_error
from dashboard.core import heartbeats
from dashboard.core.errors import DomainError, NotFound
from dashboard.core.overview import service_names
from dashboard.db import session_scope
from dashboard.models import ALLOWED_METHODS, DEFAULT_METHODS
from dashboard.pages.forms import domain_errors, heartbeat_input, heartbeat_update_input
from dashboard.state import AuthState, in_thread
from dashboard.timeutil import utcnow

UNIT_NAMES = list(UNITS)[::-1]  # seconds, minutes, hours, days
ERROR_FIELDS = ("name", "interval", "grace", "methods", "service_id", "form")


@dataclass
class ServiceOption:
    id: str = ""
    name: str = ""


def save_heartbeat(editing_id: str, service_id: str, form: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """Create (``editing_id`` empty) or update a heartbeat from the form.

    Returns (the heartbeat id, {}) on success, (None, field errors) otherwise.
    """
    if editing_id:
        update, errors = heartbeat_update_input(form)
        if update is None:
            return None, errors
        try:
            with session_scope(write=True) as session:
                return heartbeats.update_heartbeat(session, editing_id, update, utcnow()).id, {}
        except DomainError as exc:
            return None, domain_errors(exc)
    create, errors = heartbeat_input(form, service_id)
    if create is None:
        return None, errors
    try:
        with session_scope(write=True) as session:
            return heartbeats.create_heartbeat(session, create, utcnow()).id, {}
    except DomainError as exc:
        return None, domain_errors(exc)


def read_heartbeat_form(heartbeat_id: str) -> dict[str, Any] | None:
    """The stored values of a heartbeat, as the edit form shows them."""
    try:
        with session_scope() as session:
            heartbeat = heartbeats.get_heartbeat(session, heartbeat_id)
            choices = service_names(session)
    except NotFound:
        return None
    interval, interval_unit = split_seconds(heartbeat.interval)
    grace, grace_unit = split_seconds(heartbeat.grace) if heartbeat.grace else (0, interval_unit)
    return {
        "name": heartbeat.name, "interval": str(interval), "interval_unit": interval_unit,
        "grace": str(grace), "grace_unit": grace_unit, "methods": heartbeat.method_list,
        "service_id": heartbeat.service_id,
        "services": [ServiceOption(id=i, name=n) for i, n in choices],
    }


class HeartbeatFormState(AuthState):
    dialog_open: bool = False
    editing_id: str = ""
    target_service_id: str = ""
    # Default values the (uncontrolled) inputs start from each time the dialog opens.
    f_name: str = ""
    f_interval: str = "5"
    f_interval_unit: str = "minutes"
    f_grace: str = "0"
    f_grace_unit: str = "minutes"
    f_methods: list[str] = list(DEFAULT_METHODS)
    service_options: list[ServiceOption] = []
    err_service_id: str = ""
    err_name: str = ""
    err_interval: str = ""
    err_grace: str = ""
    err_methods: str = ""
    err_form: str = ""
    saving: bool = False

    def _clear_errors(self) -> None:
        self.err_name = self.err_interval = self.err_grace = self.err_methods = self.err_form = ""
        self.err_service_id = ""

    @rx.event
    def open_create(self, service_id: str) -> None:
        self._clear_errors()
        self.editing_id, self.target_service_id = "", service_id
        self.f_name, self.f_interval, self.f_interval_unit = "", "5", "minutes"
        self.f_grace, self.f_grace_unit, self.f_methods = "0", "minutes", list(DEFAULT_METHODS)
        self.dialog_open = True

    @rx.event
    async def open_edit(self, heartbeat_id: str) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        values = await in_thread(read_heartbeat_form, heartbeat_id)
        if values is None:
            return rx.toast.error("This heartbeat no longer exists")
        self._clear_errors()
        self.editing_id, self.target_service_id = heartbeat_id, values["service_id"]
        self.f_name, self.f_interval, self.f_interval_unit = values["name"], values["interval"], values["interval_unit"]
        self.f_grace, self.f_grace_unit, self.f_methods = values["grace"], values["grace_unit"], values["methods"]
        self.service_options = values["services"]
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        if await self._user() is None:
            yield await self._login_redirect()
            return
        self._clear_errors()
        self.saving = True
        yield
        heartbeat_id, errors = await in_thread(save_heartbeat, self.editing_id, self.target_service_id, form)
        self.saving = False
        if heartbeat_id is None:
            for field, message in errors.items():
                setattr(self, f"err_{field if field in ERROR_FIELDS else 'form'}", message)
            return
        self.dialog_open = False
        if self.editing_id:
            yield rx.toast.success("Heartbeat saved")
        else:
            # A new heartbeat is useless until its job calls the URL: show it straight away.
            yield rx.redirect(f"/heartbeats/{heartbeat_id}")


def _seconds_field(label: str, field: str, value: rx.Var[str], unit: rx.Var[str], error: rx.Var[str], hint: str) -> rx.Component:
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
        field_error(error, f"hb-{field}-error"),
        spacing="1",
        width="100%",
    )


def heartbeat_dialog(after_save: Any = None) -> rx.Component:
    """The dialog; ``after_save`` runs after a submit (e.g. the page's refresh)."""
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
                        rx.input(name="name", default_value=HeartbeatFormState.f_name, id="hb-name",
                                 placeholder="nightly-backup", width="100%", auto_focus=True),
                        field_error(HeartbeatFormState.err_name, "hb-name-error"),
                        spacing="1", width="100%",
                    ),
                    _seconds_field("Expected every", "interval", HeartbeatFormState.f_interval,
                                   HeartbeatFormState.f_interval_unit, HeartbeatFormState.err_interval,
                                   "How often the job runs (10 seconds to 365 days)."),
                    _seconds_field("Grace period", "grace", HeartbeatFormState.f_grace,
                                   HeartbeatFormState.f_grace_unit, HeartbeatFormState.err_grace,
                                   "Extra time after a missed check-in before it counts as down."),
                    rx.vstack(
                        rx.text("Accepted methods", size="2", weight="medium"),
                        rx.hstack(
                            *[rx.text(rx.hstack(rx.checkbox(name=f"method_{m}", id=f"hb-method-{m}",
                                                            default_checked=HeartbeatFormState.f_methods.contains(m)),
                                                m, spacing="1", align="center"), as_="label", size="2")
                              for m in ALLOWED_METHODS],
                            spacing="4", wrap="wrap",
                        ),
                        field_error(HeartbeatFormState.err_methods, "hb-methods-error"),
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
                            field_error(HeartbeatFormState.err_service_id, "hb-service-error"),
                            spacing="1", width="100%",
                        ),
                    ),
                    field_error(HeartbeatFormState.err_form, "hb-form-error"),
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
