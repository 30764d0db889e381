"""Recording what happened: events' hourly rollups and status flips.

Shared by the two writers of events, the check-in batch (``ingest``) and the
miss detector, so both count and flip the same way.  Rows are written with
``executemany`` inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from dashboard.core.sql import executemany, write_rows
from dashboard.timeutil import HOUR

# Every result that is counted per hour, in the order of the rollup columns.
ROLLUP_RESULTS = ("tick", "run", "complete", "fail", "miss", "timeout", "log", "skip")
_COUNT_COLUMNS = [f"{result}_count" for result in ROLLUP_RESULTS] + ["duration_total_ms", "duration_count"]
_ON_CONFLICT = "ON CONFLICT (heartbeat_id, hour_start) DO UPDATE SET " + ", ".join(
    f"{column} = event_rollup.{column} + excluded.{column}" for column in _COUNT_COLUMNS)
UPSERT_ROLLUP = (
    f"INSERT INTO event_rollup (heartbeat_id, hour_start, {', '.join(_COUNT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(_COUNT_COLUMNS) + 2))}) {_ON_CONFLICT}"
)
# One statement per batch on PostgreSQL (see core/sql.write_rows); a batch never
# holds the same (heartbeat, hour) twice, which ON CONFLICT would refuse.
_UPSERT_ROLLUP_PG = (
    f"INSERT INTO event_rollup (heartbeat_id, hour_start, {', '.join(_COUNT_COLUMNS)}) "
    f"SELECT * FROM unnest(%s::varchar[], %s::bigint[], {', '.join(['%s::bigint[]'] * len(_COUNT_COLUMNS))}) "
    f"{_ON_CONFLICT}"
)
_INSERT_FLIP = (
    "INSERT INTO flip (heartbeat_id, old_status, new_status, reason, created_at) VALUES (?, ?, ?, ?, ?)"
)
_RESULT_INDEX = {result: index for index, result in enumerate(ROLLUP_RESULTS)}
_DURATION_TOTAL, _DURATION_COUNT = len(ROLLUP_RESULTS), len(ROLLUP_RESULTS) + 1


def insert_flips(conn: Connection, flips: Sequence[tuple[str, str, str, str, int]]) -> None:
    """Rows of (heartbeat_id, old_status, new_status, reason, created_at micros)."""
    executemany(conn, _INSERT_FLIP, flips)


class RollupAccumulator:
    """Sums counts per (heartbeat, hour) so a batch writes one upsert per pair."""

    def __init__(self) -> None:
        # (heartbeat, hour) -> one count per ROLLUP_RESULTS, then duration_total_ms, duration_count
        self._counts: dict[tuple[str, int], list[int]] = {}

    def add(self, heartbeat_id: str, received_micros: int, result: str, duration_ms: int | None) -> None:
        key = (heartbeat_id, received_micros - received_micros % HOUR)
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = [0] * len(_COUNT_COLUMNS)
        counts[_RESULT_INDEX[result]] += 1
        if duration_ms is not None:
            counts[_DURATION_TOTAL] += duration_ms
            counts[_DURATION_COUNT] += 1

    def write(self, conn: Connection) -> None:
        # Sorted: writers take the rows' locks in one order, so PostgreSQL never deadlocks.
        rows = [(hb_id, hour, *counts) for (hb_id, hour), counts in sorted(self._counts.items())]
        write_rows(conn, UPSERT_ROLLUP, _UPSERT_ROLLUP_PG, rows)
