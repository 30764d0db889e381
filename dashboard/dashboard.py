"""The Reflex app: pages, our routes mounted in front, background tasks in the lifespan."""

import reflex as rx

from dashboard import styles
from dashboard.components.layout import NOTIFICATIONS_ROUTE
from dashboard.pages.heartbeat import HeartbeatState, heartbeat_page
from dashboard.pages.login import LoginState, login_page
from dashboard.pages.notifications import NotificationsState, notifications_page
from dashboard.pages.overview import OverviewState, overview_page
from dashboard.pages.service import ServiceState, service_page
from dashboard.pages.settings import SettingsState, settings_page
from dashboard.pages.setup import SetupState, setup_page
from dashboard.server import LubdubApp, mount_routes, run_background

app = LubdubApp(
    api_transformer=mount_routes,
    theme=styles.THEME,
    style=styles.BASE_STYLE,
    head_components=[rx.el.link(rel="icon", href="data:,")],
)
# Dynamic routes first (Reflex matches pages in the order they are added).
app.add_page(heartbeat_page, route="/heartbeats/[heartbeat_id]", title="Heartbeat · Lubdub",
             on_load=HeartbeatState.load)
app.add_page(service_page, route="/services/[service_id]", title="Service · Lubdub", on_load=ServiceState.load)
app.add_page(overview_page, route="/", title="Lubdub", on_load=OverviewState.load)
app.add_page(login_page, route="/login", title="Log in · Lubdub", on_load=LoginState.load)
app.add_page(setup_page, route="/setup", title="Set up · Lubdub", on_load=SetupState.load)
app.add_page(settings_page, route="/settings", title="Settings · Lubdub", on_load=SettingsState.load)
app.add_page(notifications_page, route=NOTIFICATIONS_ROUTE, title="Notifications · Lubdub",
             on_load=NotificationsState.load)

app.register_lifespan_task(run_background)
