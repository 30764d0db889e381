"""The state of the create / edit heartbeat dialog, shared by the service and heartbeat pages.

Its view is ``components/heartbeat_dialog.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from dashboard.components.humanize import split_seconds
from dashboard.core import heartbeats
from dashboard.core.errors import DomainError, NotFound
from dashboard.core.overview import service_names
from dashboard.db import session_scope
from dashboard.forms.parsing import HEARTBEAT_FIELDS, domain_errors, heartbeat_input, heartbeat_update_input, place_errors
from dashboard.models import DEFAULT_METHODS
from dashboard.state import AuthState, authed, in_thread
from dashboard.timeutil import utcnow


@dataclass
class ServiceOption:
    id: str = ""
    name: str = ""


@dataclass
class HeartbeatFormValues:
    """What the dialog's (uncontrolled) inputs start from each time it opens."""

    name: str = ""
    interval: str = "5"
    interval_unit: str = "minutes"
    grace: str = "0"
    grace_unit: str = "minutes"
    methods: list[str] = field(default_factory=lambda: list(DEFAULT_METHODS))


def save_heartbeat(editing_id: str, service_id: str, form: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """Create (``editing_id`` empty) or update a heartbeat from the form.

    ``editing_id`` is a public id (the only id the browser holds). Returns (the
    heartbeat's public id, {}) on success, (None, field errors) otherwise.
    """
    if editing_id:
        update, errors = heartbeat_update_input(form)
        if update is None:
            return None, errors
        try:
            with session_scope(write=True) as session:
                row_id = heartbeats.get_by_public_id(session, editing_id).id
                return heartbeats.update_heartbeat(session, row_id, update, utcnow()).public_id, {}
        except DomainError as exc:
            return None, domain_errors(exc)
    create, errors = heartbeat_input(form, service_id)
    if create is None:
        return None, errors
    try:
        with session_scope(write=True) as session:
            return heartbeats.create_heartbeat(session, create, utcnow()).public_id, {}
    except DomainError as exc:
        return None, domain_errors(exc)


def read_heartbeat_form(public_id: str) -> tuple[HeartbeatFormValues, str, list[ServiceOption]] | None:
    """The stored values of a heartbeat as the edit form shows them, its service, and the services to move it to."""
    try:
        with session_scope() as session:
            heartbeat = heartbeats.get_by_public_id(session, public_id)
            choices = service_names(session)
    except NotFound:
        return None
    # A cron heartbeat has no interval: the form (interval only, for now) starts empty rather than fail.
    interval, interval_unit = split_seconds(heartbeat.interval or 0)
    grace, grace_unit = split_seconds(heartbeat.grace) if heartbeat.grace else (0, interval_unit)
    values = HeartbeatFormValues(name=heartbeat.name, interval=str(interval), interval_unit=interval_unit,
                                 grace=str(grace), grace_unit=grace_unit, methods=heartbeat.method_list)
    return values, heartbeat.service_id, [ServiceOption(id=i, name=n) for i, n in choices]


class HeartbeatFormState(AuthState):
    dialog_open: bool = False
    editing_id: str = ""
    target_service_id: str = ""
    initial: HeartbeatFormValues = HeartbeatFormValues()
    service_options: list[ServiceOption] = []
    errors: dict[str, str] = {}
    saving: bool = False

    @rx.event
    def open_create(self, service_id: str) -> None:
        self.errors = {}
        self.editing_id, self.target_service_id, self.initial = "", service_id, HeartbeatFormValues()
        self.dialog_open = True

    @rx.event
    @authed
    async def open_edit(self, heartbeat_id: str) -> Any:
        found = await in_thread(read_heartbeat_form, heartbeat_id)
        if found is None:
            return rx.toast.error("This heartbeat no longer exists")
        self.errors = {}
        self.initial, self.target_service_id, self.service_options = found
        self.editing_id = heartbeat_id
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    @authed
    async def submit(self, form: dict[str, Any]) -> Any:
        self.errors = {}
        self.saving = True
        yield
        heartbeat_id, errors = await in_thread(save_heartbeat, self.editing_id, self.target_service_id, form)
        self.saving = False
        if heartbeat_id is None:
            self.errors = place_errors(errors, (*HEARTBEAT_FIELDS, "form"), "form")
            return
        self.dialog_open = False
        if self.editing_id:
            yield rx.toast.success("Heartbeat saved")
        else:
            # A new heartbeat is useless until its job calls the URL: show it straight away.
            yield rx.redirect(f"/heartbeats/{heartbeat_id}")
