"""The notifications page's state: channels, their create / edit and attach dialogs, test sends, the log."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.components.deliveries import DeliveryRow
from dashboard.core.errors import NotFound
from dashboard.pages.notifications import data
from dashboard.pages.notifications.data import KINDS, STATUS_FILTERS, ChannelForm, ChannelRow, TargetOption
from dashboard.state import AuthState, Confirmations, LivePage, authed, in_thread
from dashboard.timeutil import utcnow

# The channel dialog's fields, as the engine names them in its errors; any other error shows at the bottom.
CHANNEL_FIELDS = ("name", "config.url", "config.secret", "config.headers", "config.to", "renotify_minutes")
DELETE_CHANNEL = "delete-channel"


class NotificationsState(Confirmations, LivePage, AuthState):
    channels: list[ChannelRow] = []
    deliveries: list[DeliveryRow] = []
    status_filter: str = "all"
    # Create / edit dialog.
    dialog_open: bool = False
    editing_id: str = ""
    form: ChannelForm = ChannelForm()
    form_kind: str = "webhook"
    form_version: int = 0
    # Attach dialog.
    attach_open: bool = False
    attach_channel_id: str = ""
    attach_channel_name: str = ""
    attach_target: str = ""
    targets: list[TargetOption] = []
    # Field → message, for the open dialog (the attach dialog's one field is "target").
    errors: dict[str, str] = {}
    # The last test send, shown under its channel.
    test_channel_id: str = ""
    test_running: bool = False
    test_ok: bool = False
    test_message: str = ""

    @rx.var
    def other_errors(self) -> str:
        """The channel dialog's errors that belong to none of its fields."""
        return "; ".join(f"{k}: {v}" for k, v in self.errors.items() if k not in CHANNEL_FIELDS)

    async def _refresh(self) -> None:
        self.channels = await in_thread(data.channel_rows)
        await self._refresh_log()

    async def _refresh_live(self) -> None:
        """Every few seconds while open: the log moves as deliveries are retried."""
        await self._refresh_log()

    async def _refresh_log(self) -> None:
        fresh = await in_thread(data.delivery_rows, self.status_filter, utcnow())
        if fresh != self.deliveries:
            self.deliveries = fresh

    @rx.event
    @authed
    async def set_status_filter(self, value: str) -> None:
        if value in STATUS_FILTERS:
            self.status_filter = value
            await self._refresh_log()

    # --- create / edit ----------------------------------------------------------
    @rx.event
    def open_new(self) -> None:
        self.editing_id, self.form, self.form_kind, self.errors = "", ChannelForm(), "webhook", {}
        self.form_version += 1
        self.dialog_open = True

    @rx.event
    @authed
    async def open_edit(self, channel_id: str) -> Any:
        try:
            self.form = await in_thread(data.channel_form, channel_id)
        except NotFound:
            await self._refresh()
            return rx.toast.error("This channel no longer exists")
        self.editing_id, self.form_kind, self.errors = channel_id, self.form.kind, {}
        self.form_version += 1
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value
        if not value:
            self.errors = {}

    @rx.event
    def set_form_kind(self, value: str | list[str]) -> None:
        if isinstance(value, str) and value in KINDS:
            self.form_kind = value

    @rx.event
    @authed
    async def submit_channel(self, form: dict[str, Any]) -> Any:
        self.errors = await in_thread(data.save_channel, self.editing_id, {**form, "kind": self.form_kind})
        if self.errors:
            return None
        self.dialog_open = False
        await self._refresh()
        return rx.toast.success("Channel saved", duration=2000)

    # --- delete -----------------------------------------------------------------
    @rx.event
    @authed
    async def confirm_delete(self) -> Any:
        """After ``ask_confirm(DELETE_CHANNEL, id, name)``."""
        self._close_confirm()
        await in_thread(data.remove_channel, self.confirm_target_id)
        await self._refresh()
        return rx.toast.success(f"Deleted {self.confirm_target_name}")

    # --- attach / detach --------------------------------------------------------
    @rx.event
    @authed
    async def open_attach(self, channel_id: str, name: str) -> None:
        self.targets = await in_thread(data.target_options)
        self.attach_channel_id, self.attach_channel_name = channel_id, name
        self.attach_target, self.errors, self.attach_open = "", {}, True

    @rx.event
    def set_attach_open(self, value: bool) -> None:
        self.attach_open = value

    @rx.event
    def set_attach_target(self, value: str) -> None:
        self.attach_target = value

    @rx.event
    @authed
    async def confirm_attach(self) -> Any:
        problem = await in_thread(data.attach_channel, self.attach_channel_id, self.attach_target)
        self.errors = {"target": problem} if problem else {}
        if problem:
            return None
        self.attach_open = False
        await self._refresh()
        return rx.toast.success(f"Attached {self.attach_channel_name}", duration=2000)

    @rx.event
    @authed
    async def detach(self, channel_id: str, key: str) -> None:
        await in_thread(data.detach_channel, channel_id, key)
        await self._refresh()

    # --- test send --------------------------------------------------------------
    @rx.event
    @authed
    async def send_test_notification(self, channel_id: str) -> Any:
        self.test_channel_id, self.test_running, self.test_message = channel_id, True, ""
        yield
        try:
            self.test_ok, self.test_message = await in_thread(data.send_channel_test, channel_id)
        except NotFound:
            self.test_ok, self.test_message = False, "This channel no longer exists"
        self.test_running = False
        await self._refresh_log()
        yield (rx.toast.success("Test notification sent", duration=2000) if self.test_ok
               else rx.toast.error("The test notification failed"))
