"""/api/v1/api-key: list, create (the token is shown once) and revoke API keys."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from dashboard.api.auth import EngineDep, PrincipalDep
from dashboard.api.docs import errors
from dashboard.api.schemas import ApiKeyCreated, ApiKeyPublic
from dashboard.core import apikeys
from dashboard.core.access import VIEWER
from dashboard.core.contracts import ApiKeyCreate
from dashboard.core.errors import Invalid
from dashboard.db import session_scope
from dashboard.timeutil import utcnow

router = APIRouter(prefix="/api-key", tags=["api keys"])


@router.get("", response_model=list[ApiKeyPublic], summary="List API keys",
            description="Newest first: every key for an admin key, else the keys this key made.")
def list_api_keys(engine: EngineDep, who: PrincipalDep) -> list[ApiKeyPublic]:
    with Session(engine) as session:
        return [ApiKeyPublic.from_model(key) for key in apikeys.list_api_keys(session, viewer=who)]


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key",
    description="The token is in this response only; it is stored as a hash. A key may only make keys no "
    "stronger than itself: not a higher role, and when it is limited to a service, only keys limited to it. "
    "Without `role` or `scope` the key is read-only (a viewer).",
    responses=errors(400, 403, 422),
)
def create_api_key(body: ApiKeyCreate, engine: EngineDep, who: PrincipalDep) -> ApiKeyCreated:
    role = _role_of(body)
    with session_scope(engine, write=True) as session:
        key, token = apikeys.create_api_key(session, body.name, role, utcnow(), service_id=body.service_id, creator=who)
        return ApiKeyCreated(**ApiKeyPublic.from_model(key).model_dump(), token=token)


@router.delete(
    "/{key_id}",
    response_model=ApiKeyPublic,
    summary="Revoke an API key",
    description="The key stops working at once; it stays listed with its `revoked_at`.",
    responses=errors(403, 404, 422),
)
def revoke_api_key(key_id: str, engine: EngineDep, who: PrincipalDep) -> ApiKeyPublic:
    with session_scope(engine, write=True) as session:
        return ApiKeyPublic.from_model(apikeys.revoke_api_key(session, key_id, utcnow(), by=who))


def _role_of(body: ApiKeyCreate) -> str:
    """``role``, or what the older ``scope`` means; neither: read-only."""
    from_scope = apikeys.SCOPE_ROLES[body.scope] if body.scope is not None else None
    if body.role is not None and from_scope is not None and body.role != from_scope:
        raise Invalid("role", f"contradicts scope {body.scope!r} (which means {from_scope}); give one of them")
    return body.role or from_scope or VIEWER
