"""The first-visit form's state: create the admin, once."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.core import users
from dashboard.db import session_scope
from dashboard.state import HOME_ROUTE, LOGIN_ROUTE, AuthState, has_users, in_thread, survives_database_outage
from dashboard.timeutil import utcnow


class SetupClosed(Exception):
    """Someone created a user meanwhile: setup is only for an empty instance."""


def create_first_admin(email: str, password: str) -> str:
    """Create the admin and log them in; returns the session token.

    Raises ``users.UserError`` for bad input and ``SetupClosed`` when a user
    exists already (checked inside the same write transaction, so two people
    racing through setup cannot both become admin).
    """
    with session_scope(write=True) as session:
        if users.count_users(session) > 0:
            raise SetupClosed()
        now = utcnow()
        user = users.create_user(session, email, password, now=now, is_admin=True)
        return users.start_session(session, user, now=now)


class SetupState(AuthState):
    errors: dict[str, str] = {}

    @rx.event
    @survives_database_outage
    async def load(self) -> Any:
        if await in_thread(has_users):
            return rx.redirect(LOGIN_ROUTE, replace=True)
        return None

    @rx.event
    @survives_database_outage
    async def submit(self, form: dict[str, Any]) -> Any:
        self.errors = {}
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        if password != str(form.get("confirm", "")):
            self.errors = {"confirm": "the passwords differ"}
            return None
        try:
            token = await in_thread(create_first_admin, email, password)
        except users.UserError as exc:
            self.errors = {"email" if exc.field == "email" else "password": str(exc)}
            return None
        except SetupClosed:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self.session_token = token
        await self._user()
        return rx.redirect(HOME_ROUTE, replace=True)
