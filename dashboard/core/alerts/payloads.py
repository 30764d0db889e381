"""What an alert says: the JSON payload (frozen into the delivery) and its text forms.

The payload is built when the delivery is created, from the flip and the
heartbeat as they were then, so a retry five minutes later still describes the
transition it is about.  Webhooks send it as JSON; email and Apprise render it
as a title and a few lines of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard.timeutil import isoformat, parse_timestamp

# The dashboard's heartbeat page, relative to PUBLIC_URL.
HEARTBEAT_PAGE = "/heartbeats/{id}"

_REASONS = {
    "miss": "no check-in arrived in time",
    "fail": "the job reported a failure",
    "timeout": "a run took longer than its run-time limit",
    "recovery": "a check-in arrived",
}


@dataclass(frozen=True)
class HeartbeatFacts:
    id: str  # the row id; it stays in the database (the delivery row), never in a message
    public_id: str
    ping_id: str
    name: str
    service_id: str
    service_name: str
    last_ping_at: datetime | None


def build_payload(
    *,
    kind: str,
    heartbeat: HeartbeatFacts,
    status: str,
    reason: str,
    changed_at: datetime,
    public_url: str,
    consecutive_failures: int | None = None,
    renotify_count: int | None = None,
    with_ping_url: bool = False,
) -> dict[str, Any]:
    """``kind`` is alert, recovery or renotify; ``changed_at`` is when the flip happened.

    The heartbeat is named by its public id: a message forwarded to a chat room
    must not carry the power to check in.  ``with_ping_url`` adds the check-in URL
    for channels that ask for it (``include_ping_url`` in their settings).
    """
    payload: dict[str, Any] = {
        "event": "up" if status == "up" else "down",
        "kind": kind,
        "status": status,
        "reason": reason,
        "changed_at": isoformat(changed_at),
        "heartbeat": {
            "id": heartbeat.public_id,
            "name": heartbeat.name,
        },
        "service": {"id": heartbeat.service_id, "name": heartbeat.service_name},
        "last_check_in": isoformat(heartbeat.last_ping_at),
        "dashboard_url": public_url + HEARTBEAT_PAGE.format(id=heartbeat.public_id),
    }
    if with_ping_url:
        payload["heartbeat"]["ping_url"] = f"{public_url}/ping/{heartbeat.ping_id}"
    if consecutive_failures is not None:
        payload["consecutive_failures"] = consecutive_failures
    if renotify_count is not None:
        payload["renotify_count"] = renotify_count
    return payload


def build_test_payload(channel_name: str, public_url: str, now: datetime) -> dict[str, Any]:
    return {
        "event": "test",
        "kind": "test",
        "status": "test",
        "reason": "test",
        "changed_at": isoformat(now),
        "channel": channel_name,
        "dashboard_url": public_url,
        "message": f"This is a test notification from Lubdub for the channel {channel_name!r}.",
    }


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    # Apprise's notify types: "failure" for down, "success" for up, "info" for tests.
    severity: str


def _when(raw: str | None) -> str:
    if raw is None:
        return "never"
    return parse_timestamp(raw).strftime("%Y-%m-%d %H:%M:%S UTC")


def render(payload: dict[str, Any]) -> Message:
    """The human-readable form (email subject/body, chat title/text)."""
    if payload["kind"] == "test":
        return Message(
            title="[Lubdub] Test notification",
            body=f"{payload['message']}\nIf you can read this, the channel works.\n\n{payload['dashboard_url']}\n",
            severity="info",
        )
    heartbeat, service = payload["heartbeat"], payload["service"]
    label = f"{heartbeat['name']} ({service['name']})"
    if payload["status"] == "up":
        title = f"[Lubdub] UP: {label} recovered"
    elif payload["kind"] == "renotify":
        title = f"[Lubdub] STILL DOWN: {label}"
    else:
        title = f"[Lubdub] DOWN: {label}"
    since_label = "Up since" if payload["status"] == "up" else "Down since"
    lines = [
        f"Heartbeat: {heartbeat['name']}",
        f"Service:   {service['name']}",
        f"Status:    {payload['status'].upper()} — {_REASONS.get(payload['reason'], payload['reason'])}",
        f"{since_label}: {_when(payload['changed_at'])}",
        f"Last check-in: {_when(payload['last_check_in'])}",
    ]
    if payload.get("consecutive_failures", 1) > 1:
        lines.append(f"Consecutive failures: {payload['consecutive_failures']}")
    if payload["heartbeat"].get("ping_url"):
        lines.append(f"Check-in URL: {payload['heartbeat']['ping_url']}")
    lines += ["", f"Open in Lubdub: {payload['dashboard_url']}", ""]
    return Message(title=title, body="\n".join(lines), severity="success" if payload["status"] == "up" else "failure")
