"""Bearer API key authentication for the management API.

``Authorization: Bearer <token>``.  No key, an unknown key or a revoked key →
401 with ``WWW-Authenticate: Bearer``; a read-only key on anything but a read
(GET/HEAD/OPTIONS) → 403.  The key's ``last_used_at`` is written at most once a
minute, in its own short write transaction, so reads stay read-only.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dashboard.api.errors import ApiError
from dashboard.core.apikeys import READ_WRITE, find_api_key, needs_touch, touch_api_key
from dashboard.db import get_engine, session_scope
from dashboard.models import ApiKey
from dashboard.timeutil import utcnow

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": "Bearer"}

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API key, created in the dashboard or with `python -m dashboard create-api-key`.",
)


def get_db_engine(request: Request) -> Engine:
    """The engine given to ``build_api``, else the one from the settings."""
    engine: Engine | None = request.app.state.engine
    return engine if engine is not None else get_engine()


EngineDep = Annotated[Engine, Depends(get_db_engine)]


def _record_use(engine: Engine, key: ApiKey) -> None:
    now = utcnow()
    if not needs_touch(key, now):
        return
    try:
        with session_scope(engine, write=True) as session:
            touch_api_key(session, key, now)
    except SQLAlchemyError:
        # Bookkeeping only: a busy database must not fail the request itself.
        log.warning("could not record the use of API key %s", key.id, exc_info=True)


def authenticate(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> ApiKey:
    if credentials is None:
        raise ApiError(401, "missing API key: send 'Authorization: Bearer <token>'", headers=_CHALLENGE)
    with Session(engine) as session:
        key = find_api_key(session, credentials.credentials)
    if key is None:
        raise ApiError(401, "unknown or revoked API key", headers=_CHALLENGE)
    if request.method not in READ_METHODS and key.scope != READ_WRITE:
        raise ApiError(403, "this API key is read-only")
    _record_use(engine, key)
    return key
