"""Which process runs the singletons (miss detector, alert dispatcher).

Exactly one holder at a time, released by the operating system or the database
when the holder dies, so another process takes over on its next attempt:
- SQLite (one machine): an exclusive ``flock`` on a file beside the database.
- PostgreSQL (many machines): a session-level advisory lock on a connection
  kept open for as long as we lead.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

log = logging.getLogger(__name__)

# An arbitrary constant that, with the singleton's name, makes its key in pg_locks.
ADVISORY_LOCK_KEY = 0x1B0DB


class Leadership:
    def __init__(self, engine: Engine, name: str = "detector") -> None:
        self._engine = engine
        self._name = name
        self._file: IO[str] | None = None
        self._connection: Connection | None = None
        # Each singleton job calls try_acquire from its own scheduler thread, and
        # they share the one leader connection: one caller at a time.
        self._guard = threading.RLock()

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; cheap to call on every tick."""
        with self._guard:
            if self._engine.dialect.name == "postgresql":
                return self._try_postgres()
            return self._try_file()

    def release(self) -> None:
        with self._guard:
            self._release()

    def _release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                # Closing only returns a pooled connection; the session (and its
                # lock) would live on, so unlock explicitly.
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key()})
                connection.commit()
                connection.close()
            except Exception:  # noqa: BLE001 (any failure: drop the connection)
                connection.invalidate()

    def _key(self) -> int:
        # crc32, not hash(): it must be the same number in every process.
        return ADVISORY_LOCK_KEY * 100_000 + zlib.crc32(self._name.encode()) % 100_000

    def _lock_path(self) -> str:
        database = make_url(str(self._engine.url)).database or "lubdub"
        return f"{database}.{self._name}.lock"

    def _try_file(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self._lock_path(), "a+")  # noqa: SIM115 (kept open while leading)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        try:
            # Only a note for people (which process leads); a full disk must not
            # leave the lock held by a file nobody owns.
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
        except OSError:
            log.warning("could not note the %s leader's pid in its lock file", self._name, exc_info=True)
        self._file = handle
        return True

    def _try_postgres(self) -> bool:
        if self._connection is not None:
            try:
                # Still ours only while the session lives; a dropped link frees the lock.
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
                return True
            except Exception:  # noqa: BLE001 (a dead link frees the lock)
                log.warning("lost the %s leader connection", self._name)
                connection, self._connection = self._connection, None
                connection.invalidate()
        connection = self._engine.connect()
        acquired = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key()}).scalar()
        connection.commit()
        if acquired:
            self._connection = connection
            return True
        connection.close()
        return False
