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

from dashboard.core.errors import Invalid, NotFound
from dashboard.core.ids import parse_id
from dashboard.core.tokens import token_digest
from dashboard.models import ApiKey

SCOPES = ("read-only", "read-write")
READ_WRITE = "read-write"
TOKEN_PREFIX = "lbd_"
PREFIX_LENGTH = 12
# Recording every use would turn each API read into a write; a minute's
# resolution is plenty for "when was this key last used".
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return token_digest(token)


def create_api_key(session: Session, name: str, scope: str, now: datetime) -> tuple[ApiKey, str]:
    """Create a key; returns it with its plaintext token, which is not kept anywhere."""
    name = name.strip()
    if not 1 <= len(name) <= 100 or "\x00" in name:
        raise Invalid("name", "must be 1 to 100 characters")
    if scope not in SCOPES:
        raise Invalid("scope", f"must be one of {', '.join(SCOPES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=token[:PREFIX_LENGTH], key_hash=hash_token(token), scope=scope, created_at=now)
    session.add(key)
    session.flush()
    return key, token


def list_api_keys(session: Session, *, include_revoked: bool = True) -> list[ApiKey]:
    """Keys, newest first."""
    query = select(ApiKey).order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))
    if not include_revoked:
        query = query.where(col(ApiKey.revoked_at).is_(None))
    return list(session.exec(query))


def revoke_api_key(session: Session, key_id: str, now: datetime) -> ApiKey:
    """Revoke a key (idempotent: revoking again keeps the first revocation time)."""
    canonical = parse_id(key_id)
    key = session.get(ApiKey, canonical) if canonical else None
    if key is None:
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
