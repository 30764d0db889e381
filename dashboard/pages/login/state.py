"""The login form's state: a session token for the right email and password."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dashboard.core import users
from dashboard.db import session_scope
from dashboard.state import HOME_ROUTE, SETUP_ROUTE, AuthState, has_users, in_thread, survives_database_outage
from dashboard.timeutil import utcnow

LOGIN_FAILED = "wrong email or password"


def log_in(email: str, password: str) -> str | None:
    """A new session token for valid credentials, else None."""
    with session_scope(write=True) as session:
        user = users.authenticate(session, email, password)
        if user is None:
            return None
        return users.start_session(session, user, now=utcnow())


class LoginState(AuthState):
    errors: dict[str, str] = {}

    @rx.event
    @survives_database_outage
    async def load(self) -> Any:
        if await self._user() is not None:
            return rx.redirect(HOME_ROUTE, replace=True)
        if not await in_thread(has_users):
            return rx.redirect(SETUP_ROUTE, replace=True)
        return None

    @rx.event
    @survives_database_outage
    async def submit(self, form: dict[str, Any]) -> Any:
        self.errors = {}
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        if not email or not password:
            self.errors = {"form": "enter your email and password"}
            return None
        token = await in_thread(log_in, email, password)
        if token is None:
            self.errors = {"form": LOGIN_FAILED}
            return None
        self.session_token = token
        await self._user()
        return rx.redirect(HOME_ROUTE, replace=True)
