"""/setup: the first visit to an instance without users creates the admin."""

from dashboard.pages.setup.state import SetupState
from dashboard.pages.setup.view import setup_page

__all__ = ["SetupState", "setup_page"]
