"""Upgrading keeps every row: a database built at each earlier revision, filled, then upgraded.

For every revision before head (found in alembic/versions/, so a migration added
later is covered without editing this file): migrate an empty database to it one
step at a time, insert rows into every table that exists at that step, upgrade
to head one step at a time, and check that every table still has the same rows
(matched by primary key) with the same value in every column that existed before.

Rows are generated from the table metadata reflected at that revision (a value
per column type, foreign keys pointing at rows of the parent tables, unique
columns distinct), overlaid with the realistic rows below where a generic value
would break a constraint or mean nothing (a check constraint, a JSON column, a
status). A migration that deliberately changes stored values must say so here.

Runs on SQLite, and on PostgreSQL with LUBDUB_TEST_DATABASE=postgresql (in a
database of its own beside the test one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from alembic import command
from dashboard import db
from dashboard.migrate import alembic_config
from tests.conftest import POSTGRES_URL
from tests.dbsnapshot import table_rows

DAY_MICROS = 86_400_000_000
BASE_MICROS = 1_793_000_000_000_000  # 2026-10-26
ROWS_PER_TABLE = 3


def _revisions() -> list[str]:
    """Every revision, oldest first (the chain must stay linear)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


REVISIONS = _revisions()

# Realistic rows per table: column -> value; columns that do not exist at the
# revision under test are ignored, the others are generated.
_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
REALISTIC_ROWS: dict[str, list[dict[str, Any]]] = {
    "service": [
        {"id": "fc19bcb9-5a2c-4379-92bb-be43961dc1f5", "name": "billing", "description": "Nightly billing jobs",
         "ping_key": "k3v9q2m8x7w1p5z0r4t6yb"},
        {"id": "78c8d0ce-d05f-44bc-ab44-c96eb479744e", "name": "backups", "description": ""},
        {"id": "3e18d549-6835-469d-a275-5ae46f16ecd0", "name": "queue-workers", "description": "Ünïcode — and \"quotes\""},
    ],
    "heartbeat": [
        {"id": "2d90503b-dec7-461a-a633-32542ecd1481", "name": "invoice-run",
         "interval": 3600, "schedule": None, "timezone": "UTC", "grace": 300, "methods": "GET,POST,HEAD",
         "enabled": True, "status": "up", "last_ping_at": BASE_MICROS, "next_due_at": BASE_MICROS + 3_600_000_000,
         "miss_at": BASE_MICROS + 3_900_000_000, "last_run_at": None, "alert_threshold": 1, "slug": "invoice-run",
         "max_runtime": 600, "runs": None, "run_timeout_at": None, "holidays": None, "skip_dates": None},
        {"id": "cd4161e7-c943-4f12-834e-92036e448f45", "name": "db-dump",
         "interval": 86400, "schedule": None, "grace": 0, "methods": "POST", "enabled": False,
         "status": "down", "last_ping_at": BASE_MICROS - DAY_MICROS, "next_due_at": None, "miss_at": None,
         "last_run_at": BASE_MICROS - DAY_MICROS - 60_000_000, "alert_threshold": 3, "slug": None,
         "runs": json.dumps([["", BASE_MICROS - DAY_MICROS - 60_000_000, None, False]], separators=(",", ":")),
         "run_timeout_at": None},
        {"id": "19bb3aef-a13f-4b6a-b8da-56770c9d551c", "name": "never-pinged",
         "interval": 60, "schedule": None, "grace": 10, "methods": "GET,POST,HEAD,PUT", "enabled": True,
         "status": "new", "last_ping_at": None, "next_due_at": None, "miss_at": None, "last_run_at": None,
         "alert_threshold": 1, "slug": "never-pinged", "max_runtime": None, "runs": None, "run_timeout_at": None},
        # A cron heartbeat where schedules exist; before that, a daily interval.
        {"id": "5b0f6f55-3f0e-4f59-9d0e-2f3c1c8e7a41", "name": "payroll",
         "interval": lambda table: None if "schedule" in table.columns else 86400,
         "schedule": "30 2 * * 1-5", "timezone": "Europe/Berlin", "grace": 900, "methods": "GET,POST,HEAD",
         "enabled": True, "status": "up", "last_ping_at": BASE_MICROS, "next_due_at": BASE_MICROS + DAY_MICROS,
         "miss_at": BASE_MICROS + DAY_MICROS + 900_000_000, "last_run_at": BASE_MICROS - 5_000_000,
         "alert_threshold": 2, "slug": "payroll", "max_runtime": 3600,
         "runs": json.dumps([["job-7", BASE_MICROS - 5_000_000, BASE_MICROS + 3_595_000_000, False]],
                            separators=(",", ":")),
         "run_timeout_at": BASE_MICROS + 3_595_000_000, "holidays": "DE-BY", "skip_dates": "2026-12-24,2026-12-31"},
    ],
    "event": [
        {"result": "tick", "message": "", "message_truncated": False, "received_at": BASE_MICROS,
         "method": "GET", "source_ip": "203.0.113.7", "user_agent": "curl/8.5.0", "duration_ms": None,
         "exit_code": None, "rid": None},
        {"result": "complete", "message": "42 files backed up", "message_truncated": False,
         "received_at": BASE_MICROS + 1, "method": "POST", "source_ip": "2001:db8::1",
         "user_agent": "python-httpx/0.28.1", "duration_ms": 61_250, "exit_code": 0, "rid": "job-6"},
        {"result": "miss", "message": "", "message_truncated": False, "received_at": BASE_MICROS + 1,
         "method": None, "source_ip": None, "user_agent": None, "duration_ms": None},
        {"result": "fail", "message": "x" * 1000, "message_truncated": True, "received_at": BASE_MICROS + 2,
         "method": "PUT", "source_ip": "198.51.100.2", "user_agent": "", "duration_ms": 0, "exit_code": 255,
         "rid": None},
    ],
    "event_rollup": [
        {"hour_start": BASE_MICROS - BASE_MICROS % 3_600_000_000, "tick_count": 12, "run_count": 1,
         "complete_count": 1, "fail_count": 0, "miss_count": 0, "duration_total_ms": 61_250, "duration_count": 1},
        {"hour_start": BASE_MICROS - BASE_MICROS % 3_600_000_000 + 3_600_000_000, "tick_count": 0,
         "miss_count": 2, "fail_count": 1},
    ],
    "flip": [
        {"old_status": "up", "new_status": "down", "reason": "miss", "created_at": BASE_MICROS,
         "processed_at": BASE_MICROS + 1000, "outcome": "alerted"},
        {"old_status": "down", "new_status": "up", "reason": "ping", "created_at": BASE_MICROS + 5,
         "processed_at": None, "outcome": None},
    ],
    "app_user": [
        {"id": "c22c8a80-8951-439f-a51b-3360a0bac5a6", "email": "admin@example.com", "is_admin": True,
         "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"},
        {"id": "9cc43b58-e789-46a3-b45d-46070a208535", "email": "ops@example.com", "is_admin": False,
         "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$b3RoZXJzYWx0$b3RoZXJoYXNoaGFzaA"},
    ],
    "user_session": [{"token_hash": _HASH, "expires_at": BASE_MICROS + 30 * DAY_MICROS}],
    "api_key": [
        {"name": "ci", "prefix": "lbd_AbCdEfGh", "key_hash": _HASH, "scope": "read-write",
         "last_used_at": BASE_MICROS, "revoked_at": None},
        {"name": "grafana", "prefix": "lbd_ZyXwVuTs", "key_hash": _HASH[::-1], "scope": "read-only",
         "last_used_at": None, "revoked_at": BASE_MICROS + DAY_MICROS},
    ],
    "channel": [
        {"id": "feac285c-c199-4ac2-95b5-0ff0ca3fc484", "name": "ops webhook",
         "kind": "webhook", "is_default": True, "renotify_minutes": None,
         "config": json.dumps({"url": "https://hooks.example.com/lubdub", "secret": "s3cret", "headers": {}})},
        {"id": "b99afe98-cb92-4910-bccf-10b9a29fc3e3", "name": "on-call mail",
         "kind": "email", "is_default": False, "renotify_minutes": 60,
         "config": json.dumps({"to": ["oncall@example.com"]})},
        {"id": "9ec27c89-e86e-4e6c-b9a2-bc95a15acc47", "name": "slack",
         "kind": "apprise", "is_default": False, "renotify_minutes": None,
         "config": json.dumps({"url": "slack://T000/B000/XXXX"})},
    ],
    # Exactly one target per link (ck_channel_link_one_target).
    "channel_link": [{"heartbeat_id": None}, {"service_id": None}, {"heartbeat_id": None}],
    "delivery": [
        {"kind": "down", "status": "delivered", "attempts": 1, "seq": 0, "next_attempt_at": None,
         "lease_until": None, "last_error": None, "delivered_at": BASE_MICROS + 2000,
         "payload": json.dumps({"event": "down", "heartbeat": {"name": "invoice-run"}})},
        {"kind": "up", "status": "failed", "attempts": 5, "seq": 0, "next_attempt_at": None,
         "lease_until": None, "last_error": "connection refused", "delivered_at": None,
         "payload": json.dumps({"event": "up"})},
        {"kind": "test", "status": "pending", "attempts": 0, "seq": 1, "next_attempt_at": BASE_MICROS,
         "lease_until": None, "last_error": None, "delivered_at": None, "payload": "{}"},
    ],
    "delivery_attempt": [
        {"attempt": 1, "ok": True, "status_code": 200, "error": None},
        {"attempt": 2, "ok": False, "status_code": None, "error": "timed out after 10 s"},
    ],
    "counter": [{"name": "checkins_tick", "value": 123_456_789_012}, {"name": "misses", "value": 0}],
    "heartbeat_purge": [{"heartbeat_id": "00000000-0000-4000-8000-000000000001", "deleted_at": BASE_MICROS}],
}

