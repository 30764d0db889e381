"""Prometheus text exposition of Lubdub's state: what /metrics serves.

Totals come from the database (the ``counter`` table, heartbeat and delivery
tables) so every worker and instance answers a scrape alike; the writer's queue
depth is the one per-process figure, labelled with the process id.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from dashboard.core.counters import read_counters
from dashboard.core.schedule import STATUSES
from dashboard.core.services import status_counts
from dashboard.models import JOB_RESULTS
from dashboard.timeutil import to_micros


def _family(name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {value:g}" for labels, value in samples]
    return lines


def render(session: Session, now: datetime, *, queue_depth: int | None = None) -> str:
    by_status = dict.fromkeys(STATUSES, 0)
    for counts in status_counts(session, None, now).values():
        for status, count in counts.items():
            by_status[status] += count
    conn = session.connection()
    counters = read_counters(conn)
    oldest_due = conn.execute(text("SELECT MIN(miss_at) FROM heartbeat WHERE miss_at <= :now AND enabled = :on"),
                              {"now": to_micros(now), "on": True}).scalar()
    deliveries: dict[str, int] = dict(conn.execute(text("SELECT status, COUNT(*) FROM delivery GROUP BY status")).all())

    lines: list[str] = []
    lines += _family("lubdub_heartbeats", "gauge", "Heartbeats by status.",
                     ((f'{{status="{s}"}}', n) for s, n in by_status.items()))
    lines += _family("lubdub_checkins_total", "counter", "Check-ins recorded, by result.",
                     ((f'{{result="{r}"}}', counters.get(f"checkins_{r}", 0)) for r in JOB_RESULTS))
    lines += _family("lubdub_checkins_rate_limited_total", "counter", "Check-ins refused by the rate limit.",
                     [("", counters.get("checkins_rate_limited", 0))])
    lines += _family("lubdub_misses_total", "counter", "Missed deadlines recorded by the detector.",
                     [("", counters.get("misses", 0))])
    lag_s = max(0.0, (to_micros(now) - oldest_due) / 1e6) if oldest_due is not None else 0.0
    lines += _family("lubdub_detector_lag_seconds", "gauge",
                     "Age of the oldest deadline not yet flagged (0 when the detector is current).", [("", lag_s)])
    lines += _family("lubdub_alert_deliveries", "gauge", "Alert deliveries by status.",
                     ((f'{{status="{s}"}}', n) for s, n in sorted(deliveries.items())))
    if queue_depth is not None:
        lines += _family("lubdub_ping_queue_depth", "gauge", "Check-ins waiting for the writer in this process.",
                         [(f'{{pid="{os.getpid()}"}}', queue_depth)])
    return "\n".join(lines) + "\n"
