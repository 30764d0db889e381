"""What the service table and the heartbeat page both say about a heartbeat, as text.

Pure: built from a heartbeat already loaded and the moment the state read the
clock at; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from dashboard.components.humanize import duration_text, exact_text, relative_text
from dashboard.core import cron
from dashboard.models import Heartbeat

Facts = TypeVar("Facts", bound="HeartbeatFacts")


@dataclass
class HeartbeatFacts:
    # The public id: the browser never holds a heartbeat's row id or check-in id
    # except where the check-in URL is shown on purpose.
    id: str = ""
    name: str = ""
    status: str = ""
    enabled: bool = True
    interval_text: str = ""
    grace_text: str = ""
    last_ping_text: str = ""
    last_ping_exact: str = ""
    next_due_text: str = ""
    next_due_exact: str = ""


def next_due_text(next_due_at: datetime | None, status: str, now: datetime) -> str:
    if status == "paused":
        return "paused"
    if next_due_at is None:
        return "after the first check-in"
    if status == "down":
        return "overdue"
    return relative_text(next_due_at, now)


def describe(heartbeat: Heartbeat, now: datetime, kind: type[Facts], **more: Any) -> Facts:
    """The heartbeat's facts as ``kind`` (``HeartbeatFacts`` or a row extending it with ``more`` fields)."""
    status = heartbeat.get_status(now)
    return kind(
        id=heartbeat.public_id,
        name=heartbeat.name,
        status=status,
        enabled=heartbeat.enabled,
        # A cron heartbeat (no interval) says its schedule; the dashboard does not edit those yet.
        interval_text=cron.describe(heartbeat.schedule or "") if heartbeat.interval is None else duration_text(heartbeat.interval),
        grace_text=duration_text(heartbeat.grace) if heartbeat.grace else "none",
        last_ping_text=relative_text(heartbeat.last_ping_at, now),
        last_ping_exact=exact_text(heartbeat.last_ping_at),
        next_due_text=next_due_text(heartbeat.next_due_at, status, now),
        next_due_exact=exact_text(heartbeat.next_due_at),
        **more,
    )
