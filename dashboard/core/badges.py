"""Status badges: one heartbeat, or every heartbeat of a service (or of all services) with a tag.

A badge shows the worst status among the heartbeats it covers: ``down``, ``late``
or ``up`` (new and paused heartbeats count as up, as in Healthchecks).  Two-state
badges (``-2``) show ``late`` as ``up``.  Formats: ``svg``, ``json``
(``{"status", "total", "grace", "down"}``) and ``shields`` (shields.io's endpoint
schema).

Badge URLs are public (README files, wikis), so the ones for a tag are signed:
``/badge/{scope}/{sig}[-2]/{tag}.{fmt}`` and ``/badge/{scope}/{sig}[-2].{fmt}`` for
every heartbeat, where ``scope`` is a service id or ``all`` and ``sig`` an HMAC of
scope and tag under ``SECRET_KEY``: nobody can ask for a tag or a service that no
API key holder was shown.  A single heartbeat's badge is ``/badge/{public_id}[-2].{fmt}``
(the public id is harmless to share).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from sqlalchemy import func
from sqlmodel import Session, col, select

from dashboard.core.heartbeats import HeartbeatFilter
from dashboard.core.schedule import STATUS_DOWN, STATUS_LATE, STATUS_UP, derived_status
from dashboard.models import Heartbeat
from dashboard.timeutil import to_micros

ALL_SERVICES = "all"
EVERY_TAG = "*"
FORMATS = ("svg", "json", "shields")
SIGNATURE_LENGTH = 8
_COLOURS = {STATUS_UP: "#4c1", STATUS_LATE: "#fe7d37", STATUS_DOWN: "#e05d44"}
_SHIELDS_COLOURS = {STATUS_UP: "success", STATUS_LATE: "important", STATUS_DOWN: "critical"}


def signature(secret_key: str, scope: str, tag: str) -> str:
    digest = hmac.new(secret_key.encode(), f"badge\x00{scope}\x00{tag}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def signature_ok(secret_key: str, scope: str, tag: str, given: str) -> bool:
    return hmac.compare_digest(signature(secret_key, scope, tag), given)


def badge_urls(public_url: str, secret_key: str, scope: str, tag: str) -> dict[str, str]:
    """Healthchecks' set of URLs for one badge: svg/json/shields, two-state and three-state (``…3``)."""
    sig = signature(secret_key, scope, tag)
    urls = {}
    for fmt in FORMATS:
        for suffix, states in (("", "-2"), ("3", "")):
            path = f"{scope}/{sig}{states}.{fmt}" if tag == EVERY_TAG else f"{scope}/{sig}{states}/{tag}.{fmt}"
            urls[fmt + suffix] = f"{public_url}/badge/{path}"
    return urls


@dataclass(frozen=True)
class BadgeStatus:
    status: str  # up, late or down
    total: int
    late: int
    down: int


def _summary(statuses: Sequence[str], with_late: bool) -> BadgeStatus:
    down = sum(1 for s in statuses if s == STATUS_DOWN)
    late = sum(1 for s in statuses if s == STATUS_LATE)
    status = STATUS_DOWN if down else (STATUS_LATE if late and with_late else STATUS_UP)
    return BadgeStatus(status, len(statuses), late, down)


def tag_status(session: Session, service_ids: frozenset[str] | None, tag: str, now: datetime, *,
               with_late: bool) -> BadgeStatus:
    """The badge of the heartbeats (of these services; None: all) with ``tag`` (``*``: every one)."""
    found = HeartbeatFilter(service_ids=service_ids, tags=() if tag == EVERY_TAG else (tag,))
    query = select(Heartbeat.enabled, Heartbeat.status, Heartbeat.next_due_at).where(*found.where())
    moment = to_micros(now)
    statuses = [derived_status(enabled, status, None if due is None else to_micros(due), moment)
                for enabled, status, due in session.exec(query)]
    return _summary(statuses, with_late)


def heartbeat_status(heartbeat: Heartbeat, now: datetime, *, with_late: bool) -> BadgeStatus:
    return _summary([heartbeat.get_status(now)], with_late)


def tags_in_use(session: Session, service_ids: frozenset[str] | None) -> list[str]:
    """Every tag of these services' heartbeats (None: all), sorted."""
    query = select(Heartbeat.tags).where(*HeartbeatFilter(service_ids=service_ids).where(),
                                         func.length(col(Heartbeat.tags)) > 0).distinct()
    return sorted({tag for tags in session.exec(query) for tag in tags.split()})


def _text_width(text: str) -> int:
    # Verdana 11px, roughly: narrow letters ~4 px, capitals and wide ones ~8-10.
    narrow, wide = set("fijlrtI.,:;!|' -"), set("mwMW@%")
    return sum(4 if c in narrow else 10 if c in wide else 8 if c.isupper() else 7 for c in text)


def render(label: str, badge: BadgeStatus, fmt: str) -> tuple[bytes, str]:
    """The badge as (body, content type)."""
    if fmt == "json":
        body = {"status": badge.status, "total": badge.total, "grace": badge.late, "down": badge.down}
        return json.dumps(body).encode(), "application/json"
    if fmt == "shields":
        body = {"schemaVersion": 1, "label": label, "message": badge.status, "color": _SHIELDS_COLOURS[badge.status]}
        return json.dumps(body).encode(), "application/json"
    left, right = _text_width(label) + 10, _text_width(badge.status) + 10
    total = left + right
    label_text, status_text = escape(label), escape(badge.status)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{escape(label, {chr(34): "&quot;"})}: {status_text}">'
        f"<title>{label_text}: {status_text}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{_COLOURS[badge.status]}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="15" fill="#010101" fill-opacity=".3">{label_text}</text>'
        f'<text x="{left / 2}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2}" y="15" fill="#010101" fill-opacity=".3">{status_text}</text>'
        f'<text x="{left + right / 2}" y="14">{status_text}</text></g></svg>'
    )
    return svg.encode(), "image/svg+xml"
