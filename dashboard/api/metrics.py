"""GET /metrics: Prometheus text format, no authentication (bind it to your scraper's network)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from dashboard.core import background, metrics
from dashboard.db import get_engine, session_scope
from dashboard.timeutil import utcnow


def metrics_endpoint(_: Request) -> PlainTextResponse:
    running = background.current()
    with session_scope(get_engine()) as session:
        body = metrics.render(session, utcnow(), queue_depth=running.writer.queue_depth if running else None)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
