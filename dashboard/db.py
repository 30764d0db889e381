"""Engine and sessions, with the SQLite pragmas that make it fit for concurrent use."""

from __future__ import annotations

import fcntl
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from dashboard.config import get_settings

IMMEDIATE_OPTION = "lubdub_write"
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" events decide transactions, so BEGIN IMMEDIATE works.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # WAL: readers never block the writer, and a commit survives a killed process.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        # Several processes (workers, CLI, detector) share the file: wait, don't fail.
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: in WAL mode a deferred transaction that
        # read first and then writes fails at once with SQLITE_BUSY_SNAPSHOT when
        # another connection committed meanwhile, ignoring busy_timeout.
        immediate = conn.get_execution_options().get(IMMEDIATE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def build_engine(url: str) -> Engine:
    settings = get_settings()
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=8,
            max_overflow=16,
        )
        _configure_sqlite(engine, settings.sqlite_synchronous)
        return engine
    # The application name shows in pg_stat_activity which process holds what
    # (the scale-out test finds the detector's leader this way).
    connect_args = {"application_name": f"lubdub:{socket.gethostname()}:{os.getpid()}"}
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=connect_args)


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = build_engine(url)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


class ProcessWriteLock:
    """Serialises SQLite writers across processes with a blocking ``flock``.

    SQLite's own busy handler polls with growing sleeps (up to 100 ms), which
    shows up as latency spikes when several server workers commit at once; a
    kernel lock hands over to the next waiter the moment it is released.
    Reentrant per thread is not needed: each holder takes it once per transaction.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._fd: int | None = None
        self._thread_lock = threading.Lock()

    def __enter__(self) -> ProcessWriteLock:
        self._thread_lock.acquire()
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


class _NoLock:
    def __enter__(self) -> _NoLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None


_write_locks: dict[str, ProcessWriteLock] = {}


def write_lock(engine: Engine) -> ProcessWriteLock | _NoLock:
    """The cross-process writer lock for a SQLite file; a no-op elsewhere."""
    database = make_url(str(engine.url)).database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return _NoLock()
    with _lock:
        lock = _write_locks.get(database)
        if lock is None:
            lock = _write_locks[database] = ProcessWriteLock(f"{database}.write.lock")
        return lock


def write_engine(engine: Engine) -> Engine:
    """The same engine, but transactions start as writers (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(**{IMMEDIATE_OPTION: True})


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error.

    ``write=True`` for any transaction that changes data, so SQLite serialises it
    with the ping writer instead of failing on a stale snapshot.
    """
    bind = engine or get_engine()
    with Session(write_engine(bind) if write else bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached or written (down, restarting,
    disk full, locked for too long) rather than a bug: worth a 503 or a banner, not a traceback."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)
