"""What the Healthchecks-compatible API answers: checks, pings, flips, channels, as Healthchecks shapes them.

Field order, names and formats follow Healthchecks' ``Check.to_dict`` and
``Ping.to_dict``: ``last_ping``/``next_ping`` and flip timestamps to the second with
``+00:00``, ping dates with microseconds.  Keys that may not see check-in ids
(viewers) get Healthchecks' read-only shape: ``unique_key`` (the public id) instead
of ``uuid``, and no ping, update, pause or resume URL and no ``channels``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dashboard.core.events import NumberedPing
from dashboard.core.healthchecks import methods_to_hc, status_to_hc
from dashboard.core.schedule import STATUS_DOWN, STATUS_NEW, STATUS_PAUSED
from dashboard.models import Channel, Event, Flip, Heartbeat
from dashboard.timeutil import from_micros

# Healthchecks' ping kinds for Lubdub's results (a skipped run is recorded, like a log line).
PING_TYPES = {"tick": "success", "complete": "success", "run": "start", "fail": "fail", "log": "log", "skip": "log"}


def seconds_iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class View:
    """Who asks, through which version, where the server is reached."""

    version: int
    public_url: str
    secrets: bool  # may see check-in ids (not a viewer)

    def check_url(self, heartbeat: Heartbeat) -> str:
        return f"{self.public_url}/api/v{self.version}/checks/{heartbeat.ping_id}"


def _next_ping(heartbeat: Heartbeat, status: str) -> datetime | None:
    """When the next check-in is expected: Healthchecks' ``get_grace_start``.

    None while new (and nothing runs), paused or down; while a run is open, its start
    if that is earlier (Healthchecks reports a running check that way).
    """
    if status in (STATUS_PAUSED, STATUS_DOWN):
        return None
    expected = heartbeat.next_due_at if status != STATUS_NEW else None
    runs = heartbeat.open_runs()
    if runs:
        started = from_micros(min(run.started_at for run in runs))
        expected = started if expected is None else min(expected, started)
    return expected


def check(heartbeat: Heartbeat, view: View, now: datetime, channel_ids: list[str]) -> dict[str, Any]:
    status = heartbeat.get_status(now)
    started = bool(heartbeat.open_runs())
    shown_status = status_to_hc(status)
    if view.version == 1 and started and status not in (STATUS_DOWN, STATUS_PAUSED):
        shown_status = "started"
    body: dict[str, Any] = {
        "name": heartbeat.name,
        "slug": heartbeat.slug or "",
        "tags": heartbeat.tags,
        "desc": heartbeat.description,
        "grace": heartbeat.grace,
        "n_pings": heartbeat.n_pings,
        "status": shown_status,
        "started": started,
        "last_ping": seconds_iso(heartbeat.last_ping_at),
        "next_ping": seconds_iso(_next_ping(heartbeat, status)),
        "manual_resume": heartbeat.manual_resume,
        "methods": methods_to_hc(heartbeat.method_list),
        "subject": "",
        "subject_fail": "",
        "start_kw": "",
        "success_kw": "",
        "failure_kw": "",
        "filter_subject": False,
        "filter_body": False,
        "filter_http_body": False,
        "filter_default_fail": False,
        "badge_url": f"{view.public_url}/badge/{heartbeat.public_id}-2.svg",
    }
    if heartbeat.last_duration_ms:
        body["last_duration"] = heartbeat.last_duration_ms // 1000
    if view.secrets:
        url = view.check_url(heartbeat)
        body.update(uuid=heartbeat.ping_id, ping_url=f"{view.public_url}/ping/{heartbeat.ping_id}", update_url=url,
                    pause_url=f"{url}/pause", resume_url=f"{url}/resume", channels=",".join(channel_ids))
    else:
        body["unique_key"] = heartbeat.public_id
    if heartbeat.schedule is None:
        body["timeout"] = heartbeat.interval
    else:
        body.update(schedule=heartbeat.schedule, tz=heartbeat.timezone)
    return body


def ping(numbered: NumberedPing, heartbeat: Heartbeat, view: View) -> dict[str, Any]:
    event: Event = numbered.event
    body: dict[str, Any] = {
        "type": PING_TYPES.get(event.result, event.result),
        "date": event.received_at.astimezone(UTC).isoformat(),
        "n": numbered.n,
        "scheme": view.public_url.split(":", 1)[0],
        "remote_addr": event.source_ip or "",
        "method": event.method or "",
        "ua": event.user_agent or "",
        "rid": event.rid,
        "body_url": f"{view.check_url(heartbeat)}/pings/{numbered.n}/body" if event.message else None,
    }
    if event.duration_ms is not None:
        body["duration"] = round(event.duration_ms / 1000, 2)
    if event.exit_code is not None:
        body["exitstatus"] = event.exit_code  # Lubdub's addition: Healthchecks stores it but does not show it
    return body


def flip(row: Flip) -> dict[str, Any]:
    return {"timestamp": seconds_iso(row.created_at), "up": 1 if row.new_status == "up" else 0}


def channel(row: Channel) -> dict[str, str]:
    return {"id": row.id, "name": row.name, "kind": row.kind}
