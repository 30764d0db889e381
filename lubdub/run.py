"""``lubdub run``: wrap a job as ``runitor`` and ``cronitor exec`` do.

1. A fresh run id (``rid``); a ``start`` check-in is sent **in the background**, so
   a slow or hanging server never delays the job.
2. The job runs with its own stdin; its stdout and stderr are copied to ours as
   they come (not line-buffered), and the last ``TAIL_BYTES`` of both are kept.
3. When it ends, its exit code is reported (``/ping/…/{code}?rid=…``) with the end
   of its output as the message (the last ``Ping-Body-Limit`` bytes the server
   announced, so the server keeps the end of a long log, not its beginning); a
   job that could not be started is reported as ``/fail``.
4. ``lubdub run`` exits with the job's own code (128 + N when a signal N ended it;
   127/126 when it could not be started), whatever happened to the check-ins:
   they are retried on timeouts, 408, 429 and 5xx, and a check-in that cannot be
   delivered is reported on stderr and otherwise ignored.  The job is never
   killed: SIGTERM and SIGHUP sent to ``lubdub run`` are passed on to it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from lubdub.client import CheckinResult, send_checkin

TAIL_BYTES = 10 * 1024
DEFAULT_BODY_LIMIT = 10_000  # what Healthchecks assumes when a server announces none
_CHUNK = 65536


class Tail:
    """The last ``size`` bytes written to it, from several threads."""

    def __init__(self, size: int = TAIL_BYTES) -> None:
        self.size = size
        self._data = bytearray()
        self._lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self._lock:
            self._data += chunk
            if len(self._data) > self.size:
                del self._data[: len(self._data) - self.size]

    def last(self, limit: int) -> bytes:
        """The last ``limit`` bytes, starting at a character boundary (UTF-8)."""
        with self._lock:
            data = bytes(self._data[-limit:]) if limit > 0 else b""
        start = 0
        while start < min(4, len(data)) and (data[start] & 0xC0) == 0x80:
            start += 1
        return data[start:]


def _pump(source: BinaryIO, sink: BinaryIO, tail: Tail) -> None:
    """Copy ``source`` to ``sink`` as bytes arrive, keeping the tail; stops at end of file."""
    fd = source.fileno()
    while True:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return
        tail.add(chunk)
        try:
            sink.write(chunk)
            sink.flush()
        except (BrokenPipeError, ValueError):
            pass  # our own output went away: keep draining, so the job never blocks on a full pipe


@dataclass
class RunOptions:
    timeout: float = 10.0  # seconds per check-in attempt
    attempts: int = 3  # per check-in
    backoff: float = 0.5


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def run_job(checkin_url: str, command: Sequence[str], options: RunOptions, *,
            warn: Callable[[str], None] = lambda text: print(f"lubdub: {text}", file=sys.stderr)) -> int:
    """Run ``command``, reporting to ``checkin_url`` (``…/ping/{id}`` or ``…/ping/{key}/{slug}``); its exit code."""
    rid = str(uuid.uuid4())

    def checkin(suffix: str, body: bytes = b"") -> CheckinResult:
        result = send_checkin(f"{checkin_url}{suffix}", body=body, params={"rid": rid}, timeout=options.timeout,
                              attempts=options.attempts, backoff=options.backoff)
        if not result.ok:
            warn(f"check-in {suffix or '/'} not delivered ({result.error or result.status}); the job is not affected")
        return result

    started: list[CheckinResult] = []
    start_thread = threading.Thread(target=lambda: started.append(checkin("/start")), daemon=True)
    start_thread.start()

    tail = Tail()
    try:
        job = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        code = 127 if isinstance(exc, FileNotFoundError) else 126
        message = f"lubdub: could not start {command[0]!r}: {exc.strerror or exc}"
        print(message, file=sys.stderr)
        start_thread.join()
        checkin("/fail", message.encode())
        return code

    forwarded = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            forwarded[signum] = signal.signal(signum, lambda number, _frame: job.send_signal(number))
        except ValueError:  # not the main thread: nothing to forward from
            pass
    assert job.stdout is not None and job.stderr is not None
    pumps = [threading.Thread(target=_pump, args=(job.stdout, sys.stdout.buffer, tail), daemon=True),
             threading.Thread(target=_pump, args=(job.stderr, sys.stderr.buffer, tail), daemon=True)]
    for pump in pumps:
        pump.start()
    try:
        returncode = job.wait()
        for pump in pumps:
            pump.join()
    finally:
        for signum, previous in forwarded.items():
            signal.signal(signum, previous)
    code = _exit_code(returncode)

    # The end must follow the start, or the run would stay open: wait for the start
    # (its retries are bounded), then report.
    start_thread.join()
    limit = next((r.body_limit for r in started if r.body_limit), None) or DEFAULT_BODY_LIMIT
    checkin(f"/{code}", tail.last(min(limit, TAIL_BYTES)))
    return code
