"""How the API names heartbeats, and how much of their secrets a key may see.

A heartbeat has three ids: its row id (never shown), its check-in id (``ping_id``,
the secret in ``/ping/{id}``) and its ``public_id`` (harmless to share).
Read-write keys see and use the check-in id as ``id``, as Pinghome's API has it;
read-only keys see the public id instead and never a check-in id, ping URL or
ping key, because anyone who has those can make a failing job look healthy.
Every read route takes either id; write routes take the check-in id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from dashboard.api.auth import authenticate
from dashboard.core import heartbeats
from dashboard.core.apikeys import READ_WRITE
from dashboard.models import ApiKey, Heartbeat

KeyDep = Annotated[ApiKey, Depends(authenticate)]


def sees_secrets(key: ApiKey) -> bool:
    return key.scope == READ_WRITE


def external_id(heartbeat: Heartbeat, key: ApiKey) -> str:
    """The ``id`` this key sees for ``heartbeat``."""
    return heartbeat.ping_id if sees_secrets(key) else heartbeat.public_id


def to_read(session: Session, ref: str) -> Heartbeat:
    return heartbeats.find_heartbeat(session, ref, public_ok=True)


def to_change(session: Session, ref: str) -> Heartbeat:
    return heartbeats.find_heartbeat(session, ref, public_ok=False, for_update=True)
