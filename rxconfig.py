import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

config = rx.Config(
    app_name="dashboard",
    frontend_port=int(os.environ.get("PORT", "3000")),
    backend_port=int(os.environ.get("PORT", "3000")),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Several workers share dashboard state through Redis when it is configured.
    redis_url=os.environ.get("REDIS_URL") or None,
    disable_plugins=[SitemapPlugin],
)
