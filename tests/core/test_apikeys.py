"""API keys: tokens shown once, stored as hashes, revocable, use recorded sparingly."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from dashboard.core import apikeys
from dashboard.core.errors import Invalid, NotFound
from dashboard.db import session_scope
from dashboard.models import ApiKey


def test_create_returns_the_token_once_and_stores_its_hash(engine: Engine, now: datetime) -> None:
    with session_scope(engine, write=True) as session:
        key, token = apikeys.create_api_key(session, "deploy bot", "read-write", now)
    assert token.startswith("lbd_") and len(token) > 40
    with session_scope(engine) as session:
        stored = session.get(ApiKey, key.id)
    assert stored is not None
    assert stored.key_hash == hmac.new(b"change-me", token.encode(), hashlib.sha256).hexdigest()
    assert token not in stored.key_hash
    assert stored.prefix == token[:12]
    assert token not in (stored.key_hash, stored.prefix, stored.name)


def test_create_validates_name_and_scope(engine: Engine, now: datetime) -> None:
    with session_scope(engine, write=True) as session:
        with pytest.raises(Invalid) as bad_role:
            apikeys.create_api_key(session, "x", "superuser", now)
        with pytest.raises(Invalid) as bad_name:
            apikeys.create_api_key(session, "  ", "read-only", now)
    assert (bad_role.value.field, bad_name.value.field) == ("role", "name")


def test_verify_finds_active_keys_only_and_records_use_once_a_minute(engine: Engine, now: datetime) -> None:
    with session_scope(engine, write=True) as session:
        key, token = apikeys.create_api_key(session, "ci", "read-only", now)

    def verify(at: datetime, candidate: str = token) -> ApiKey | None:
        with session_scope(engine, write=True) as session:
            return apikeys.verify_api_key(session, candidate, at)

    def last_used() -> datetime | None:
        with session_scope(engine) as session:
            return session.get(ApiKey, key.id).last_used_at  # type: ignore[union-attr]

    assert verify(now, token + "x") is None
    assert verify(now) is not None
    assert last_used() == now
    verify(now + timedelta(seconds=59))
    assert last_used() == now
    verify(now + timedelta(seconds=60))
    assert last_used() == now + timedelta(seconds=60)

    with session_scope(engine, write=True) as session:
        apikeys.revoke_api_key(session, key.id, now)
    assert verify(now + timedelta(hours=1)) is None


def test_revoke_is_idempotent_and_unknown_ids_are_not_found(engine: Engine, now: datetime) -> None:
    with session_scope(engine, write=True) as session:
        key, _ = apikeys.create_api_key(session, "ci", "read-only", now)
        apikeys.revoke_api_key(session, key.id, now)
        again = apikeys.revoke_api_key(session, key.id, now + timedelta(days=1))
        assert again.revoked_at == now
        with pytest.raises(NotFound):
            apikeys.revoke_api_key(session, "nope", now)
        assert [k.id for k in apikeys.list_api_keys(session, include_revoked=False)] == []
        assert [k.id for k in apikeys.list_api_keys(session)] == [key.id]


def test_a_new_secret_key_invalidates_existing_keys(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dashboard.config import reset_settings
    from dashboard.core import apikeys
    from dashboard.db import session_scope
    from dashboard.timeutil import utcnow

    with session_scope(engine, write=True) as session:
        _, token = apikeys.create_api_key(session, "ci", "read-only", utcnow())
    with session_scope(engine) as session:
        assert apikeys.find_api_key(session, token) is not None
    monkeypatch.setenv("SECRET_KEY", "rotated")
    reset_settings()
    with session_scope(engine) as session:
        assert apikeys.find_api_key(session, token) is None
