"""``python -m dashboard backup FILE`` and ``restore FILE``, on SQLite and on PostgreSQL.

The round trips run on the test database of the session (SQLite, or PostgreSQL
with LUBDUB_TEST_DATABASE=postgresql); the last test takes a SQLite backup from
the real server while it answers check-ins.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dashboard import db
from dashboard.cli import main
from tests.dbsnapshot import table_rows
from tests.factories import add_events, make_token, ping
from tests.live_server import seed_heartbeat, start_live_server, stored_messages, wait_for
from tests.load_client import PingLoad

on_postgres = os.environ.get("LUBDUB_TEST_DATABASE") == "postgresql"
sqlite_only = pytest.mark.skipif(on_postgres, reason="SQLite files only (this run is on PostgreSQL)")


@pytest.fixture
def filled(engine: Engine, make_heartbeat, now) -> Engine:  # type: ignore[no-untyped-def]
    """A database with a bit of everything."""
    nightly = make_heartbeat("nightly", interval=3600)
    make_heartbeat("hourly", service="billing", interval=60, grace=30)
    for minute in range(5):
        ping(engine, nightly.id, at=now.replace(minute=minute), message=f"run {minute}")
    ping(engine, nightly.id, "fail", at=now.replace(minute=6), message="disk full")
    add_events(engine, nightly.id, [("tick", now.replace(hour=1, second=s)) for s in range(20)])
    make_token(engine)
    main(["create-user", "admin@example.com", "--password", "correct horse battery"])
    return engine


def _restore(*args: str) -> int:
    # A restore runs in a process of its own; this one must not keep the old file open.
    db.dispose_engines()
    return main(["restore", *args])


def test_a_restore_brings_back_exactly_what_was_backed_up(filled: Engine, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    before = table_rows(filled)
    backup_file = tmp_path / "lubdub-backup"
    assert main(["backup", str(backup_file)]) == 0
    assert f"backed up to {backup_file}" in capsys.readouterr().out

    with filled.begin() as conn:  # life goes on after the backup...
        conn.execute(text("DELETE FROM heartbeat WHERE name = 'hourly'"))
        conn.execute(text("UPDATE event SET message = 'changed'"))
    assert table_rows(filled) != before

    assert _restore(str(backup_file)) == 0
    out = capsys.readouterr().out
    assert "restored" in out and "database is up to date" in out
    assert table_rows(db.get_engine()) == before


@sqlite_only
def test_a_sqlite_restore_keeps_the_replaced_database_beside_it(filled: Engine, database_url: str,
                                                                tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    backup_file = tmp_path / "backup.db"
    assert main(["backup", str(backup_file)]) == 0
    with filled.begin() as conn:
        conn.execute(text("DELETE FROM event"))
    after_delete = table_rows(filled)
    database = Path(database_url.removeprefix("sqlite:///"))
    os.chmod(database, 0o600)

    assert _restore(str(backup_file)) == 0
    kept = next(database.parent.glob("lubdub.db.pre-restore-*"))
    assert f"kept at {kept}" in capsys.readouterr().out
    assert table_rows(db.build_engine(f"sqlite:///{kept}")) == after_delete
    assert oct(database.stat().st_mode & 0o777) == oct(0o600)


@sqlite_only
def test_a_sqlite_backup_is_one_self_contained_verified_file(filled: Engine, tmp_path: Path) -> None:
    backup_file = tmp_path / "backup.db"
    assert main(["backup", str(backup_file)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == ["backup.db"]
    with sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM event").fetchone()[0] == 26


def test_backup_does_not_overwrite_a_file_unless_asked(filled: Engine, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    backup_file = tmp_path / "backup"
    backup_file.write_text("an older backup")
    assert main(["backup", str(backup_file)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert backup_file.read_text() == "an older backup"
    assert main(["backup", "--overwrite", str(backup_file)]) == 0
    assert backup_file.stat().st_size > 1000


def test_backup_into_a_missing_directory_is_refused(filled: Engine, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["backup", str(tmp_path / "nowhere" / "backup")]) == 1
    assert "does not exist" in capsys.readouterr().err


@sqlite_only
def test_backup_refuses_to_write_over_the_database_itself(filled: Engine, database_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    before = table_rows(filled)
    assert main(["backup", "--overwrite", database_url.removeprefix("sqlite:///")]) == 1
    assert "must not be the database itself" in capsys.readouterr().err
    assert table_rows(filled) == before


def test_restore_refuses_a_file_that_is_not_a_backup(filled: Engine, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    before = table_rows(filled)
    junk = tmp_path / "junk"
    junk.write_bytes(os.urandom(8192))
    assert _restore(str(junk)) == 1
    assert "not a" in capsys.readouterr().err
    assert _restore(str(tmp_path / "missing")) == 1
    assert "no file" in capsys.readouterr().err
    assert table_rows(db.get_engine()) == before


def test_restore_refuses_a_backup_made_by_a_newer_lubdub(filled: Engine, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with filled.begin() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert main(["backup", str(tmp_path / "future")]) == 0
    with filled.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        conn.execute(text("DELETE FROM event"))
    before = table_rows(filled)

    assert _restore(str(tmp_path / "future")) == 1
    assert "schema 9999" in capsys.readouterr().err
    assert table_rows(db.get_engine()) == before


@sqlite_only
def test_restore_refuses_a_damaged_backup_and_changes_nothing(filled: Engine, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    backup_file = tmp_path / "backup.db"
    assert main(["backup", str(backup_file)]) == 0
    data = bytearray(backup_file.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data), page):  # scribble over every page's header but the first two
        data[offset:offset + 16] = b"\xff" * 16
    backup_file.write_bytes(bytes(data))
    before = table_rows(filled)
    assert _restore(str(backup_file)) == 1
    error = capsys.readouterr().err
    assert "integrity check" in error or "cannot be read" in error, error
    assert table_rows(db.get_engine()) == before


@contextmanager
def _holding(code: str, *args: str) -> Iterator[None]:
    """A separate process running ``code`` until the block ends (it prints 'ready' first)."""
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield
    finally:
        process.kill()
        process.wait()


_OPEN_SQLITE = ("import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); "
                "c.execute('SELECT COUNT(*) FROM event').fetchall(); print('ready', flush=True); time.sleep(60)")
_HOLD_LEADER_LOCK = ("import fcntl, sys, time; f = open(sys.argv[1] + '.singletons.lock', 'a'); "
                     "fcntl.flock(f, fcntl.LOCK_EX); print('ready', flush=True); time.sleep(60)")
_CONNECT_AS_LUBDUB = ("import psycopg, sys, time; c = psycopg.connect(sys.argv[1], application_name='lubdub:web-1:4242'); "
                      "print('ready', flush=True); time.sleep(60)")


@sqlite_only
@pytest.mark.parametrize("holder", [_OPEN_SQLITE, _HOLD_LEADER_LOCK], ids=["file-open", "leader-lock"])
def test_a_sqlite_restore_refuses_while_something_uses_the_database(
        holder: str, filled: Engine, database_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    backup_file = tmp_path / "backup.db"
    assert main(["backup", str(backup_file)]) == 0
    with filled.begin() as conn:
        conn.execute(text("DELETE FROM event"))
    before = table_rows(filled)
    with _holding(holder, database_url.removeprefix("sqlite:///")):
        assert _restore(str(backup_file)) == 1
        error = capsys.readouterr().err
        assert "in use by" in error and "Stop Lubdub first" in error and "--force" in error
        assert table_rows(db.get_engine()) == before
        db.dispose_engines()
        assert _restore("--force", str(backup_file)) == 0
    assert table_rows(db.get_engine())["event"] != {}


@pytest.mark.skipif(not on_postgres, reason="PostgreSQL sessions (this run is on SQLite)")
def test_a_postgresql_restore_refuses_while_a_lubdub_instance_is_connected(
        filled: Engine, database_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    backup_file = tmp_path / "backup"
    assert main(["backup", str(backup_file)]) == 0
    with _holding(_CONNECT_AS_LUBDUB, database_url.replace("+psycopg", "")):
        assert _restore(str(backup_file)) == 1
        assert "web-1 pid 4242" in capsys.readouterr().err
        assert _restore("--force", str(backup_file)) == 0


# --- under load, against the real server ---------------------------------------------------


@pytest.mark.server
def test_an_online_sqlite_backup_holds_every_check_in_acknowledged_before_it(tmp_path: Path) -> None:
    server = start_live_server(tmp_path)
    database = Path(server.database_url.removeprefix("sqlite:///"))
    backup_file = tmp_path / "online-backup.db"
    env = {**os.environ, "DATABASE_URL": server.database_url}
    try:
        heartbeat_ids = [seed_heartbeat(server.database_url, interval=3600) for _ in range(20)]
        load = PingLoad([server.url], heartbeat_ids, threads=6)
        load.start()
        try:
            assert wait_for(lambda: load.count() >= 1000, timeout_s=60)
            acknowledged_before = set(load.acknowledged)
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "dashboard", "backup", str(backup_file)],
                                    env=env, capture_output=True, text=True, timeout=120)
            took = time.monotonic() - started
            during = load.statuses(since=started, until=started + took)
            # And a restore is refused: the server has the database open.
            refused = subprocess.run([sys.executable, "-m", "dashboard", "restore", str(backup_file)],
                                     env=env, capture_output=True, text=True, timeout=120)
            time.sleep(0.5)
        finally:
            load.stop()
        assert result.returncode == 0, result.stderr
        print(f"online backup of {database.stat().st_size:,} bytes took {took:.2f} s under load")
        # Check-ins went on while the backup ran, and were all answered 200.
        assert during[200] > 0 and set(during) == {200}, during

        with sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            in_copy = {row[0] for row in copy.execute("SELECT message FROM event WHERE result = 'tick'")}
        assert acknowledged_before <= in_copy, f"{len(acknowledged_before - in_copy)} acknowledged pings missing"
        assert in_copy <= set(load.acknowledged) | stored_messages(server.database_url)

        assert refused.returncode == 1 and "in use by" in refused.stderr, refused.stderr
    finally:
        server.stop()

