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


def write_rows(conn: Connection, sqlite_statement: str, postgres_statement: str,
               rows: Sequence[tuple[object, ...]]) -> None:
    """Write ``rows`` with one statement on PostgreSQL, ``executemany`` on SQLite.

    On PostgreSQL even a pipelined ``executemany`` runs one statement per row on
    the server: a batch of check-ins spent most of its transaction there.
    ``postgres_statement`` takes each column as one array parameter instead
    (``unnest(%s::bigint[], ...)``), so a batch is a single statement.  On SQLite,
    in-process, ``executemany`` is already the cheap way.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(postgres_statement, tuple(list(column) for column in zip(*rows, strict=True)))
    else:
        conn.exec_driver_sql(driver_sql(conn, sqlite_statement), list(rows))
