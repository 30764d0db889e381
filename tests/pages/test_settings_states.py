"""Settings: API keys (token shown once, revoke, last use) and users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashboard.core import apikeys, users
from dashboard.db import session_scope
from dashboard.pages.settings import SettingsState
from dashboard.pages.settings.state import DELETE_USER, REVOKE_KEY
from dashboard.state import AuthState
from dashboard.timeutil import utcnow
from tests.pages.helpers import PASSWORD, call, make_user

State = Callable[[type[Any]], Any]


def test_a_new_key_is_shown_once_and_works(state: State, logged_in: AuthState) -> None:
    settings = state(SettingsState)
    call(settings.load())
    assert settings.keys == []

    settings.set_key_dialog_open(True)
    call(settings.submit_key({"name": "  ", "scope": "read-only"}))
    assert settings.errors.get("name") and settings.new_token == ""
    call(settings.submit_key({"name": "ci", "scope": "read-write"}))
    token = settings.new_token
    assert token.startswith("lbd_")
    (key,) = settings.keys
    assert (key.name, key.scope, key.prefix, key.last_used_text, key.revoked) == (
        "ci", "read-write", token[:12], "never", False)
    with session_scope() as session:
        assert apikeys.find_api_key(session, token) is not None

    settings.set_key_dialog_open(False)
    assert settings.new_token == ""  # closing the dialog forgets it for good

    with session_scope(write=True) as session:
        found = apikeys.find_api_key(session, token)
        assert found is not None
        apikeys.touch_api_key(session, found, utcnow())
    settings.ask_confirm(REVOKE_KEY, key.id, key.name)
    call(settings.confirm_revoke())
    (key,) = settings.keys
    assert key.revoked and key.last_used_text == "just now"
    with session_scope() as session:
        assert apikeys.find_api_key(session, token) is None


def test_admins_add_and_delete_users_but_not_themselves(state: State, logged_in: AuthState) -> None:
    settings = state(SettingsState)
    call(settings.load())
    assert [(u.email, u.is_admin, u.is_me) for u in settings.users] == [("admin@example.com", True, True)]

    call(settings.submit_user({"email": "bad", "password": PASSWORD}))
    assert settings.errors == {"email": "enter a valid email address"}
    call(settings.submit_user({"email": "ops@example.com", "password": "short"}))
    assert settings.errors["password"].startswith("the password needs")
    call(settings.submit_user({"email": "ops@example.com", "password": PASSWORD, "is_admin": "on"}))
    assert [(u.email, u.is_admin) for u in settings.users] == [("admin@example.com", True), ("ops@example.com", True)]

    me = settings.users[0]
    settings.ask_confirm(DELETE_USER, me.id, me.email)
    call(settings.confirm_delete_user())
    assert len(settings.users) == 2
    other = settings.users[1]
    settings.ask_confirm(DELETE_USER, other.id, other.email)
    call(settings.confirm_delete_user())
    assert [u.email for u in settings.users] == ["admin@example.com"]


def test_a_regular_user_cannot_manage_users(state: State) -> None:
    make_user("boss@example.com")
    make_user("staff@example.com", is_admin=False)
    with session_scope(write=True) as session:
        staff = users.authenticate(session, "staff@example.com", PASSWORD)
        assert staff is not None
        token = users.start_session(session, staff, now=utcnow())
    state(AuthState).session_token = token
    settings = state(SettingsState)
    call(settings.load())
    assert not settings.user_is_admin
    call(settings.submit_user({"email": "new@example.com", "password": PASSWORD}))
    boss = next(u for u in settings.users if u.email == "boss@example.com")
    settings.ask_confirm(DELETE_USER, boss.id, boss.email)
    call(settings.confirm_delete_user())
    with session_scope() as session:
        assert [u.email for u in users.list_users(session)] == ["boss@example.com", "staff@example.com"]
