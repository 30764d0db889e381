"""Helpers for the state-level tests (fixtures are in conftest.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine
from typing import Any, TypeVar

import reflex as rx
from reflex.istate.data import ReflexURL

from dashboard.core import users
from dashboard.db import session_scope
from dashboard.timeutil import utcnow

T = TypeVar("T")
PASSWORD = "correct horse"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def visit(root: rx.State, path: str) -> None:
    """Point the tab's router at ``path`` (what the browser reports on navigation)."""
    root.router = dataclasses.replace(root.router, url=ReflexURL(f"http://lubdub.test{path}"))


def make_user(email: str = "admin@example.com", *, is_admin: bool = True) -> str:
    with session_scope(write=True) as session:
        return users.create_user(session, email, PASSWORD, now=utcnow(), is_admin=is_admin).id


def redirect_target(result: Any) -> str | None:
    """The path of an ``rx.redirect`` among a handler's returned events, if any."""
    events = result if isinstance(result, list) else [result]
    for event in events:
        handler = getattr(event, "handler", None)
        if handler is not None and handler.fn.__qualname__ == "_redirect":
            return dict((name._js_expr, value._var_value) for name, value in event.args)["path"]
    return None


def call(handler_result: Any) -> list[Any]:
    """Run a handler call (coroutine or async generator); returns the events it produced."""
    if hasattr(handler_result, "__aiter__"):
        async def collect() -> list[Any]:
            return [item async for item in handler_result if item is not None]

        return run(collect())
    if asyncio.iscoroutine(handler_result):
        result = run(handler_result)
        return [] if result is None else (result if isinstance(result, list) else [result])
    return [] if handler_result is None else [handler_result]
