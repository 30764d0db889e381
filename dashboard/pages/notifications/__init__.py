"""/settings/notifications: alert channels, where they are attached, test sends, the log.

Secrets never reach the browser: channels are shown and edited in their masked
form, and the engine keeps a stored secret whenever the masked value comes back
unchanged.
"""

from dashboard.pages.notifications.state import NotificationsState
from dashboard.pages.notifications.view import notifications_page

__all__ = ["NotificationsState", "notifications_page"]
