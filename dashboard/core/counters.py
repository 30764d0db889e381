"""Instance-wide running totals (the ``counter`` table) behind /metrics."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.engine import Connection

from dashboard.core.sql import executemany

_ADD = (
    "INSERT INTO counter (name, value) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET value = counter.value + excluded.value"
)


def add_counters(conn: Connection, increments: Mapping[str, int]) -> None:
    """Add to the named totals inside the caller's transaction."""
    # Sorted: every writer locks the rows in the same order, so PostgreSQL never deadlocks.
    executemany(conn, _ADD, [(name, amount) for name, amount in sorted(increments.items()) if amount])


def read_counters(conn: Connection) -> dict[str, int]:
    return {name: int(value) for name, value in conn.execute(text("SELECT name, value FROM counter"))}
