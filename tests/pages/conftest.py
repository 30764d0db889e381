"""State-level tests of the dashboard: real states and handlers, a real database, no browser.

``root`` is a fresh Reflex state tree (what one browser tab holds on the
server); handlers are called directly, as Reflex's event loop would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
import reflex as rx
from sqlalchemy.engine import Engine

import dashboard.dashboard  # noqa: F401  (registers every page state)
from dashboard.core import users
from dashboard.db import session_scope
from dashboard.state import AuthState
from dashboard.timeutil import utcnow
from tests.pages.helpers import PASSWORD, make_user

S = TypeVar("S", bound=rx.State)


@pytest.fixture
def root(engine: Engine) -> rx.State:
    return rx.State(_reflex_internal_init=True)  # type: ignore[call-arg]


@pytest.fixture
def state(root: rx.State) -> Callable[[type[S]], S]:
    def get(cls: type[S]) -> S:
        return root.get_substate(cls.get_full_name().split(".")[1:])  # type: ignore[return-value]

    return get


@pytest.fixture
def logged_in(state: Callable[[type[S]], S]) -> AuthState:
    """An admin, logged in on this tab."""
    make_user()
    with session_scope(write=True) as session:
        user = users.authenticate(session, "admin@example.com", PASSWORD)
        assert user is not None
        token = users.start_session(session, user, now=utcnow())
    auth = state(AuthState)
    auth.session_token = token
    return auth


@pytest.fixture
def steady_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let every poll run: a browser ticks every 2 s, but a test ticks back to back,
    which the polling policy (``AuthState._poll``) would otherwise space out."""
    monkeypatch.setattr("dashboard.state.time.time", lambda: 1_000_000.0)
