"""How Healthchecks' concepts map onto Lubdub's, in one place.

Used by the ``/api/v{1,2,3}`` Healthchecks-compatible API (``dashboard/api/healthchecks``)
and by the importer (``core/hc_import.py``), so both translate the same way:

- a Healthchecks **project** is a Lubdub **service**; a key limited to a service works
  on that service.  A key that is not limited sees every service it may see; the
  checks it creates go to the service named in the request's ``service`` field
  (a Lubdub extension; an id or a name), else to the service named ``default``
  (made on first use);
- a **check** is a heartbeat: ``uuid`` is its check-in id (``ping_id``), ``unique_key``
  its public id, ``timeout`` its ``interval``, ``schedule``/``tz`` its cron schedule and
  ``timezone``, ``desc`` its ``description``; ``tags``, ``grace``, ``slug``,
  ``manual_resume`` keep their names;
- ``methods``: Healthchecks' ``""`` (any method) is GET, POST, HEAD and PUT; ``"POST"``
  is POST alone.  A heartbeat shows as ``"POST"`` when it does not accept GET;
- statuses: ``late`` is Healthchecks' ``grace``; ``started`` is "a run is open".
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from dashboard.core import services
from dashboard.core.access import Action, Principal
from dashboard.core.contracts import ServiceCreate
from dashboard.core.errors import Invalid
from dashboard.core.ids import parse_id
from dashboard.core.schedule import STATUS_LATE
from dashboard.core.tags import normalise_tags
from dashboard.models import ALLOWED_METHODS, Heartbeat, Service

DEFAULT_SERVICE = "default"
# Healthchecks' defaults for a check created through its API.
DEFAULT_TIMEOUT = 86_400
DEFAULT_GRACE = 3600
MIN_SECONDS, MAX_SECONDS = 60, 31_536_000
UNIQUE_FIELDS = ("name", "slug", "tags", "timeout", "grace")
_FIVE_FIELDS = re.compile(r"^\S+(\s+\S+){4}$")


def methods_from_hc(methods: str) -> list[str]:
    """``""`` (Healthchecks: any method) → every method a check-in accepts; ``"POST"`` → POST."""
    return ["POST"] if methods == "POST" else list(ALLOWED_METHODS)


def methods_to_hc(method_list: list[str]) -> str:
    return "" if "GET" in method_list else "POST"


def status_to_hc(status: str) -> str:
    return "grace" if status == STATUS_LATE else status


def unique_key(check_uuid: str) -> str:
    """Healthchecks' ``unique_key`` of a check: sha1 of the first 16 hex digits of its UUID.

    Imported heartbeats take it as their public id, so the read-only URLs people
    built from it keep working.  It reveals at most half of the UUID's digits.
    """
    return hashlib.sha1(uuid.UUID(check_uuid).hex[:16].encode()).hexdigest()


def is_cron_expression(schedule: str) -> bool:
    """Healthchecks' rule: one line of exactly five fields is cron; anything else is OnCalendar.

    Lubdub's ``@daily``-style macros count as cron too.
    """
    return "\n" not in schedule and (bool(_FIVE_FIELDS.match(schedule.strip())) or schedule.strip().startswith("@"))


def slugify(name: str) -> str:
    """The slug Healthchecks' v1/v2 API derives from a name (Django's ``slugify``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^\w\s-]", "", ascii_name.lower())
    return re.sub(r"[-\s]+", "-", cleaned).strip("-_")[:100]


def placeholder_name() -> str:
    """A name for a check created without one (Lubdub heartbeats need a name, unique in the service)."""
    return f"unnamed-{secrets.token_hex(4)}"


def target_service(session: Session, who: Principal, requested: str | None, now: datetime) -> Service:
    """The service a check created by ``who`` goes to (see the module docstring).

    ``requested`` is an id or a name; a service the principal cannot see is
    reported as unknown.  Raises ``Invalid("service", …)`` or ``Forbidden``.
    """
    if requested is not None:
        canonical = parse_id(requested)
        query = select(Service).where(col(Service.id) == canonical) if canonical is not None \
            else select(Service).where(col(Service.name) == requested)
        found = session.exec(query).first()
        if found is None or not who.sees_service(found.id):
            raise Invalid("service", "no service with this id or name")
        who.require_service(found.id, Action.EDIT)
        return found
    if who.service_ids is not None:
        if len(who.service_ids) != 1:
            raise Invalid("service", "name the service to create the check in")
        service_id = next(iter(who.service_ids))
        who.require_service(service_id, Action.EDIT)
        return services.get_service(session, service_id)
    existing = session.exec(select(Service).where(col(Service.name) == DEFAULT_SERVICE)).first()
    if existing is not None:
        who.require_service(existing.id, Action.EDIT)
        return existing
    who.require(Action.CREATE_SERVICE)
    return services.create_service(session, ServiceCreate(name=DEFAULT_SERVICE), now)


@dataclass(frozen=True)
class UniqueCriteria:
    """Healthchecks' ``unique``: the fields an existing check must share for a create to update it."""

    values: Mapping[str, Any]

    def matches(self, heartbeat: Heartbeat) -> bool:
        for field, wanted in self.values.items():
            if field == "name" and heartbeat.name != wanted:
                return False
            if field == "slug" and (heartbeat.slug or "") != wanted:
                return False
            if field == "tags" and heartbeat.tags != normalise_tags(wanted):
                return False
            if field == "timeout" and heartbeat.interval != wanted:
                return False
            if field == "grace" and heartbeat.grace != wanted:
                return False
        return True


def find_unique_match(session: Session, service_id: str, criteria: UniqueCriteria) -> Heartbeat | None:
    """The first heartbeat of the service (oldest first) that shares every field of ``criteria``."""
    query = select(Heartbeat).where(col(Heartbeat.service_id) == service_id)
    if "name" in criteria.values:
        query = query.where(col(Heartbeat.name) == criteria.values["name"])
    if "slug" in criteria.values:
        query = query.where(col(Heartbeat.slug) == (criteria.values["slug"] or None)) if criteria.values["slug"] \
            else query.where(col(Heartbeat.slug).is_(None))
    for heartbeat in session.exec(query.order_by(col(Heartbeat.created_at), col(Heartbeat.id))):
        if criteria.matches(heartbeat):
            return heartbeat
    return None
