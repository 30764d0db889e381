"""/ — the overview: counts by status, every service with its worst heartbeats first."""

from dashboard.pages.overview.state import OverviewState
from dashboard.pages.overview.view import overview_page

__all__ = ["OverviewState", "overview_page"]
