"""The group-commit ping writer.

Check-in requests hand their ping to one writer thread and wait.  The thread
takes everything that queued up while the previous transaction was committing,
writes it as one transaction, and only then wakes the waiting requests: so a
200 always means "committed", and throughput grows with load instead of
collapsing to one fsync per request.  There is no artificial delay: at low load
a batch is a single ping.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future as SyncFuture
from datetime import datetime

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from dashboard.core.counters import add_counters
from dashboard.core.ingest import PingOutcome, PingRequest, apply_pings
from dashboard.db import write_engine, write_lock
from dashboard.timeutil import utcnow

log = logging.getLogger(__name__)

# Waiting requests beyond this are refused (503) instead of growing memory without bound.
MAX_PENDING = 200_000
COUNTS_FLUSH_S = 1.0
_RETRIES = 5


class WriterUnavailable(RuntimeError):
    """The ping could not be committed; nothing was recorded for it."""


_Waiter = tuple[PingRequest, "asyncio.Future[PingOutcome] | SyncFuture[PingOutcome]", "asyncio.AbstractEventLoop | None"]


class PingWriter:
    def __init__(self, engine: Engine, *, max_batch: int = 2000, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._process_lock = write_lock(engine)
        self._max_batch = max_batch
        self._clock = clock
        self._pending: list[_Waiter] = []
        # Counts of things that were refused before reaching a batch (rate limit),
        # added to the counter table with the next transaction.
        self._pending_counts: Counter[str] = Counter()
        self._wakeup = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._connection: Connection | None = None
        self.batches_written = 0

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="ping-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def note(self, counter: str, amount: int = 1) -> None:
        with self._wakeup:
            self._pending_counts[counter] += amount

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    # -- submitting ----------------------------------------------------------
    async def submit(self, ping: PingRequest) -> PingOutcome:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[PingOutcome] = loop.create_future()
        self._enqueue((ping, future, loop))
        return await future

    def submit_sync(self, ping: PingRequest) -> SyncFuture[PingOutcome]:
        future: SyncFuture[PingOutcome] = SyncFuture()
        self._enqueue((ping, future, None))
        return future

    def _enqueue(self, waiter: _Waiter) -> None:
        with self._wakeup:
            if self._stopping or self._thread is None:
                raise WriterUnavailable("the ping writer is not running")
            if len(self._pending) >= MAX_PENDING:
                raise WriterUnavailable("too many check-ins waiting to be written")
            self._pending.append(waiter)
            if len(self._pending) == 1:
                self._wakeup.notify()

    # -- the writer thread ---------------------------------------------------
    def _take_batch(self) -> tuple[list[_Waiter], Counter[str]] | None:
        with self._wakeup:
            while not self._pending and not self._pending_counts:
                if self._stopping:
                    return None
                self._wakeup.wait()
            if not self._pending and not self._stopping:
                # Only counts to write: no hurry, let a batch of pings carry them.
                self._wakeup.wait(timeout=COUNTS_FLUSH_S)
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            counts, self._pending_counts = self._pending_counts, Counter()
            return batch, counts

    def _run(self) -> None:
        while (taken := self._take_batch()) is not None:
            batch, counts = taken
            results = self._write_batch([waiter[0] for waiter in batch], counts)
            if not batch:
                continue
            self.batches_written += 1
            _settle(batch, results)
        self._drop_connection(invalidate=False)

    def _write_batch(self, pings: list[PingRequest], counts: Counter[str]) -> list[PingOutcome | Exception]:
        """Every ping's outcome, or the error that kept it from being committed."""
        try:
            return list(self._write(pings, counts))
        except OperationalError as exc:  # the database itself is unavailable: nothing was written
            log.exception("ping batch of %d failed", len(pings))
            self._drop_connection(invalidate=True)
            return [WriterUnavailable(str(exc))] * len(pings)
        except Exception as exc:  # a ping the database refused: don't let it sink the others
            log.exception("ping batch of %d failed; writing its pings one by one", len(pings))
            self._drop_connection(invalidate=True)
            if len(pings) <= 1:
                return [WriterUnavailable(str(exc))] * len(pings)
        results: list[PingOutcome | Exception] = []
        for ping in pings:
            results.extend(self._write_batch([ping], Counter()))
        return results

    def _write(self, pings: list[PingRequest], counts: Counter[str]) -> list[PingOutcome]:
        for attempt in range(_RETRIES):
            connection = self._open_connection()
            try:
                with self._process_lock, connection.begin():
                    add_counters(connection, counts)
                    # Stamped inside the transaction: a miss and a ping are then
                    # ordered the same way in time as in the database.
                    return apply_pings(connection, pings, self._clock()) if pings else []
            except OperationalError:
                # "database is locked" past busy_timeout, or a serialization failure.
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _open_connection(self) -> Connection:
        if self._connection is None:
            self._connection = write_engine(self._engine).connect()
        return self._connection

    def _drop_connection(self, *, invalidate: bool) -> None:
        if self._connection is not None:
            if invalidate:
                self._connection.invalidate()
            self._connection.close()
            self._connection = None


def _settle(batch: list[_Waiter], results: list[PingOutcome | Exception]) -> None:
    """Wake every waiter; asyncio ones through one callback per event loop."""
    per_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[PingOutcome], PingOutcome | Exception]]] = {}
    for (_, future, loop), result in zip(batch, results, strict=True):
        if loop is None:
            assert isinstance(future, SyncFuture)
            _set(future, result)
        else:
            per_loop.setdefault(loop, []).append((future, result))  # type: ignore[arg-type]
    for loop, items in per_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, items)
        except RuntimeError:
            pass  # that loop is closed: its requests are gone


def _set(future: asyncio.Future[PingOutcome] | SyncFuture[PingOutcome], result: PingOutcome | Exception) -> None:
    if isinstance(result, Exception):
        future.set_exception(result)
    else:
        future.set_result(result)


def _resolve(items: list[tuple[asyncio.Future[PingOutcome], PingOutcome | Exception]]) -> None:
    for future, result in items:
        if not future.done():  # done: the client went away and the request was cancelled
            _set(future, result)
