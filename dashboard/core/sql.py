"""Driver-level statement helpers for the write paths that run per check-in batch."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection


def driver_sql(conn: Connection, statement: str) -> str:
    """``statement`` (written with ``?`` placeholders) in the driver's paramstyle.

    The hot paths bypass SQL compilation and hand tuples straight to the
    driver's ``executemany``; psycopg wants ``%s`` where sqlite3 wants ``?``.
    """
    return statement if conn.dialect.paramstyle == "qmark" else statement.replace("?", "%s")


def executemany(conn: Connection, statement: str, rows: Sequence[tuple[object, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(driver_sql(conn, statement), list(rows))
