"""The settings page's state: users (admins manage them) and API keys (a new key's token is shown once)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.forms.parsing import place_errors
from dashboard.pages.settings import data
from dashboard.pages.settings.data import KeyRow, UserRow
from dashboard.state import AuthState, Confirmations, authed, in_thread
from dashboard.timeutil import utcnow

# What the page's confirmation dialogs ask about (``Confirmations.confirm_action``).
DELETE_USER, REVOKE_KEY = "delete-user", "revoke-key"


class SettingsState(Confirmations, AuthState):
    users: list[UserRow] = []
    keys: list[KeyRow] = []
    user_dialog_open: bool = False
    # Create key; the token is shown once, then forgotten.
    key_dialog_open: bool = False
    new_token: str = ""
    # The add-user dialog's fields (email, password) and the new key's (name).
    errors: dict[str, str] = {}

    async def _refresh(self) -> None:
        self.users, self.keys = await in_thread(data.load_settings, self._user_id, utcnow())

    @rx.event
    @authed
    async def load(self) -> None:
        await self._refresh()

    # --- users ----------------------------------------------------------------
    @rx.event
    def set_user_dialog_open(self, value: bool) -> None:
        self.errors = {}
        self.user_dialog_open = value

    @rx.event
    @authed
    async def submit_user(self, form: dict[str, Any]) -> Any:
        if not self.user_is_admin:
            return rx.toast.error("Only administrators can add users")
        self.errors = await in_thread(data.add_user, str(form.get("email", "")), str(form.get("password", "")),
                                      form.get("is_admin") in (True, "on", "true"))
        if self.errors:
            return None
        self.user_dialog_open = False
        await self._refresh()
        return rx.toast.success("User added")

    @rx.event
    @authed
    async def confirm_delete_user(self) -> Any:
        """After ``ask_confirm(DELETE_USER, id, email)``."""
        self._close_confirm()
        if not self.user_is_admin:
            return rx.toast.error("Only administrators can delete users")
        if self.confirm_target_id == self._user_id:
            return rx.toast.error("You cannot delete yourself")
        await in_thread(data.remove_user, self.confirm_target_id)
        await self._refresh()
        return rx.toast.success(f"Deleted {self.confirm_target_name}")

    # --- API keys -------------------------------------------------------------
    @rx.event
    def set_key_dialog_open(self, value: bool) -> None:
        self.errors = {}
        if not value:
            self.new_token = ""  # shown once: closing the dialog forgets it
        self.key_dialog_open = value

    @rx.event
    @authed
    async def submit_key(self, form: dict[str, Any]) -> None:
        token, errors = await in_thread(data.create_key, str(form.get("name", "")), str(form.get("scope", "read-only")))
        self.errors = place_errors(errors, ("name",), "name")
        if token is None:
            return
        self.new_token = token
        await self._refresh()

    @rx.event
    @authed
    async def confirm_revoke(self) -> Any:
        """After ``ask_confirm(REVOKE_KEY, id, name)``."""
        self._close_confirm()
        await in_thread(data.revoke_key, self.confirm_target_id)
        await self._refresh()
        return rx.toast.success(f"Revoked {self.confirm_target_name}")
