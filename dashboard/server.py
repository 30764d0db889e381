"""The ASGI layer around Reflex: our routes first, then Reflex's app at "".

The check-in routes sit at the top of the route table so the hot path never
walks Reflex's routes, and the background machinery (ping writer, detector)
starts with the server's lifespan.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from dashboard.api.ping import ping_routes
from dashboard.api.v1 import build_api
from dashboard.config import get_settings
from dashboard.core import background
from dashboard.db import get_engine

log = logging.getLogger(__name__)


def mount_routes(reflex_app: ASGIApp) -> ASGIApp:
    """Reflex's ``api_transformer``: wrap its ASGI app in ours."""
    return Starlette(routes=[*ping_routes, Mount("/api", app=build_api()), Mount("", app=reflex_app)])


@asynccontextmanager
async def run_background() -> AsyncIterator[None]:
    """Lifespan task: one writer per process; singleton jobs elected across processes."""
    running = background.Background(get_engine(), get_settings())
    running.start()
    background.set_current(running)
    try:
        yield
    finally:
        background.set_current(None)
        running.stop()
