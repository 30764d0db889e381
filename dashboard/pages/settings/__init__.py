"""/settings: API keys, users, and the way to notification channels."""

from dashboard.pages.settings.state import SettingsState
from dashboard.pages.settings.view import settings_page

__all__ = ["SettingsState", "settings_page"]
