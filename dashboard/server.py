"""The ASGI layers around Reflex.

- ``LubdubApp`` puts the check-in paths in front of everything Reflex wraps its
  app in (error, CORS and context middleware, a router): the check-in is the hot
  path and answered by a bare ASGI handler.  Measured on 2 cores, this took
  check-ins from about 9,500/s (the speed of Reflex's own no-op ``/ping``) to
  about 11,800/s.  Everything else passes ``http_security.harden`` first (body
  cap, security headers, CORS, websocket origin); check-ins only get a short
  precomputed header list.
- ``mount_routes`` (Reflex's ``api_transformer``) mounts the FastAPI app at
  ``/api``; everything else goes to Reflex.
- ``run_background`` is the lifespan task that starts the ping writer and the
  detector in each server process.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import reflex as rx
from reflex.utils import prerequisites
from reflex_base import constants
from reflex_base.config import get_config
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.api.app import build_api
from dashboard.api.badges import badge_app
from dashboard.api.metrics import metrics_endpoint
from dashboard.api.ping import checkins, is_ping_path, ping_app
from dashboard.config import DEFAULT_SECRET_KEY, get_settings
from dashboard.core import background
from dashboard.db import get_engine
from dashboard.http_security import HttpPolicy, harden, inline_script_hashes, with_headers
from dashboard.logs import configure_logging

log = logging.getLogger(__name__)


def frontend_build_dir() -> Path:
    """Where the prod build's pages are, as Reflex's own frontend mount finds them."""
    config = get_config()
    return prerequisites.get_web_dir() / constants.Dirs.STATIC / config.frontend_path.strip("/")


class LubdubApp(rx.App):
    """A Reflex app whose ASGI entry point answers check-ins before anything else."""

    def __call__(self) -> ASGIApp:
        reflex_asgi = super().__call__()  # compiles; in prod the build is on disk by now
        policy = HttpPolicy.from_settings(get_settings(), inline_script_hashes(frontend_build_dir()))
        hardened = harden(reflex_asgi, policy)
        checkin_headers = policy.checkin_headers

        async def check_ins_first(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and is_ping_path(scope["path"]):
                await ping_app(scope, receive, with_headers(send, checkin_headers))
            else:
                await hardened(scope, receive, send)

        return check_ins_first


class _AnyPathMount(Mount):
    """A Mount whose pattern also matches paths holding a newline (``%0A``).

    Starlette's ``.*`` stops at a newline, so such a request would miss the API
    and get someone else's plain-text 404 instead of the API's JSON error.
    """

    def __init__(self, path: str, app: ASGIApp) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def api_mount() -> Mount:
    return _AnyPathMount("/api", app=build_api())


def mount_routes(reflex_app: ASGIApp) -> ASGIApp:
    """Reflex's ``api_transformer``: the REST API at /api, Reflex's app behind it."""
    return Starlette(routes=[
        Route("/metrics", metrics_endpoint),
        api_mount(),
        Mount("/badge", app=badge_app),
        Mount("", app=reflex_app),
    ])


@asynccontextmanager
async def run_background() -> AsyncIterator[None]:
    """Lifespan task: one writer per process; singleton jobs elected across processes."""
    configure_logging()
    settings = get_settings()
    if settings.secret_key == DEFAULT_SECRET_KEY:
        log.warning("SECRET_KEY is not set: API keys and sessions are hashed with the default key; set it in production")
    running = background.Background(get_engine(), settings)
    running.start()
    checkins.attach(running.writer, running.rate_limiter)
    try:
        yield
    finally:
        checkins.detach()
        running.stop()
