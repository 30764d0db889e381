"""/api/v1/api-key: list, create (the token is shown once) and revoke API keys."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from dashboard.api.auth import EngineDep
from dashboard.api.docs import errors
from dashboard.api.schemas import ApiKeyCreated, ApiKeyPublic
from dashboard.core import apikeys
from dashboard.core.contracts import ApiKeyCreate
from dashboard.db import session_scope
from dashboard.timeutil import utcnow

router = APIRouter(prefix="/api-key", tags=["api keys"])


@router.get("", response_model=list[ApiKeyPublic], summary="List API keys", description="Newest first.")
def list_api_keys(engine: EngineDep) -> list[ApiKeyPublic]:
    with Session(engine) as session:
        return [ApiKeyPublic.from_model(key) for key in apikeys.list_api_keys(session)]


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key",
    description="The token is in this response only; it is stored as a hash.",
    responses=errors(400, 403, 422),
)
def create_api_key(body: ApiKeyCreate, engine: EngineDep) -> ApiKeyCreated:
    with session_scope(engine, write=True) as session:
        key, token = apikeys.create_api_key(session, body.name, body.scope, utcnow())
        return ApiKeyCreated(**ApiKeyPublic.from_model(key).model_dump(), token=token)


@router.delete(
    "/{key_id}",
    response_model=ApiKeyPublic,
    summary="Revoke an API key",
    description="The key stops working at once; it stays listed with its `revoked_at`.",
    responses=errors(403, 404, 422),
)
def revoke_api_key(key_id: str, engine: EngineDep) -> ApiKeyPublic:
    with session_scope(engine, write=True) as session:
        return ApiKeyPublic.from_model(apikeys.revoke_api_key(session, key_id, utcnow()))
