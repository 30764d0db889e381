"""API keys: created once with a visible token, stored only as its SHA-256.

A token is ``lbd_`` plus 32 random bytes (URL-safe base64), so a fast,
unsalted hash is enough: nothing short enough to brute-force ever gets hashed.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from dashboard.core.access import ADMIN, ROLES, ROOT, VIEWER, Action, Principal, check_new_key, principal_for
from dashboard.core.errors import Invalid, NotFound
from dashboard.core.ids import parse_id
from dashboard.core.tokens import token_digest
from dashboard.models import ApiKey, Service

SCOPES = ("read-only", "read-write")
READ_WRITE = "read-write"
TOKEN_PREFIX = "lbd_"
PREFIX_LENGTH = 12
# Recording every use would turn each API read into a write; a minute's
# resolution is plenty for "when was this key last used".
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return token_digest(token)


# The two scopes of the first API, as roles: a read-only key is a viewer, a
# read-write one could do everything (an admin).
SCOPE_ROLES = {"read-only": VIEWER, "read-write": ADMIN}


def scope_of(role: str) -> str:
    return "read-only" if role == VIEWER else READ_WRITE


def create_api_key(session: Session, name: str, role: str, now: datetime, *, service_id: str | None = None,
                   creator: Principal = ROOT) -> tuple[ApiKey, str]:
    """Create a key with ``role`` (or a scope: read-only, read-write), limited to
    ``service_id`` if given; returns it with its plaintext token, which is not kept anywhere.

    ``creator`` may only make keys no stronger than itself (``access.check_new_key``).
    """
    name = name.strip()
    if not 1 <= len(name) <= 100 or "\x00" in name:
        raise Invalid("name", "must be 1 to 100 characters")
    role = SCOPE_ROLES.get(role, role)
    if role not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")
    if service_id is not None:
        canonical = parse_id(service_id)
        if canonical is None or session.get(Service, canonical) is None or not creator.sees_service(canonical):
            raise Invalid("service_id", "no service with this id")
        service_id = canonical
    check_new_key(creator, role, service_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=token[:PREFIX_LENGTH], key_hash=hash_token(token), scope=scope_of(role), role=role,
                 service_id=service_id, created_by=_creator_tag(creator), created_at=now)
    session.add(key)
    session.flush()
    return key, token


def _creator_tag(principal: Principal) -> str | None:
    if principal.user_id:
        return f"user:{principal.user_id}"
    if principal.key_id:
        return f"key:{principal.key_id}"
    return None


def _may_see(principal: Principal, key: ApiKey) -> bool:
    """Admins see every key; others only the keys they made."""
    return principal.role == ADMIN or (key.created_by is not None and key.created_by == _creator_tag(principal))


def key_principal(key: ApiKey) -> Principal:
    """What a request made with ``key`` may do."""
    return principal_for(key.role, None if key.service_id is None else [key.service_id], key_id=key.id)


def list_api_keys(session: Session, *, include_revoked: bool = True, viewer: Principal = ROOT) -> list[ApiKey]:
    """Keys ``viewer`` may see, newest first."""
    query = select(ApiKey).order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))
    if not include_revoked:
        query = query.where(col(ApiKey.revoked_at).is_(None))
    return [key for key in session.exec(query) if _may_see(viewer, key)]


def revoke_api_key(session: Session, key_id: str, now: datetime, *, by: Principal = ROOT) -> ApiKey:
    """Revoke a key (idempotent: revoking again keeps the first revocation time)."""
    by.require(Action.MANAGE_KEYS)
    canonical = parse_id(key_id)
    key = session.get(ApiKey, canonical) if canonical else None
    if key is None or not _may_see(by, key):
        raise NotFound("no API key with this id")
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
        session.flush()
    return key


def find_api_key(session: Session, token: str) -> ApiKey | None:
    """The active key for ``token``, or None (unknown or revoked). Does not write."""
    digest = hash_token(token)
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    # The lookup matched the hash already; comparing again in constant time keeps
    # the final decision independent of how a database compares strings.
    if key is None or not hmac.compare_digest(key.key_hash, digest) or key.revoked_at is not None:
        return None
    return key


def needs_touch(key: ApiKey, now: datetime) -> bool:
    return key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION


def touch_api_key(session: Session, key: ApiKey, now: datetime) -> None:
    """Record a use at ``now`` unless one was recorded less than a minute ago.

    The guard is in the UPDATE itself, so concurrent requests write at most once.
    """
    stale_before = now - LAST_USED_RESOLUTION
    session.exec(
        update(ApiKey)
        .where(col(ApiKey.id) == key.id)
        .where(or_(col(ApiKey.last_used_at).is_(None), col(ApiKey.last_used_at) <= stale_before))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    # Reflect the write on the object without marking it dirty for a second UPDATE.
    set_committed_value(key, "last_used_at", now)


def verify_api_key(session: Session, token: str, now: datetime) -> ApiKey | None:
    """The active key for ``token`` (recording its use), or None.

    Writes when the last recorded use is a minute old: call it in a write
    transaction, or use ``find_api_key`` + ``needs_touch`` + ``touch_api_key``
    to keep reads read-only, as the API does.
    """
    key = find_api_key(session, token)
    if key is not None and needs_touch(key, now):
        touch_api_key(session, key, now)
    return key
