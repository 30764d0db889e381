"""Pages while the database or Redis is unavailable: a plain message, never a traceback.

The database is made unavailable for real: the app is pointed at a PostgreSQL
address where nothing listens (connection refused), then back at the test database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from sqlalchemy.exc import OperationalError

from dashboard import db
from dashboard.config import reset_settings
from dashboard.pages.heartbeat import HeartbeatState
from dashboard.pages.login import LoginState
from dashboard.pages.overview import OverviewState
from dashboard.state import AuthState, dashboard_exception_handler
from tests.factories import make_heartbeat, make_service, ping
from tests.live_server import free_port
from tests.pages.helpers import PASSWORD, call, make_user, redirect_target, visit

State = Callable[[type[Any]], Any]


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Callable[[bool], None]]:
    """``database_down(True)`` points the app at a closed port; ``database_down(False)`` back."""
    dead_url = f"postgresql+psycopg://lubdub@127.0.0.1:{free_port()}/lubdub"

    def switch(down: bool) -> None:
        monkeypatch.setenv("DATABASE_URL", dead_url if down else database_url)
        reset_settings()
        db.dispose_engines()

    yield switch
    switch(False)


def _toast_code(spec: Any) -> str:
    return " ".join(str(value) for _, value in spec.args)


def test_a_live_page_shows_the_banner_while_the_database_is_down_and_recovers(
        state: State, logged_in: AuthState, engine, steady_clock, database_down) -> None:  # type: ignore[no-untyped-def]
    make_service(engine, "billing")
    page = state(OverviewState)
    call(page.load())
    assert not logged_in.database_unavailable
    shown = page.services
    assert len(shown) == 1

    database_down(True)
    assert call(page.tick()) == []  # no error, no redirect to login
    assert logged_in.database_unavailable
    assert page.services == shown  # the page keeps what it showed

    database_down(False)
    make_service(engine, "backups")
    call(page.tick())
    assert not logged_in.database_unavailable
    assert len(page.services) == 2


def test_a_page_opened_while_the_database_is_down_says_so(
        root, state: State, logged_in: AuthState, engine, database_down) -> None:  # type: ignore[no-untyped-def]
    heartbeat = make_heartbeat(engine, make_service(engine).id, "nightly", interval=3600)
    ping(engine, heartbeat.id)
    visit(root, f"/heartbeats/{heartbeat.public_id}")
    database_down(True)
    page = state(HeartbeatState)
    assert call(page.load()) == []
    assert logged_in.database_unavailable
    assert call(page.load_older()) == []  # a handler that yields progress survives it too

    database_down(False)
    call(page.load())
    assert not logged_in.database_unavailable


def test_logging_in_while_the_database_is_down_says_so_and_logs_in_once_it_is_back(
        state: State, engine, database_down) -> None:  # type: ignore[no-untyped-def]
    make_user()
    login = state(LoginState)
    database_down(True)
    assert call(login.submit({"email": "admin@example.com", "password": PASSWORD})) == []
    assert login.database_unavailable
    assert login.session_token == ""

    database_down(False)
    events = call(login.submit({"email": "admin@example.com", "password": PASSWORD}))
    assert redirect_target(events[0]) == "/"
    assert not login.database_unavailable


def test_other_errors_still_fail_the_handler(state: State, logged_in: AuthState, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = state(OverviewState)

    async def broken() -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(OverviewState, "_refresh", lambda self: broken())
    with pytest.raises(ValueError, match="a bug"):
        call(page.load())
    assert not logged_in.database_unavailable


def test_the_exception_handler_names_redis_and_database_outages() -> None:
    from_redis = _toast_code(dashboard_exception_handler(redis.exceptions.ConnectionError("Error 111 connecting")))
    assert "The dashboard cannot reach Redis" in from_redis and "redis-unavailable" in from_redis
    assert "Reload" in from_redis

    wrapped = RuntimeError("state could not be loaded")
    wrapped.__cause__ = redis.exceptions.TimeoutError("timed out")
    assert "cannot reach Redis" in _toast_code(dashboard_exception_handler(wrapped))

    from_database = _toast_code(dashboard_exception_handler(
        OperationalError("SELECT 1", {}, Exception("connection refused"))))
    assert "The database is unavailable" in from_database

    other = _toast_code(dashboard_exception_handler(ValueError("a bug")))
    assert "An error occurred." in other and "Redis" not in other and "database" not in other
