"""The ASGI layer around Reflex: our routes first, then Reflex's app at "".

Check-ins are dispatched on the path before any router runs, so the hot path
never walks a route table; ``/api`` is the FastAPI app; everything else goes to
Reflex.  The background machinery (ping writer, detector) starts with the
server's lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.api.ping import is_ping_path, ping_app
from dashboard.api.v1 import build_api
from dashboard.config import get_settings
from dashboard.core import background
from dashboard.db import get_engine


def mount_routes(reflex_app: ASGIApp) -> ASGIApp:
    """Reflex's ``api_transformer``: wrap its ASGI app in ours."""
    routes = Starlette(routes=[Mount("/api", app=build_api()), Mount("", app=reflex_app)])

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_ping_path(scope["path"]):
            await ping_app(scope, receive, send)
        else:
            await routes(scope, receive, send)

    return dispatch


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
