"""Backups and restores of the whole database (``python -m dashboard backup|restore FILE``).

SQLite
  A backup uses SQLite's online backup API in one step: it reads a single
  snapshot inside one read transaction, which in WAL mode never blocks the
  check-in writer, so the copy is consistent while the server keeps serving and
  holds every check-in acknowledged before it started.  The copy is verified
  (``PRAGMA integrity_check``), turned into a self-contained rollback-journal
  file, and renamed into place only when complete.

  A restore refuses while anything has the database open (another process's
  file handle, or the server's leader lock) unless forced, verifies the backup,
  copies it beside the database and swaps it in with one rename.  The previous
  file stays next to it as ``<name>.pre-restore-<time>``.  Migrations then
  bring an older backup up to this version.

PostgreSQL
  Delegated to PostgreSQL's own tools when they are on PATH: ``pg_dump
  --format=custom`` for a backup; for a restore, ``pg_restore``'s script run by
  ``psql`` in one transaction after dropping the current tables, so a failed
  restore changes nothing.  Without the tools the error says what to install.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from dashboard.timeutil import utcnow

SQLITE_HEADER = b"SQLite format 3\x00"
DOCS_HINT = "see docs/operations.md, section Backups"
# Tables whose row counts a backup or restore reports.
COUNTED_TABLES = ("service", "heartbeat", "event")


class BackupError(Exception):
    """The backup or restore did not happen; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    """What a backup file holds."""

    path: Path
    size_bytes: int
    revision: str | None
    rows: dict[str, int]

    def describe(self) -> str:
        counts = ", ".join(f"{count:,} {table}s" for table, count in self.rows.items())
        revision = self.revision or "unknown"
        return f"{self.path} ({self.size_bytes:,} bytes, schema {revision}{'; ' + counts if counts else ''})"


@dataclass(frozen=True)
class RestoreResult:
    restored: Summary
    previous_copy: Path | None  # the replaced SQLite file, kept beside the database


