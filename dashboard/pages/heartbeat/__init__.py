"""/heartbeats/[heartbeat_id]: the check-in URL, snippets, live event feed, statistics and alerts."""

from dashboard.pages.heartbeat.state import HeartbeatState
from dashboard.pages.heartbeat.view import heartbeat_page

__all__ = ["HeartbeatState", "heartbeat_page"]
