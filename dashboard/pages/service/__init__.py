"""/services/[service_id]: a service's heartbeats, paged, with single and bulk actions."""

from dashboard.pages.service.state import ServiceState
from dashboard.pages.service.view import service_page

__all__ = ["ServiceState", "service_page"]
