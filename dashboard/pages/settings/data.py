"""What the settings page reads and writes: plain functions over core (run in a thread), and its rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.components.humanize import exact_text, relative_text
from dashboard.core import apikeys, users
from dashboard.core.errors import DomainError, NotFound
from dashboard.db import session_scope
from dashboard.timeutil import utcnow


@dataclass
class UserRow:
    id: str = ""
    email: str = ""
    is_admin: bool = False
    is_me: bool = False
    created_text: str = ""
    created_exact: str = ""


@dataclass
class KeyRow:
    id: str = ""
    name: str = ""
    prefix: str = ""
    scope: str = ""
    revoked: bool = False
    created_text: str = ""
    created_exact: str = ""
    last_used_text: str = ""
    last_used_exact: str = ""
    revoked_text: str = ""


def load_settings(my_id: str, now: datetime) -> tuple[list[UserRow], list[KeyRow]]:
    with session_scope() as session:
        user_rows = [
            UserRow(u.id, u.email, u.is_admin, u.id == my_id, relative_text(u.created_at, now), exact_text(u.created_at))
            for u in users.list_users(session)
        ]
        key_rows = [
            KeyRow(
                id=k.id, name=k.name, prefix=k.prefix, scope=k.scope, revoked=k.revoked_at is not None,
                created_text=relative_text(k.created_at, now), created_exact=exact_text(k.created_at),
                last_used_text=relative_text(k.last_used_at, now), last_used_exact=exact_text(k.last_used_at),
                revoked_text=relative_text(k.revoked_at, now) if k.revoked_at else "",
            )
            for k in apikeys.list_api_keys(session)
        ]
    return user_rows, key_rows


def add_user(email: str, password: str, is_admin: bool) -> dict[str, str]:
    try:
        with session_scope(write=True) as session:
            users.create_user(session, email, password, now=utcnow(), is_admin=is_admin)
    except users.UserError as exc:
        return {exc.field: str(exc)}
    return {}


def remove_user(user_id: str) -> bool:
    with session_scope(write=True) as session:
        return users.delete_user(session, user_id)


def create_key(name: str, scope: str) -> tuple[str | None, dict[str, str]]:
    try:
        with session_scope(write=True) as session:
            _key, token = apikeys.create_api_key(session, name, scope, utcnow())
    except DomainError as exc:
        field = getattr(exc, "field", "name")
        return None, {field: getattr(exc, "reason", exc.message)}
    return token, {}


def revoke_key(key_id: str) -> None:
    try:
        with session_scope(write=True) as session:
            apikeys.revoke_api_key(session, key_id, utcnow())
    except NotFound:
        pass  # already gone
