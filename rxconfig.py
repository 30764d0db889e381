import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from dashboard.config import DEFAULT_HOST
from dashboard.granian_workers import respawn_failed_workers

respawn_failed_workers()

config = rx.Config(
    app_name="dashboard",
    frontend_port=int(os.environ.get("PORT", "3000")),
    backend_port=int(os.environ.get("PORT", "3000")),
    # The address the server binds (HOST); loopback unless told otherwise.
    backend_host=os.environ.get("HOST") or DEFAULT_HOST,
    # Reflex's CORS allows nothing: dashboard/http_security.py decides (CORS_ORIGINS).
    cors_allowed_origins=(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Several workers share dashboard state through Redis when it is configured.
    redis_url=os.environ.get("REDIS_URL") or None,
    disable_plugins=[SitemapPlugin],
)
