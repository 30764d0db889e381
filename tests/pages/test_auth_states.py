"""Setup, login, logout, and what a tab without a session gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dashboard.core import users
from dashboard.db import session_scope
from dashboard.pages.login import LoginState
from dashboard.pages.login.state import LOGIN_FAILED
from dashboard.pages.overview import OverviewState
from dashboard.pages.service import ServiceState
from dashboard.pages.settings import SettingsState
from dashboard.pages.setup import SetupState
from dashboard.state import AuthState
from tests.pages.helpers import PASSWORD, call, make_user, redirect_target, run

State = Callable[[type[Any]], Any]


def test_the_first_visit_to_an_empty_instance_goes_to_setup(state: State) -> None:
    assert redirect_target(call(state(OverviewState).load())) == "/setup"
    assert redirect_target(call(state(LoginState).load())) == "/setup"
    assert call(state(SetupState).load()) == []


def test_setup_creates_the_admin_and_logs_them_in(state: State) -> None:
    setup = state(SetupState)
    events = call(setup.submit({"email": "Admin@Example.com", "password": PASSWORD, "confirm": PASSWORD}))
    assert redirect_target(events) == "/"
    assert setup.session_token
    assert state(AuthState).user_email == "admin@example.com"
    with session_scope() as session:
        (admin,) = users.list_users(session)
    assert admin.is_admin
    # Setup is closed from now on.
    assert redirect_target(call(setup.load())) == "/login"


def test_setup_shows_each_problem_next_to_its_field(state: State) -> None:
    setup = state(SetupState)
    call(setup.submit({"email": "a@b.c", "password": PASSWORD, "confirm": "other"}))
    assert setup.errors == {"confirm": "the passwords differ"}
    call(setup.submit({"email": "not-an-email", "password": PASSWORD, "confirm": PASSWORD}))
    assert setup.errors == {"email": "enter a valid email address"}
    call(setup.submit({"email": "a@b.c", "password": "short", "confirm": "short"}))
    assert setup.errors["password"].startswith("the password needs at least")
    assert not setup.session_token


def test_setup_cannot_make_a_second_admin(state: State) -> None:
    make_user()
    events = call(state(SetupState).submit({"email": "intruder@x.y", "password": PASSWORD, "confirm": PASSWORD}))
    assert redirect_target(events) == "/login"
    with session_scope() as session:
        assert users.count_users(session) == 1


def test_login_with_the_right_password_only(state: State) -> None:
    make_user()
    login = state(LoginState)
    assert redirect_target(call(login.load())) is None  # users exist, no session: stay on the form
    call(login.submit({"email": "admin@example.com", "password": "wrong password"}))
    assert (login.errors, login.session_token) == ({"form": LOGIN_FAILED}, "")
    events = call(login.submit({"email": " ADMIN@example.com ", "password": PASSWORD}))
    assert redirect_target(events) == "/"
    assert login.session_token
    # A logged-in visit to /login goes home.
    assert redirect_target(call(login.load())) == "/"


def test_every_protected_page_sends_a_tab_without_a_session_to_login(state: State) -> None:
    make_user()
    for page_state in (OverviewState, ServiceState, SettingsState):
        assert redirect_target(call(state(page_state).load())) == "/login"
    state(AuthState).session_token = "forged-token"
    assert redirect_target(call(state(OverviewState).load())) == "/login"


def test_logout_ends_the_session_on_the_server(state: State, logged_in: AuthState) -> None:
    token = logged_in.session_token
    assert redirect_target(call(logged_in.logout())) == "/login"
    assert logged_in.session_token == ""
    # Even a copy of the old token no longer works.
    logged_in.session_token = token
    assert redirect_target(call(state(OverviewState).load())) == "/login"


def test_a_deleted_user_loses_access_at_once(state: State, logged_in: AuthState) -> None:
    assert redirect_target(call(state(OverviewState).load())) is None
    make_user("colleague@example.com")
    with session_scope(write=True) as session:
        (user,) = [u for u in users.list_users(session) if u.email == "admin@example.com"]
        users.delete_user(session, user.id)
    # The open page's next poll notices and sends the tab to the login page.
    assert redirect_target(call(state(OverviewState).tick())) == "/login"
    assert state(AuthState).user_email == ""


def test_a_slow_page_polls_less_often(logged_in: AuthState, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("dashboard.state.time.time", lambda: clock[0])
    refreshed: list[float] = []

    async def slow_refresh() -> None:
        refreshed.append(clock[0])
        clock[0] += 0.5  # at 10 % duty cycle, the next refresh may start 5 s after this one did

    run(logged_in._poll(slow_refresh))
    clock[0] += 2
    run(logged_in._poll(slow_refresh))
    assert refreshed == [1000.0]
    clock[0] += 3
    run(logged_in._poll(slow_refresh))
    assert refreshed == [1000.0, 1005.5]
