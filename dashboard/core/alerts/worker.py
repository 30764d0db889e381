"""The alerts background job: dispatch flips, queue re-notifications, hand due sends to a pool.

One singleton job (it runs only in the process holding leadership) does the
quick database work every second and returns at once; the network I/O happens
in this module's own thread pool.  So a receiver that hangs ties up one of our
threads for at most the send timeout, never an APScheduler thread the miss
detector needs, and never another channel's delivery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from dashboard.config import Settings
from dashboard.core.alerts.delivery import ClaimedDelivery, claim_due, send_claimed
from dashboard.core.alerts.dispatcher import dispatch_pass, renotify_pass
from dashboard.core.alerts.senders import DEFAULT_TIMEOUT_S, SendOptions
from dashboard.timeutil import utcnow

log = logging.getLogger(__name__)

PERIOD_S = 1.0
SEND_THREADS = 8
# Re-notification periods are whole minutes; looking every 15 s is plenty.
RENOTIFY_CHECK = timedelta(seconds=15)


class AlertWorker:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        send_threads: int = SEND_THREADS,
        options: SendOptions | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.public_url = settings.public_url
        self.options = options or SendOptions.from_settings(settings, timeout_s=DEFAULT_TIMEOUT_S)
        self.clock = clock
        self.send_threads = send_threads
        self._executor = ThreadPoolExecutor(max_workers=send_threads, thread_name_prefix="lubdub-alert")
        self._lock = threading.Lock()
        self._in_flight = 0
        self._next_renotify_check: datetime | None = None
        self.last_error: str | None = None

    def tick(self) -> None:
        """One round; each step is guarded so a failing one does not stop the others."""
        now = self.clock()
        try:
            dispatch_pass(self.engine, now, public_url=self.public_url)
            if self._next_renotify_check is None or now >= self._next_renotify_check:
                renotify_pass(self.engine, now, public_url=self.public_url)
                self._next_renotify_check = now + RENOTIFY_CHECK
        except Exception as exc:  # retried on the next tick
            log.exception("alert dispatch failed")
            self.last_error = str(exc)
        try:
            self.submit_due(now)
        except Exception as exc:
            log.exception("claiming due alert deliveries failed")
            self.last_error = str(exc)

    def submit_due(self, now: datetime) -> int:
        """Claim no more than there are free threads, so nothing claimed waits in a queue
        while its lease runs down."""
        with self._lock:
            free = self.send_threads - self._in_flight
        claimed = claim_due(self.engine, now, free)
        for delivery in claimed:
            with self._lock:
                self._in_flight += 1
            self._executor.submit(self._send, delivery)
        return len(claimed)

    def _send(self, delivery: ClaimedDelivery) -> None:
        try:
            _, status = send_claimed(self.engine, delivery, self.options, self.clock(), self.clock)
            log.info("alert delivery %d attempt %d: %s", delivery.id, delivery.attempt, status)
        except Exception:  # the lease runs out and another round retries it
            log.exception("recording alert delivery %d failed", delivery.id)
        finally:
            with self._lock:
                self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def shutdown(self, *, wait: bool = False) -> None:
        # Sends in progress keep their lease; after a restart they become due again.
        self._executor.shutdown(wait=wait, cancel_futures=True)
