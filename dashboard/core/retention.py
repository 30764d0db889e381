"""Event retention: prune raw events past the retention window, in small batches.

Hourly rollups are kept, so statistics still cover the pruned period.  Batches
keep each write transaction short, so check-ins never wait long behind it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard.db import write_engine, write_lock
from dashboard.timeutil import to_micros

BATCH = 5000

# Walks the primary key from the oldest row: old events sit at the low ids (ids
# grow with insertion time), so each batch finds its rows without an index on
# received_at, which would slow every check-in insert.
_PRUNE = text(
    "DELETE FROM event WHERE id IN "
    "(SELECT id FROM event WHERE received_at < :cutoff ORDER BY id LIMIT :batch)"
)
_PRUNE_SESSIONS = text("DELETE FROM user_session WHERE expires_at < :now")


def prune(engine: Engine, now: datetime, retention_days: int, *, batch: int = BATCH, max_batches: int = 200) -> int:
    """Delete events older than ``retention_days``; returns how many were deleted."""
    cutoff = to_micros(now - timedelta(days=retention_days))
    deleted = 0
    with write_engine(engine).connect() as conn:
        for _ in range(max_batches):
            with write_lock(engine), conn.begin():
                count = conn.execute(_PRUNE, {"cutoff": cutoff, "batch": batch}).rowcount
            deleted += count
            if count < batch:
                break
        with write_lock(engine), conn.begin():
            conn.execute(_PRUNE_SESSIONS, {"now": to_micros(now)})
    return deleted
