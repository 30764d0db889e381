"""Shared dashboard state: who is logged in.

The browser keeps the session token in localStorage (it survives reloads and
is shared between tabs); we keep only its hash.  Every page state that shows
or changes data subclasses ``AuthState`` and starts its handlers with
``await self._user()``, so a logged-out or deleted user gets nothing, even
from an event sent by hand.

Database work runs in a thread (``in_thread``): the check-in endpoint shares
this process's event loop, and an argon2 hash or a query must not stall it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import reflex as rx

from dashboard.core import users
from dashboard.db import session_scope
from dashboard.timeutil import utcnow

T = TypeVar("T")
# A live page spends at most about this share of wall time refreshing itself:
# on a very large instance it polls less often rather than hog the server.
POLL_DUTY_CYCLE = 0.1

LOGIN_ROUTE = "/login"
SETUP_ROUTE = "/setup"
HOME_ROUTE = "/"


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(func, *args, **kwargs)


@dataclass(frozen=True)
class CurrentUser:
    id: str
    email: str
    is_admin: bool


def lookup_user(token: str) -> CurrentUser | None:
    """The user a session token belongs to, or None (unknown, expired, user deleted)."""
    if not token:
        return None
    with session_scope() as session:
        user = users.user_for_token(session, token, now=utcnow())
        return None if user is None else CurrentUser(user.id, user.email, user.is_admin)


def has_users() -> bool:
    with session_scope() as session:
        return users.count_users(session) > 0


def end_session(token: str) -> None:
    with session_scope(write=True) as session:
        users.end_session(session, token)


class AuthState(rx.State):
    session_token: str = rx.LocalStorage("", name="lubdub_session", sync=True)
    user_email: str = ""
    user_is_admin: bool = False
    # Shared by the tab's pages, which is right: a tab shows one live page at a time.
    _next_poll_at: float = 0.0

    async def _poll(self, refresh: Callable[[], Awaitable[None]]) -> None:
        """Run a live page's periodic ``refresh`` unless the last one says to wait."""
        started = time.time()
        if started < self._next_poll_at:
            return
        await refresh()
        elapsed = time.time() - started
        self._next_poll_at = started + elapsed / POLL_DUTY_CYCLE

    async def _user(self) -> CurrentUser | None:
        """Check the session against the database (cheap: one primary-key read)."""
        user = await in_thread(lookup_user, self.session_token)
        if user is None:
            self.user_email, self.user_is_admin = "", False
        else:
            self.user_email, self.user_is_admin = user.email, user.is_admin
        return user

    async def _login_redirect(self) -> rx.event.EventSpec:
        return rx.redirect(LOGIN_ROUTE if await in_thread(has_users) else SETUP_ROUTE, replace=True)

    @rx.event
    async def require_login(self) -> Any:
        """on_load of every protected page: off to login (or setup) without a session."""
        if await self._user() is None:
            return await self._login_redirect()
        return None

    @rx.event
    async def logout(self) -> Any:
        if self.session_token:
            await in_thread(end_session, self.session_token)
        self.session_token = ""
        self.user_email, self.user_is_admin = "", False
        return rx.redirect(LOGIN_ROUTE, replace=True)
