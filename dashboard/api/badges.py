"""``/badge/…``: status badges anyone may embed (see ``core/badges.py`` for what they show).

- ``/badge/{public_id}[-2].{svg|json|shields}`` — one heartbeat;
- ``/badge/{scope}/{sig}[-2].{fmt}`` — every heartbeat of a service (``scope`` is its id)
  or of all services (``all``);
- ``/badge/{scope}/{sig}[-2]/{tag}.{fmt}`` — those with a tag.

``-2``: two states (up/down; late shows as up); without it, three.  The URLs with a
signature come from ``GET /api/v3/badges/``; a wrong signature is a 404, like an
unknown heartbeat.  Answers are not cached (a badge shows the status now) and any
origin may read them (``/badge/`` is a CORS-open prefix in ``http_security``).
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from dashboard.config import get_settings
from dashboard.core import badges
from dashboard.core.ids import parse_id
from dashboard.db import get_engine
from dashboard.models import Heartbeat, Service
from dashboard.timeutil import utcnow

_FORMAT = r"\.(?P<fmt>svg|json|shields)"
_ONE = re.compile(r"^/(?P<public_id>[0-9a-f]{40})(?P<two>-2)?" + _FORMAT + "$")
_GROUP = re.compile(r"^/(?P<scope>[0-9a-f-]{36}|all)/(?P<sig>[A-Za-z0-9_-]{8})(?P<two>-2)?"
                    r"(?:/(?P<tag>[^/]{1,100}))?" + _FORMAT + "$")
_NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate, max-age=0"}


def _not_found() -> Response:
    return JSONResponse({"error": "no such badge"}, status_code=404, headers=_NO_CACHE)


def answer(engine: Engine, path: str) -> Response:
    now = utcnow()
    one = _ONE.match(path)
    group = _GROUP.match(path) if one is None else None
    with Session(engine) as session:
        if one is not None:
            heartbeat = session.exec(select(Heartbeat).where(col(Heartbeat.public_id) == one["public_id"])).first()
            if heartbeat is None:
                return _not_found()
            label, status = heartbeat.name, badges.heartbeat_status(heartbeat, now, with_late=not one["two"])
            fmt = one["fmt"]
        elif group is not None:
            scope, tag = group["scope"], group["tag"] or badges.EVERY_TAG
            if not badges.signature_ok(get_settings().secret_key, scope, tag, group["sig"]):
                return _not_found()
            service_ids: frozenset[str] | None = None
            label = tag
            if scope != badges.ALL_SERVICES:
                service = session.get(Service, parse_id(scope) or "")
                if service is None:
                    return _not_found()
                service_ids = frozenset([service.id])
                label = service.name if tag == badges.EVERY_TAG else tag
            elif tag == badges.EVERY_TAG:
                label = "all"
            status = badges.tag_status(session, service_ids, tag, now, with_late=not group["two"])
            fmt = group["fmt"]
        else:
            return _not_found()
    body, media_type = badges.render(label, status, fmt)
    return Response(body, media_type=media_type, headers=_NO_CACHE)


async def badge_app(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI app mounted at ``/badge``: GET and HEAD only."""
    if scope["type"] != "http":
        return
    if scope["method"] not in ("GET", "HEAD"):
        response: Response = JSONResponse({"error": "badges are read with GET"}, status_code=405,
                                          headers={"Allow": "GET, HEAD"})
    else:
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        response = await run_in_threadpool(answer, get_engine(), path)
    await response(scope, receive, send)
