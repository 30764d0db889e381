"""GET /metrics: Prometheus text format, no authentication (bind it to your scraper's network)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from dashboard.api.ping import checkins
from dashboard.core import metrics
from dashboard.db import get_engine, session_scope
from dashboard.timeutil import utcnow


def metrics_endpoint(_: Request) -> PlainTextResponse:
    writer = checkins.writer
    with session_scope(get_engine()) as session:
        body = metrics.render(session, utcnow(), queue_depth=writer.queue_depth if writer else None)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
