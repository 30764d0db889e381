"""GET /metrics: Prometheus text format.

Open by default, like most exporters: the figures are counts and queue depths,
no names, ids or URLs. Set ``METRICS_TOKEN`` to require
``Authorization: Bearer <token>`` (Prometheus' ``authorization`` /
``bearer_token`` scrape setting sends exactly that); anything else is a 401.
"""

from __future__ import annotations

import hmac

from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from dashboard.api.errors import error_response
from dashboard.api.ping import checkins
from dashboard.config import get_settings
from dashboard.core import metrics
from dashboard.db import get_engine, session_scope
from dashboard.timeutil import utcnow


def bearer_matches(authorization: str | None, token: str) -> bool:
    """Whether the header carries ``Bearer <token>``, compared in constant time."""
    scheme, presented = get_authorization_scheme_param(authorization)
    # Both sides compared whatever the scheme, so the time taken says nothing about the token.
    matches = hmac.compare_digest(presented.encode(), token.encode())
    return scheme.lower() == "bearer" and matches


def metrics_endpoint(request: Request) -> Response:
    token = get_settings().metrics_token
    if token is not None and not bearer_matches(request.headers.get("authorization"), token):
        return error_response(401, "metrics need 'Authorization: Bearer <METRICS_TOKEN>'",
                              headers={"WWW-Authenticate": "Bearer"})
    writer = checkins.writer
    with session_scope(get_engine()) as session:
        body = metrics.render(session, utcnow(), queue_depth=writer.queue_depth if writer else None)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