# What a migration deliberately moves or reshapes: (the revision doing it, table, old column)
# -> whether the upgraded row still holds the old value, in its new form.
DELIBERATE_CHANGES: dict[tuple[str, str, str], Callable[[Any, dict[str, Any]], bool]] = {
    # 0004 turned the one open run (last_run_at) into the list of open runs.
    ("0004", "heartbeat", "last_run_at"): lambda old, new: (
        new["runs"] is None if old is None else json.loads(new["runs"])[0] == ["", old, None, False]),
}


# --- databases ----------------------------------------------------------------------


@pytest.fixture
def upgrade_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own."""
    if os.environ.get("LUBDUB_TEST_DATABASE") != "postgresql":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        db.dispose_engines()
        return
    name = POSTGRES_URL.rsplit("/", 1)[1] + "_upgrade"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        db.dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _upgrade_step_by_step(url: str, revisions: list[str]) -> None:
    config = alembic_config(url)
    for revision in revisions:
        try:
            command.upgrade(config, revision)
        except Exception as exc:
            raise AssertionError(f"upgrading to {revision} failed: {exc}") from exc


# --- rows ---------------------------------------------------------------------------


def _kept(revision: str, table: str, column: str, old: Any, new: dict[str, Any]) -> bool:
    """Whether the upgraded row ``new`` still holds ``old``, the value ``column`` had at ``revision``."""
    for (changed_at, changed_table, changed_column), holds in DELIBERATE_CHANGES.items():
        if (changed_table, changed_column) == (table, column) and REVISIONS.index(changed_at) > REVISIONS.index(revision):
            return holds(old, new)
    return column in new and new[column] == old


def _generic_value(column: sa.Column[Any], row: int) -> Any:
    """A plausible, per-row distinct value for a column of this type."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return row % 2 == 0
    if isinstance(kind, sa.BigInteger):
        return BASE_MICROS + row * 1_000_003
    if isinstance(kind, sa.Integer):
        return 10 + row * 7
    if isinstance(kind, (sa.Float, sa.Numeric)):
        return row + 0.5
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 10, 26, tzinfo=UTC if kind.timezone else None) + timedelta(hours=row)
    if isinstance(kind, sa.Date):
        return date(2026, 10, 26) + timedelta(days=row)
    if isinstance(kind, sa.JSON):
        return {"row": row}
    if isinstance(kind, sa.Text):
        return json.dumps({"row": row})  # text columns here hold JSON; a valid document is kindest
    if isinstance(kind, sa.String):
        text = f"{row}-{column.name}"
        return text[: kind.length] if kind.length else text
    if isinstance(kind, sa.LargeBinary):
        return bytes([row]) * 4
    raise TypeError(f"no generic value for {column.table.name}.{column.name} ({kind!r}): "
                    f"add realistic rows for {column.table.name} to REALISTIC_ROWS")


