"""The Reflex app: pages, our routes mounted in front, background tasks in the lifespan."""

import reflex as rx

from dashboard.server import LubdubApp, mount_routes, run_background


def index() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading("Lubdub", size="8"),
            rx.text("Heartbeat monitoring for cron jobs, workers and backups."),
            rx.link("API documentation", href="/api/docs", id="api-docs-link"),
            align="center",
        ),
        height="100vh",
    )


app = LubdubApp(api_transformer=mount_routes)
app.add_page(index, route="/", title="Lubdub")
app.register_lifespan_task(run_background)
