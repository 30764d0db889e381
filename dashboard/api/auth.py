"""Bearer API key authentication for the management API, decided before the body is read.

``Authorization: Bearer <token>``.  No key, an unknown key or a revoked key →
401 with ``WWW-Authenticate: Bearer``; a read-only key on anything but a read
(GET/HEAD/OPTIONS) → 403.  The key's ``last_used_at`` is written at most once a
minute, in its own short write transaction, so reads stay read-only.

FastAPI reads and parses a request's body before it runs any dependency, so a
key checked in a dependency would come too late: anyone could make the server
read (and parse) a large body first.  ``ApiKeyGuard`` therefore sits in front of
the API's routes, checks the key of every request under ``/v1`` from the header
alone and keeps the key in the ASGI scope, where ``authenticate`` (the routes'
dependency) picks it up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.api.errors import ApiError, error_response
from dashboard.api.healthchecks.paths import is_healthchecks_path
from dashboard.core.access import VIEWER, Principal
from dashboard.core.apikeys import find_api_key, key_principal, needs_touch, touch_api_key
from dashboard.db import get_engine, session_scope
from dashboard.models import ApiKey
from dashboard.timeutil import utcnow

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Every route under this prefix (relative to the API's mount) needs a key.
PROTECTED_PREFIX = "/v1"
_SCOPE_KEY = "lubdub.api_key"
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


def key_for_token(engine: Engine, token: str) -> ApiKey | None:
    """The active key with this token (its use recorded), or None: unknown or revoked."""
    with Session(engine) as session:
        key = find_api_key(session, token)
    if key is not None:
        _record_use(engine, key)
    return key


def resolve_api_key(engine: Engine, authorization: str | None, method: str) -> ApiKey:
    """The active key ``authorization`` names, allowed to do ``method``; raises ApiError (401/403)."""
    scheme, token = get_authorization_scheme_param(authorization)
    if not (scheme and token) or scheme.lower() != "bearer":
        raise ApiError(401, "missing API key: send 'Authorization: Bearer <token>'", headers=_CHALLENGE)
    key = key_for_token(engine, token)
    if key is None:
        raise ApiError(401, "unknown or revoked API key", headers=_CHALLENGE)
    if method not in READ_METHODS and key.role == VIEWER:
        raise ApiError(403, "this API key is read-only")
    return key


def route_path(scope: Scope) -> str:
    """The path below the API's mount point (``/v1/service`` for ``/api/v1/service``)."""
    path: str = scope["path"]
    return path.removeprefix(scope.get("root_path", ""))


def needs_key(route_path: str) -> bool:
    """Lubdub's /v1 (Healthchecks' /v1/checks… authenticate with its own X-Api-Key: api/healthchecks)."""
    in_v1 = route_path == PROTECTED_PREFIX or route_path.startswith(PROTECTED_PREFIX + "/")
    return in_v1 and not is_healthchecks_path(route_path)


class ApiKeyGuard:
    """ASGI middleware: 401/403 from the headers alone, before anything reads the body."""

    def __init__(self, app: ASGIApp, engine: Callable[[], Engine]) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not needs_key(route_path(scope)):
            await self.app(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization")
        try:
            # The lookup (and the last_used_at write) is blocking database work.
            key = await run_in_threadpool(resolve_api_key, self.engine(), authorization, scope["method"])
        except ApiError as error:
            response = error_response(error.status_code, error.message, error.fields, error.headers)
            await response(scope, receive, send)
            return
        scope[_SCOPE_KEY] = key
        await self.app(scope, receive, send)


def authenticate(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> ApiKey:
    """The key ``ApiKeyGuard`` accepted; checked here only for a route outside its prefix."""
    key: ApiKey | None = request.scope.get(_SCOPE_KEY)
    if key is not None:
        return key
    authorization = f"{credentials.scheme} {credentials.credentials}" if credentials else None
    return resolve_api_key(engine, authorization, request.method)


def current_principal(key: Annotated[ApiKey, Depends(authenticate)]) -> Principal:
    """What the request's key may do (core/access.py)."""
    return key_principal(key)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
