"""Shared dashboard state: who is logged in, and the habits every page state shares.

The browser keeps the session token in localStorage (it survives reloads and
is shared between tabs); we keep only its hash.  Every page state that shows
or changes data subclasses ``AuthState`` and decorates its handlers with
``@authed``, so a logged-out or deleted user gets nothing, even from an event
sent by hand.

What else a page state gets from here:

- ``self._route_param("heartbeat_id")``: a dynamic segment of the current URL;
- ``LivePage``: how a page follows the database while it is open, through
  the one polling policy (``_poll``);
- ``Confirmations``: the one "are you sure?" dialog pattern;
- field errors: a page state keeps ``errors: dict[str, str]`` (field → message)
  and its view shows them with ``components.layout.field_error``;
- outages: a handler that cannot reach the database (``@authed``, or
  ``@survives_database_outage`` on a page for logged-out visitors) sets
  ``database_unavailable`` instead of failing, and the page shell shows a
  banner until a later event reaches the database again; what fails before any
  handler runs (Redis, which holds these states with several workers) is
  answered by ``dashboard_exception_handler``.

Database work runs in a thread (``in_thread``): the check-in endpoint shares
this process's event loop, and an argon2 hash or a query must not stall it.
This module imports nothing from pages or components.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar, cast

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec
from reflex_components_sonner.toast import ToastAction

from dashboard.core import users
from dashboard.db import is_database_unavailable, session_scope
from dashboard.timeutil import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = TypeVar("Handler", bound=Callable[..., Any])
# A live page spends at most about this share of wall time refreshing itself:
# on a very large instance it polls less often rather than hog the server.
POLL_DUTY_CYCLE = 0.1

LOGIN_ROUTE = "/login"
SETUP_ROUTE = "/setup"
HOME_ROUTE = "/"
SETTINGS_ROUTE = "/settings"
NOTIFICATIONS_ROUTE = "/settings/notifications"
SERVICE_ROUTE = "/services/[service_id]"
HEARTBEAT_ROUTE = "/heartbeats/[heartbeat_id]"
DYNAMIC_ROUTES = (HEARTBEAT_ROUTE, SERVICE_ROUTE)


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(func, *args, **kwargs)


def route_params(route: str, path: str) -> dict[str, str]:
    """``route_params("/services/[service_id]", "/services/42")`` → ``{"service_id": "42"}``; {} when it does not match."""
    want = [p for p in route.split("/") if p]
    got = [p for p in path.split("/") if p]
    if len(want) != len(got):
        return {}
    params: dict[str, str] = {}
    for pattern, part in zip(want, got, strict=True):
        if pattern.startswith("[") and pattern.endswith("]"):
            params[pattern[1:-1]] = part
        elif pattern != part:
            return {}
    return params


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


def _is_redis_error(error: BaseException) -> bool:
    from redis.exceptions import RedisError

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, RedisError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


REDIS_UNAVAILABLE_TITLE = "The dashboard cannot reach Redis"
REDIS_UNAVAILABLE_TEXT = ("Redis keeps the state of open pages, so pages cannot load or change anything until it is "
                          "back. Check-ins, misses and alerts carry on. Reload the page once Redis is back.")
DATABASE_UNAVAILABLE_TITLE = "The database is unavailable"
DATABASE_UNAVAILABLE_TEXT = ("Lubdub cannot reach its database, so this page cannot load or change anything; it "
                             "retries by itself. Check-ins are refused with 503 meanwhile, so jobs that retry are "
                             "recorded once it is back.")


def dashboard_exception_handler(exception: Exception) -> EventSpec:
    """The app's ``backend_exception_handler``: what reaches Reflex instead of a page state.

    With several workers the page states live in Redis: when it is down no handler
    runs at all, so this is the only place to say so.  A plain message for an outage
    (logged in one line, not as a traceback on every poll); Reflex's own handling
    for anything else.
    """
    if _is_redis_error(exception):
        log.warning("dashboard event failed: Redis is unavailable: %s", exception)
        return rx.toast.error(REDIS_UNAVAILABLE_TITLE, description=REDIS_UNAVAILABLE_TEXT, id="redis-unavailable",
                              duration=600_000, position="top-center", close_button=True,
                              action=ToastAction(label="Reload", on_click=rx.call_script("window.location.reload()")))
    if is_database_unavailable(exception):
        log.warning("dashboard event failed: the database is unavailable: %s", str(exception).splitlines()[0])
        return rx.toast.error(DATABASE_UNAVAILABLE_TITLE, description=DATABASE_UNAVAILABLE_TEXT,
                              id="database-unavailable-toast", position="top-center")
    return default_backend_exception_handler(exception)


class _DatabaseGuard:
    """Turns "the database is unavailable" inside a handler into the tab's banner."""

    def __init__(self, state: AuthState) -> None:
        self._state = state

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: TracebackType | None) -> bool:
        if error is None:
            if self._state.database_unavailable:
                self._state.database_unavailable = False  # it answered again
            return False
        if not is_database_unavailable(error):
            return False
        if not self._state.database_unavailable:
            log.warning("dashboard: the database is unavailable: %s", str(error).splitlines()[0])
            self._state.database_unavailable = True
        return True  # handled: the handler ends here, the page keeps what it shows