def _db_assigned_key(table: sa.Table) -> str | None:
    """The integer primary key the database numbers itself, if the table has one."""
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, sa.Integer) and not keys[0].foreign_keys:
        return keys[0].name
    return None


def _row_for(table: sa.Table, row: int, parents: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for constraint in table.foreign_key_constraints:
        referred = constraint.referred_table.name
        candidates = parents.get(referred, [])
        if not candidates:
            if all(column.nullable for column in constraint.columns):
                values.update({column.name: None for column in constraint.columns})
                continue
            raise AssertionError(f"{table.name} needs rows in {referred} first")
        parent = candidates[row % len(candidates)]
        for element in constraint.elements:
            values[element.parent.name] = parent[element.column.name]
    auto_key = _db_assigned_key(table)
    for column in table.columns:
        if column.name not in values and column.name != auto_key:
            values[column.name] = _generic_value(column, row)
    realistic = REALISTIC_ROWS.get(table.name, [])
    if row < len(realistic):
        values.update({name: value(table) if callable(value) else value
                       for name, value in realistic[row].items() if name in table.columns})
    return values


def _fill(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Rows in every table, parents first; returns what the database holds afterwards."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    stored: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            count = max(ROWS_PER_TABLE, len(REALISTIC_ROWS.get(table.name, [])))
            for row in range(count):
                values = _row_for(table, row, stored)
                try:
                    conn.execute(table.insert().values(**values))
                except sa.exc.IntegrityError as exc:
                    raise AssertionError(f"generated row {values} violates a constraint of {table.name}: "
                                         f"add a realistic row for it to REALISTIC_ROWS\n{exc}") from exc
            stored[table.name] = [dict(r._mapping) for r in conn.execute(sa.select(table))]
    return stored


# --- the test -------------------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_upgrading_to_head_keeps_every_row_and_value(revision: str, upgrade_url: str) -> None:
    position = REVISIONS.index(revision)
    _upgrade_step_by_step(upgrade_url, REVISIONS[: position + 1])
    engine = sa.create_engine(upgrade_url)
    try:
        filled = _fill(engine)
        assert filled and all(len(rows) >= ROWS_PER_TABLE for rows in filled.values()), filled.keys()
        before = table_rows(engine)
        engine.dispose()
        db.dispose_engines()

        _upgrade_step_by_step(upgrade_url, REVISIONS[position + 1:])
        after = table_rows(engine)
    finally:
        engine.dispose()

    for table, rows in before.items():
        assert table in after, f"upgrading from {revision} dropped table {table}"
        assert len(after[table]) == len(rows), f"{table}: {len(rows)} rows before, {len(after[table])} after"
        for key, old in rows.items():
            new = after[table].get(key)
            assert new is not None, f"{table}: row {key} is gone after upgrading from {revision}"
            changed = {name: (value, new.get(name, "<column dropped>")) for name, value in old.items()
                       if not _kept(revision, table, name, value, new)}
            assert not changed, f"{table} row {key} changed when upgrading from {revision}: {changed}"


def test_every_table_at_head_gets_rows(upgrade_url: str) -> None:
    """The generator itself: it must cope with the newest schema (so the next migration's
    test fills its new tables), and the realistic rows must name real columns (or ones
    a deliberate change retired)."""
    _upgrade_step_by_step(upgrade_url, REVISIONS)
    engine = sa.create_engine(upgrade_url)
    try:
        filled = _fill(engine)
        metadata = sa.MetaData()
        metadata.reflect(engine)
    finally:
        engine.dispose()
    tables = {name for name in metadata.tables if name != "alembic_version"}
    assert set(filled) == tables
    assert all(len(filled[name]) >= ROWS_PER_TABLE for name in tables)
    for name, rows in REALISTIC_ROWS.items():
        assert name in tables, f"REALISTIC_ROWS names a table that does not exist: {name}"
        for row in rows:
            retired = {column for (_, table, column) in DELIBERATE_CHANGES if table == name}
            unknown = set(row) - set(metadata.tables[name].columns.keys()) - retired
            assert not unknown, f"REALISTIC_ROWS[{name!r}] names unknown columns {unknown}"
