"""Who may do what: roles, service membership, and the secrets each may see.

One place decides, for the dashboard and the API alike.  Whoever acts — a
logged-in user or an API key — is a ``Principal``: a role and, optionally, the
services it is limited to.

- ``admin``: everything — users, API keys, channels, instance settings, status pages.
- ``editor``: services, heartbeats, maintenance, snoozes and channel links within the
  services it can see; API keys no stronger than itself.
- ``viewer``: reads only; check-in URLs (write credentials) only where the
  instance allows viewers to see them.

A principal limited to some services sees nothing else anywhere: resources of
other services answer as if they did not exist (404), so their names and ids do
not leak.  An action its role does not allow, on something it can see, is a 403
that says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from dashboard.core.errors import Forbidden, NotFound

ADMIN, EDITOR, VIEWER = "admin", "editor", "viewer"
ROLES = (ADMIN, EDITOR, VIEWER)
_RANK = {VIEWER: 0, EDITOR: 1, ADMIN: 2}


class Action(Enum):
    READ = "read"
    EDIT = "edit"  # services' and heartbeats' settings, pause, delete, maintenance, snooze, links
    CREATE_SERVICE = "create a service"
    MANAGE_CHANNELS = "manage notification channels"
    MANAGE_KEYS = "manage API keys"
    MANAGE_USERS = "manage users"
    MANAGE_SETTINGS = "change instance settings"


_NEEDS = {
    Action.READ: VIEWER,
    Action.EDIT: EDITOR,
    Action.CREATE_SERVICE: EDITOR,
    Action.MANAGE_CHANNELS: ADMIN,
    Action.MANAGE_KEYS: EDITOR,  # an editor's keys are no stronger than itself (``check_new_key``)
    Action.MANAGE_USERS: ADMIN,
    Action.MANAGE_SETTINGS: ADMIN,
}


def at_least(role: str, needed: str) -> bool:
    return _RANK.get(role, -1) >= _RANK[needed]


@dataclass(frozen=True)
class Principal:
    """Who is acting: a role, and the services it is limited to (None: every service)."""

    role: str
    service_ids: frozenset[str] | None = None
    # Whether check-in ids, ping URLs and ping keys may be shown (editors and admins
    # always; viewers only where the instance allows it).
    sees_secrets: bool = True
    user_id: str | None = None
    key_id: str | None = None

    @property
    def label(self) -> str:
        return "this API key" if self.key_id else "your account"

    def can(self, action: Action) -> bool:
        if action is Action.CREATE_SERVICE and self.service_ids is not None:
            return False  # limited to some services: a new one would be outside them
        return at_least(self.role, _NEEDS[action])

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise Forbidden(f"{self.label} ({self.role}{', limited to some services' if self.service_ids is not None else ''}) "
                            f"may not {action.value}")

    def sees_service(self, service_id: str) -> bool:
        return self.service_ids is None or service_id in self.service_ids

    def require_service(self, service_id: str, action: Action = Action.READ, *, what: str = "service") -> None:
        """404 for a service outside the principal's (as if it did not exist), 403 for a role too weak."""
        if not self.sees_service(service_id):
            raise NotFound(f"no {what} with this id")
        self.require(action)

    def visible(self, service_ids: Iterable[str]) -> list[str]:
        return [s for s in service_ids if self.sees_service(s)]


def principal_for(role: str, service_ids: Iterable[str] | None, *, viewers_see_secrets: bool = False,
                  user_id: str | None = None, key_id: str | None = None) -> Principal:
    limited = None if service_ids is None else frozenset(service_ids)
    sees = role != VIEWER or viewers_see_secrets
    return Principal(role=role, service_ids=limited, sees_secrets=sees, user_id=user_id, key_id=key_id)


def check_new_key(creator: Principal, role: str, service_id: str | None) -> None:
    """A principal may only create keys no stronger than itself: not a higher role, and
    (when limited) only for one of its own services."""
    creator.require(Action.MANAGE_KEYS)
    if role not in ROLES:
        raise Forbidden(f"unknown role {role!r}")
    if not at_least(creator.role, role):
        raise Forbidden(f"{creator.label} ({creator.role}) may not create a key with the role {role}")
    if creator.service_ids is not None and (service_id is None or service_id not in creator.service_ids):
        raise Forbidden(f"{creator.label} is limited to some services: a key it creates must be limited to one of them")


ROOT = Principal(role=ADMIN)
