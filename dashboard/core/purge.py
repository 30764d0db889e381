"""Delete the events of deleted heartbeats, in short batches.

Deleting a heartbeat only removes its row and queues it in ``heartbeat_purge``;
a heartbeat with a million events would otherwise hold the database's write
lock for a second or more while check-ins wait.  Each batch here is one short
transaction that walks the (heartbeat_id, received_at, id) index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.db import write_engine, write_lock
from dashboard.models import HeartbeatPurge

BATCH = 5000

_QUEUED = text("SELECT heartbeat_id FROM heartbeat_purge ORDER BY deleted_at LIMIT 100")
_DELETE_BATCH = text(
    "DELETE FROM event WHERE id IN (SELECT id FROM event WHERE heartbeat_id = :id LIMIT :batch)"
)
_DONE = text("DELETE FROM heartbeat_purge WHERE heartbeat_id = :id")


def queue_purge(session: Session, heartbeat_ids: Iterable[str], now: datetime) -> None:
    """Queue the events of heartbeats deleted in ``session``'s transaction."""
    for heartbeat_id in heartbeat_ids:
        session.merge(HeartbeatPurge(heartbeat_id=heartbeat_id, deleted_at=now))


def purge_events(engine: Engine, *, batch: int = BATCH, max_batches: int = 100) -> int:
    """Delete queued events, at most ``max_batches`` batches per call; returns how many."""
    with engine.connect() as reader:
        queued = [row[0] for row in reader.execute(_QUEUED)]
    deleted = 0
    batches = 0
    with write_engine(engine).connect() as conn:
        for heartbeat_id in queued:
            while batches < max_batches:
                with write_lock(engine), conn.begin():
                    count = conn.execute(_DELETE_BATCH, {"id": heartbeat_id, "batch": batch}).rowcount
                    if count < batch:
                        conn.execute(_DONE, {"id": heartbeat_id})
                batches += 1
                deleted += count
                if count < batch:
                    break
    return deleted