def survives_database_outage(handler: Handler) -> Handler:
    """Run an async event handler so that an unreachable database shows the banner instead of an error.

    Put it under ``@rx.event`` (``@authed`` includes it).  Like ``authed``, it keeps
    the handler's name, signature and kind.
    """
    if inspect.isasyncgenfunction(handler):

        @functools.wraps(handler)
        async def guarded_steps(self: AuthState, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            with _DatabaseGuard(self):
                async for step in handler(self, *args, **kwargs):
                    yield step

        return cast(Handler, guarded_steps)
    if not inspect.iscoroutinefunction(handler):
        raise TypeError(f"@survives_database_outage needs an async handler, not {handler.__qualname__}")

    @functools.wraps(handler)
    async def guarded(self: AuthState, *args: Any, **kwargs: Any) -> Any:
        with _DatabaseGuard(self):
            return await handler(self, *args, **kwargs)
        return None

    return cast(Handler, guarded)


def authed(handler: Handler) -> Handler:
    """Run an async event handler only for a logged-in tab; send any other to login (or setup).

    Put it under ``@rx.event``.  It keeps the handler's name, signature and
    type hints (Reflex reads them to register the event and convert its
    arguments) and its kind: a coroutine stays a coroutine, an async generator
    (a handler that ``yield``s to show progress) stays an async generator.
    Inside, ``self._user_id`` and ``self.user_is_admin`` describe the user.
    A database outage shows the banner (``survives_database_outage``).
    """
    if inspect.isasyncgenfunction(handler):

        @functools.wraps(handler)
        async def guarded_steps(self: AuthState, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            if await self._user() is None:
                yield await self._login_redirect()
                return
            async for step in handler(self, *args, **kwargs):
                yield step

        return survives_database_outage(cast(Handler, guarded_steps))
    if not inspect.iscoroutinefunction(handler):
        raise TypeError(f"@authed needs an async handler, not {handler.__qualname__}")

    @functools.wraps(handler)
    async def guarded(self: AuthState, *args: Any, **kwargs: Any) -> Any:
        if await self._user() is None:
            return await self._login_redirect()
        return await handler(self, *args, **kwargs)

    return survives_database_outage(cast(Handler, guarded))


class AuthState(rx.State):
    session_token: str = rx.LocalStorage("", name="lubdub_session", sync=True)
    user_email: str = ""
    user_is_admin: bool = False
    # The last attempt of this tab to reach the database failed (see survives_database_outage).
    database_unavailable: bool = False
    _user_id: str = ""
    # When each live state (by name) may refresh again; see ``_poll``.
    _next_poll_at: dict[str, float] = {}

    async def _poll(self, refresh: Callable[[], Awaitable[None]]) -> None:
        """The polling policy of every live page: run ``refresh`` unless the last one says to wait.

        A state's refreshes take at most ``POLL_DUTY_CYCLE`` of wall time: after
        one that took 0.5 s, the next waits 5 s whatever the page's timer says.
        """
        name = self.get_full_name()
        started = time.time()
        if started < self._next_poll_at.get(name, 0.0):
            return
        await refresh()
        elapsed = time.time() - started
        self._next_poll_at = {**self._next_poll_at, name: started + elapsed / POLL_DUTY_CYCLE}

    async def _user(self) -> CurrentUser | None:
        """Check the session against the database (cheap: one primary-key read)."""
        user = await in_thread(lookup_user, self.session_token)
        if user is None:
            self.user_email, self.user_is_admin, self._user_id = "", False, ""
        else:
            self.user_email, self.user_is_admin, self._user_id = user.email, user.is_admin, user.id
        return user

    async def _login_redirect(self) -> rx.event.EventSpec:
        return rx.redirect(LOGIN_ROUTE if await in_thread(has_users) else SETUP_ROUTE, replace=True)

    def _route_param(self, name: str) -> str:
        """A dynamic segment of the current URL (``"heartbeat_id"`` on /heartbeats/…), else ""."""
        path = self.router.url.path
        for route in DYNAMIC_ROUTES:
            value = route_params(route, path).get(name)
            if value:
                return value
        return ""

    @rx.event
    @authed
    async def require_login(self) -> Any:
        """on_load of a protected page without data of its own: off to login (or setup) without a session."""
        return None

    @rx.event
    @survives_database_outage
    async def logout(self) -> Any:
        if self.session_token:
            await in_thread(end_session, self.session_token)
        self.session_token = ""
        self.user_email, self.user_is_admin, self._user_id = "", False, ""
        return rx.redirect(LOGIN_ROUTE, replace=True)


class Confirmations(rx.State, mixin=True):
    """The "are you sure?" step before a destructive action, one dialog open at a time.

    A page state mixes it in (``class ServiceState(Confirmations, AuthState)``);
    its view opens a dialog with ``ask_confirm("delete-service", id, name)``
    and draws it with ``components.layout.confirm_dialog(State, "delete-service", ...)``;
    the action's handler reads ``confirm_target_id`` and calls
    ``self._close_confirm()``.  Each page state has its own copy of these vars.
    """

    # Which confirmation is open ("" for none), and what it is about.
    confirm_action: str = ""
    confirm_target_id: str = ""
    confirm_target_name: str = ""

    @rx.event
    def ask_confirm(self, action: str, target_id: str, target_name: str) -> None:
        self.confirm_action, self.confirm_target_id, self.confirm_target_name = action, target_id, target_name

    @rx.event
    def cancel_confirm(self) -> None:
        self._close_confirm()

    def _close_confirm(self) -> None:
        # The target stays: the dialog still shows its name while it fades out.
        self.confirm_action = ""


class LivePage(rx.State, mixin=True):
    """A page that follows the database while it is open; mixed into an ``AuthState``.

    Its view holds ``live_poller(State.tick)``.  The state defines ``_refresh``
    (what ``load`` shows) and may narrow what a tick does: ``_refresh_live``
    (by default ``_refresh``), and ``_is_showing`` (False while the state still
    holds another page than the URL's: the timer also fires as a page mounts,
    before its on_load has switched the state over).
    """

    async def _refresh(self) -> None:
        raise NotImplementedError

    async def _refresh_live(self) -> None:
        await self._refresh()

    def _is_showing(self) -> bool:
        return True

    @rx.event
    @authed
    async def load(self) -> None:
        await self._refresh()

    @rx.event
    @authed
    async def tick(self, _value: str = "") -> None:
        if self._is_showing():
            await self._poll(self._refresh_live)
