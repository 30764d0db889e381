"""The Reflex app: pages, our routes mounted in front, background tasks in the lifespan."""

import reflex as rx

from dashboard import styles
from dashboard.pages.heartbeat import HeartbeatState, heartbeat_page
from dashboard.pages.login import LoginState, login_page
from dashboard.pages.notifications import NotificationsState, notifications_page
from dashboard.pages.overview import OverviewState, overview_page
from dashboard.pages.service import ServiceState, service_page
from dashboard.pages.settings import SettingsState, settings_page
from dashboard.pages.setup import SetupState, setup_page
from dashboard.server import LubdubApp, mount_routes, run_background
from dashboard.state import (
    HEARTBEAT_ROUTE,
    HOME_ROUTE,
    LOGIN_ROUTE,
    NOTIFICATIONS_ROUTE,
    SERVICE_ROUTE,
    SETTINGS_ROUTE,
    SETUP_ROUTE,
    dashboard_exception_handler,
)

app = LubdubApp(
    api_transformer=mount_routes,
    theme=styles.THEME,
    style=styles.BASE_STYLE,
    head_components=[rx.el.link(rel="icon", href="data:,")],
    # Outages (database, Redis) as a plain message instead of "An error occurred".
    backend_exception_handler=dashboard_exception_handler,
)
# Dynamic routes first (Reflex matches pages in the order they are added).
app.add_page(heartbeat_page, route=HEARTBEAT_ROUTE, title="Heartbeat · Lubdub", on_load=HeartbeatState.load)
app.add_page(service_page, route=SERVICE_ROUTE, title="Service · Lubdub", on_load=ServiceState.load)
app.add_page(overview_page, route=HOME_ROUTE, title="Lubdub", on_load=OverviewState.load)
app.add_page(login_page, route=LOGIN_ROUTE, title="Log in · Lubdub", on_load=LoginState.load)
app.add_page(setup_page, route=SETUP_ROUTE, title="Set up · Lubdub", on_load=SetupState.load)
app.add_page(settings_page, route=SETTINGS_ROUTE, title="Settings · Lubdub", on_load=SettingsState.load)
app.add_page(notifications_page, route=NOTIFICATIONS_ROUTE, title="Notifications · Lubdub",
             on_load=NotificationsState.load)

app.register_lifespan_task(run_background)
