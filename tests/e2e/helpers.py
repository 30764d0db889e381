"""What several browser tests do: have an admin, log in."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from dashboard.core import users
from dashboard.db import session_scope
from dashboard.timeutil import utcnow

EMAIL, PASSWORD = "admin@example.com", "correct horse battery"


def ensure_admin(engine: Engine) -> None:
    """For tests run on their own: the journey test normally creates the admin through /setup."""
    with session_scope(engine, write=True) as session:
        if users.count_users(session) == 0:
            users.create_user(session, EMAIL, PASSWORD, now=utcnow(), is_admin=True)


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#login-email", EMAIL)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")
