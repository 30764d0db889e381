"""Dashboard users and their login sessions. Passwords are hashed with argon2."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from dashboard.core.access import ADMIN, EDITOR, ROLES, Principal, principal_for
from dashboard.core.tokens import token_digest
from dashboard.models import Service, User, UserService, UserSession

SESSION_LIFETIME = timedelta(days=30)
MIN_PASSWORD_LENGTH = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_hasher = PasswordHasher()


class UserError(ValueError):
    """A user could not be created; the message says why (shown to people as is)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _token_hash(token: str) -> str:
    return token_digest(token)


def count_users(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)))


def create_user(session: Session, email: str, password: str, *, now: datetime, is_admin: bool = False,
                role: str | None = None, service_ids: Sequence[str] = ()) -> User:
    """A user with ``role`` (default: admin when ``is_admin``, else editor), limited to
    ``service_ids`` when any are given (admins see everything and cannot be limited)."""
    role = role or (ADMIN if is_admin else EDITOR)
    if role not in ROLES:
        raise UserError("role", f"must be one of {', '.join(ROLES)}")
    if service_ids and role == ADMIN:
        raise UserError("services", "an admin sees every service; limit an editor or a viewer instead")
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise UserError("email", "enter a valid email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserError("email", "a user with this email already exists")
    known = set(session.exec(select(Service.id).where(col(Service.id).in_(list(service_ids))))) if service_ids else set()
    unknown = [s for s in service_ids if s not in known]
    if unknown:
        raise UserError("services", f"no service with the id {unknown[0]!r}")
    user = User(email=email, password_hash=_hasher.hash(password), is_admin=role == ADMIN, role=role, created_at=now)
    session.add(user)
    session.flush()
    for service_id in dict.fromkeys(service_ids):
        session.add(UserService(user_id=user.id, service_id=service_id))
    session.flush()
    return user


def user_principal(session: Session, user: User) -> Principal:
    """What ``user`` may do in the dashboard (core/access.py)."""
    limited = list(session.exec(select(UserService.service_id).where(UserService.user_id == user.id)))
    return principal_for(user.role, limited or None, user_id=user.id)


def delete_user(session: Session, user_id: str) -> bool:
    user = session.get(User, user_id)
    if user is None:
        return False
    session.delete(user)
    return True


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        # Hash anyway so a wrong email takes as long as a wrong password.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def start_session(session: Session, user: User, *, now: datetime) -> str:
    """Create a login session; returns the token for the browser (we keep its hash)."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                            expires_at=now + SESSION_LIFETIME))
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> User | None:
    if not token:
        return None
    row = session.get(UserSession, _token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    return session.get(User, row.user_id)


def end_session(session: Session, token: str) -> None:
    row = session.get(UserSession, _token_hash(token))
    if row is not None:
        session.delete(row)
