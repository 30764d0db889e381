"""Recording what happened: events' hourly rollups and status flips.

Shared by the two writers of events, the check-in batch (``ingest``) and the
miss detector, so both count and flip the same way.  Rows are written with
``executemany`` inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from dashboard.core.sql import executemany
from dashboard.timeutil import HOUR

UPSERT_ROLLUP = (
    "INSERT INTO event_rollup (heartbeat_id, hour_start, tick_count, run_count, complete_count, "
    "fail_count, miss_count, duration_total_ms, duration_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (heartbeat_id, hour_start) DO UPDATE SET "
    "tick_count = event_rollup.tick_count + excluded.tick_count, "
    "run_count = event_rollup.run_count + excluded.run_count, "
    "complete_count = event_rollup.complete_count + excluded.complete_count, "
    "fail_count = event_rollup.fail_count + excluded.fail_count, "
    "miss_count = event_rollup.miss_count + excluded.miss_count, "
    "duration_total_ms = event_rollup.duration_total_ms + excluded.duration_total_ms, "
    "duration_count = event_rollup.duration_count + excluded.duration_count"
)
_INSERT_FLIP = (
    "INSERT INTO flip (heartbeat_id, old_status, new_status, reason, created_at) VALUES (?, ?, ?, ?, ?)"
)
_ROLLUP_FIELDS = ("tick", "run", "complete", "fail", "miss")


def insert_flips(conn: Connection, flips: Sequence[tuple[str, str, str, str, int]]) -> None:
    """Rows of (heartbeat_id, old_status, new_status, reason, created_at micros)."""
    executemany(conn, _INSERT_FLIP, flips)


class RollupAccumulator:
    """Sums counts per (heartbeat, hour) so a batch writes one upsert per pair."""

    def __init__(self) -> None:
        # (heartbeat, hour) -> [tick, run, complete, fail, miss, duration_total_ms, duration_count]
        self._counts: dict[tuple[str, int], list[int]] = {}

    def add(self, heartbeat_id: str, received_micros: int, result: str, duration_ms: int | None) -> None:
        key = (heartbeat_id, received_micros - received_micros % HOUR)
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = [0] * 7
        counts[_ROLLUP_FIELDS.index(result)] += 1
        if duration_ms is not None:
            counts[5] += duration_ms
            counts[6] += 1

    def write(self, conn: Connection) -> None:
        executemany(conn, UPSERT_ROLLUP, [(hb_id, hour, *counts) for (hb_id, hour), counts in self._counts.items()])