def is_sqlite_url(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError(f"{database_url} is not a database file")
    return Path(database).resolve()


# --- SQLite: backup -------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and os.path.samefile(a, b)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _replacing(target: Path, action: str) -> Iterator[Path]:
    """A temporary file beside ``target`` to write; once the block succeeds it is made
    durable and renamed to ``target`` in one step, otherwise removed."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        yield partial
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
        _fsync_directory(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"the {action} failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def _check_target(target: Path, overwrite: bool) -> None:
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose a new name or pass --overwrite")


def _integrity(conn: sqlite3.Connection) -> str:
    return ", ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall())


def _summarise(conn: sqlite3.Connection, path: Path) -> Summary:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    rows = {table: int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608 (fixed names)
            for table in COUNTED_TABLES if table in tables}
    return Summary(path, path.stat().st_size if path.exists() else 0, revision, rows)


def backup_sqlite(database: Path, target: Path, *, overwrite: bool = False) -> Summary:
    """A consistent copy of ``database`` at ``target``, safe while the server writes."""
    target = target.resolve()
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if any(_same_file(target, candidate) for candidate in (database, Path(f"{database}-wal"))) \
            or target == database:
        raise BackupError("the backup file must not be the database itself")
    _check_target(target, overwrite)
    with _replacing(target, "backup") as partial:
        # mode=rw: never create a database that is not there.
        source = sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=30)
        try:
            source.execute("PRAGMA busy_timeout=30000")
            copy = sqlite3.connect(partial)
            try:
                # pages=-1: the whole database in one step, from one read snapshot.
                source.backup(copy, pages=-1)
                # A single self-contained file (no -wal beside it), readable anywhere.
                copy.execute("PRAGMA journal_mode=DELETE")
                problems = _integrity(copy)
                if problems != "ok":
                    raise BackupError(f"the copy failed its integrity check: {problems}")
            finally:
                copy.close()
        finally:
            source.close()
    return summarise_sqlite(target)


def summarise_sqlite(path: Path) -> Summary:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return _summarise(conn, path)


# --- SQLite: is anything using the database? --------------------------------------------


def _open_by_other_processes(files: list[Path]) -> list[str]:
    """``pid (command)`` of every other process with one of ``files`` open (Linux /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    wanted = {str(f) for f in files}
    found: list[str] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            targets = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:  # gone, or not ours to look at
            continue
        if targets & wanted:
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                command = "?"
            found.append(f"pid {entry.name} ({command[:100]})")
    return found


def _leader_lock_held(database: Path) -> bool:
    """True when a server process holds the singleton jobs' lock beside the database."""
    lock_path = Path(f"{database}.singletons.lock")
    if not lock_path.exists():
        return False
    with open(lock_path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def sqlite_users(database: Path) -> list[str]:
    """Who is using the database right now, as far as can be seen from here."""
    users = _open_by_other_processes([database, Path(f"{database}-wal"), Path(f"{database}-shm")])
    if not users and _leader_lock_held(database):
        users.append(f"a Lubdub server (it holds {database}.singletons.lock)")
    return users


# --- SQLite: restore ------------------------------------------------------------------


def check_sqlite_backup(backup: Path, known_revisions: list[str]) -> Summary:
    """The backup's summary, or BackupError when it is not a usable Lubdub database."""
    if not backup.is_file():
        raise BackupError(f"there is no file at {backup}")
    with open(backup, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{backup} is not a SQLite database")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as conn:
            problems = _integrity(conn)
            if problems != "ok":
                raise BackupError(f"{backup} failed its integrity check: {problems}")
            summary = _summarise(conn, backup)
    except sqlite3.Error as exc:
        raise BackupError(f"{backup} cannot be read: {exc}") from exc
    if summary.revision is None:
        raise BackupError(f"{backup} is not a Lubdub database (it has no schema version)")
    if summary.revision not in known_revisions:
        raise BackupError(f"{backup} has schema {summary.revision}, which this version of Lubdub does not know "
                          "(it was made by a newer Lubdub: upgrade Lubdub first)")
    return summary


def restore_sqlite(backup: Path, database: Path, *, known_revisions: list[str], force: bool = False,
                   now: datetime | None = None) -> RestoreResult:
    """Replace ``database`` with ``backup`` in one rename; the old file is kept beside it."""
    backup = backup.resolve()
    summary = check_sqlite_backup(backup, known_revisions)
    if _same_file(backup, database):
        raise BackupError("the backup is the database itself")
    users = sqlite_users(database) if database.exists() else []
    if users and not force:
        raise BackupError(f"{database} is in use by {'; '.join(users)}. Stop Lubdub first "
                          "(or pass --force if nothing will write to it any more)")
    database.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or utcnow()).strftime("%Y%m%dT%H%M%SZ")
    previous = database.with_name(f"{database.name}.pre-restore-{stamp}") if database.exists() else None
    with _replacing(database, "restore") as partial:
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source, \
                contextlib.closing(sqlite3.connect(partial)) as copy:
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
        if previous is not None:
            _copy_ownership(database, partial)
            _fold_wal(database)
            _keep(database, previous)
        # A -wal file left beside the new database would be replayed into it.
        for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
    return RestoreResult(summary, previous)


def _copy_ownership(original: Path, replacement: Path) -> None:
    """The restored file keeps the old one's mode (say 0600) and, where allowed, its owner."""
    shutil.copymode(original, replacement)
    status = original.stat()
    with contextlib.suppress(PermissionError):
        os.chown(replacement, status.st_uid, status.st_gid)


def _keep(database: Path, previous: Path) -> None:
    """Keep the old contents reachable under ``previous`` (a hard link costs no space)."""
    try:
        os.link(database, previous)
    except OSError:
        shutil.copy2(database, previous)


def _fold_wal(database: Path) -> None:
    """Checkpoint the old database so its file alone holds everything it committed."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=30)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- PostgreSQL -------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not on PATH: install PostgreSQL's client tools (Debian: "
                          f"apt-get install postgresql-client) or run the recipe by hand ({DOCS_HINT})")
    return path


@contextlib.contextmanager
def _libpq(database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The URL for PostgreSQL's tools (no driver suffix) and an environment carrying the
    password, so it never shows in the process list."""
    url: URL = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    yield url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.decode(errors='replace').strip()}")


def backup_postgres(database_url: str, target: Path, *, overwrite: bool = False) -> Summary:
    target = target.resolve()
    _check_target(target, overwrite)
    pg_dump = _tool("pg_dump")
    with _replacing(target, "backup") as partial, _libpq(database_url) as (url, env):
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", url], env)
    return Summary(target, target.stat().st_size, _postgres_revision(database_url), {})


def _postgres_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def postgres_users(database_url: str) -> list[str]:
    """Other Lubdub processes connected to the database (they name themselves ``lubdub:host:pid``)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT DISTINCT application_name FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name LIKE 'lubdub:%'")).scalars().all()
    finally:
        engine.dispose()
    ours = f"lubdub:{socket.gethostname()}:{os.getpid()}"
    return [f"{name.split(':')[1]} pid {name.split(':')[2]}" for name in rows
            if name.count(":") >= 2 and name != ours]


def _dump_revision(pg_restore: str, backup: Path, env: dict[str, str]) -> str | None:
    """The schema version recorded in a ``pg_dump`` file (its alembic_version row)."""
    result = subprocess.run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(backup)],
                            env=env, capture_output=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{backup} is not a readable pg_dump file: {result.stderr.decode(errors='replace').strip()}")
    lines = result.stdout.decode(errors="replace").splitlines()
    for index, line in enumerate(lines[:-1]):
        if line.startswith("COPY ") and "alembic_version" in line and lines[index + 1] != "\\.":
            return lines[index + 1].strip()
    return None


def restore_postgres(database_url: str, backup: Path, *, known_revisions: list[str],
                     force: bool = False) -> RestoreResult:
    """Replace every table with the dump's, in one transaction."""
    backup = backup.resolve()
    if not backup.is_file():
        raise BackupError(f"there is no file at {backup}")
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    revision = _dump_revision(pg_restore, backup, dict(os.environ))
    if revision is None:
        raise BackupError(f"{backup} is not a Lubdub database dump (it has no schema version)")
    if revision not in known_revisions:
        raise BackupError(f"{backup} has schema {revision}, which this version of Lubdub does not know "
                          "(it was made by a newer Lubdub: upgrade Lubdub first)")
    users = postgres_users(database_url)
    if users and not force:
        raise BackupError(f"the database is in use by Lubdub ({'; '.join(users)}). Stop every instance first "
                          "(or pass --force if none will write to it any more)")
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    finally:
        engine.dispose()
    drop = f"DROP TABLE IF EXISTS {', '.join(f'public.{t}' for t in tables)} CASCADE" if tables else "SELECT 1"
    with _libpq(database_url) as (url, env), tempfile.TemporaryDirectory(prefix="lubdub-restore-") as scratch:
        # The whole script first: a dump that cannot be read fully must not get as far as the DROP.
        script = Path(scratch) / "restore.sql"
        _run([pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(backup)], env)
        # psql -1 wraps -c and -f in one transaction: the tables come back if anything fails.
        _run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", url,
              "-c", drop, "-f", str(script)], env)
    return RestoreResult(Summary(backup, backup.stat().st_size, _postgres_revision(database_url), {}), None)
