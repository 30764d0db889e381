"""Every row of every table, to compare a database before and after an operation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

TableRows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def table_rows(engine: Engine) -> TableRows:
    """Every row of every table (but alembic_version), keyed by primary key."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    tables: TableRows = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            keys = [column.name for column in table.primary_key.columns] or [c.name for c in table.columns]
            rows = [dict(r._mapping) for r in conn.execute(sa.select(table))]
            tables[table.name] = {tuple(row[k] for k in keys): row for row in rows}
    return tables
