"""How the API names heartbeats, and how much of them a key may see.

A heartbeat has three ids: its row id (never shown), its check-in id (``ping_id``,
the secret in ``/ping/{id}``) and its ``public_id`` (harmless to share).
Keys that may see secrets (editors, admins) see and use the check-in id as
``id``, as Pinghome's API has it; viewer keys see the public id instead and never
a check-in id, ping URL or ping key, because anyone who has those can make a
failing job look healthy.  Every read route takes either id; write routes take
the check-in id.  A key limited to a service finds nothing outside it (404).
"""

from __future__ import annotations

from sqlmodel import Session

from dashboard.api.auth import PrincipalDep
from dashboard.core import heartbeats
from dashboard.core.access import Action, Principal
from dashboard.models import Heartbeat

__all__ = ["PrincipalDep", "external_id", "to_change", "to_read"]


def external_id(heartbeat: Heartbeat, principal: Principal) -> str:
    """The ``id`` this principal sees for ``heartbeat``."""
    return heartbeat.ping_id if principal.sees_secrets else heartbeat.public_id


def to_read(session: Session, ref: str, principal: Principal) -> Heartbeat:
    heartbeat = heartbeats.find_heartbeat(session, ref, public_ok=True)
    principal.require_service(heartbeat.service_id, Action.READ, what="heartbeat")
    return heartbeat


def to_change(session: Session, ref: str, principal: Principal) -> Heartbeat:
    heartbeat = heartbeats.find_heartbeat(session, ref, public_ok=False, for_update=True)
    principal.require_service(heartbeat.service_id, Action.EDIT, what="heartbeat")
    return heartbeat
