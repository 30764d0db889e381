"""Migration 0008 (Healthchecks compatibility): new heartbeat columns, n_pings counted from the rollups."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from alembic import command
from dashboard.migrate import alembic_config


def test_upgrade_counts_past_check_ins_from_the_rollups_and_downgrade_drops_the_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0007")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO service (id, name, ping_key, description, created_at, updated_at) "
                          "VALUES ('s', 'svc', 'k', '', 0, 0)"))
        for hb in ("a", "b"):
            conn.execute(text(
                "INSERT INTO heartbeat (id, ping_id, public_id, service_id, name, interval, timezone, grace, methods, "
                "enabled, status, created_at, updated_at, alert_threshold) "
                f"VALUES ('{hb}', '{hb}-ping', '{hb}-public', 's', '{hb}', 60, 'UTC', 0, 'GET', 1, 'up', 0, 0, 1)"))
        # Two hours of rollups for a: 3 + 2 + 1 + 1 + 1 + 1 job check-ins; misses and timeouts are not check-ins.
        conn.execute(text(
            "INSERT INTO event_rollup (heartbeat_id, hour_start, tick_count, run_count, complete_count, fail_count, "
            "miss_count, timeout_count, log_count, skip_count, duration_total_ms, duration_count) VALUES "
            "('a', 0, 3, 2, 1, 0, 5, 1, 0, 1, 0, 0), ('a', 3600000000, 0, 0, 0, 1, 2, 0, 1, 0, 0, 0)"))
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, n_pings, tags, description, manual_resume, last_duration_ms "
                                 "FROM heartbeat ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("a", 9, "", "", 1, None), ("b", 0, "", "", 1, None)]
    command.downgrade(alembic_config(url), "0007")
    engine = create_engine(url)
    with engine.connect() as conn:
        columns = {row[1] for row in conn.execute(text("PRAGMA table_info(heartbeat)"))}
    engine.dispose()
    assert not columns & {"tags", "description", "manual_resume", "n_pings", "last_duration_ms"}
