"""The app's background machinery, started once per server process.

Owns the ping writer (every process has one) and the APScheduler that runs the
singleton jobs (``singleton_jobs`` lists them all); those jobs only do work in
the process that holds leadership, so with several workers or instances the
detector and the alerts still run exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from dashboard.config import Settings
from dashboard.core import detector, purge, retention
from dashboard.core.alerts.senders import SendOptions
from dashboard.core.alerts.worker import PERIOD_S as ALERT_PERIOD_S
from dashboard.core.alerts.worker import AlertWorker
from dashboard.core.leader import Leadership
from dashboard.core.ratelimit import RateLimiter
from dashboard.core.writer import PingWriter
from dashboard.timeutil import utcnow

log = logging.getLogger(__name__)

RETENTION_PERIOD_S = 3600
PURGE_PERIOD_S = 5


@dataclass
class DetectorStats:
    passes: int = 0
    misses: int = 0
    last_pass_seconds: float = 0.0
    last_error: str | None = None


@dataclass(frozen=True)
class SingletonJob:
    """A periodic job that must run in one process only, across workers and instances."""

    id: str
    run: Callable[[], object]
    period_s: float


@dataclass
class Background:
    engine: Engine
    settings: Settings
    # How the alerts job runs (tests shorten the period and the send timeout).
    alert_period_s: float = ALERT_PERIOD_S
    alert_options: SendOptions | None = None
    writer: PingWriter = field(init=False)
    scheduler: BackgroundScheduler = field(init=False)
    leadership: Leadership = field(init=False)
    alert_worker: AlertWorker | None = field(init=False)
    detector_stats: DetectorStats = field(default_factory=DetectorStats)
    rate_limiter: RateLimiter | None = field(init=False)

    def __post_init__(self) -> None:
        self.writer = PingWriter(self.engine, max_batch=self.settings.writer_max_batch)
        limit = self.settings.ping_rate_limit_per_minute
        self.rate_limiter = RateLimiter(limit) if limit > 0 else None
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.leadership = Leadership(self.engine, "singletons")
        self.alert_worker = AlertWorker(self.engine, self.settings, options=self.alert_options) \
            if self.settings.run_detector else None
        for job in self.singleton_jobs():
            self._schedule(job)

    def singleton_jobs(self) -> list[SingletonJob]:
        """Every singleton job.  They share one leadership, so a process that may win
        it runs them all (or the detector would stop while it leads); RUN_DETECTOR=false
        makes a process a pure web worker that never competes and runs none."""
        if self.alert_worker is None:
            return []
        return [
            SingletonJob("miss-detector", self.detector_tick, self.settings.detector_period_s),
            SingletonJob("alerts", self.alert_worker.tick, self.alert_period_s),
            SingletonJob("retention", self.retention_tick, RETENTION_PERIOD_S),
            SingletonJob("event-purge", self.purge_tick, PURGE_PERIOD_S),
        ]

    def _schedule(self, job: SingletonJob) -> None:
        def guarded() -> None:
            if self.leadership.try_acquire():
                job.run()

        # coalesce + max_instances=1: a slow pass delays the next one, never overlaps it.
        self.scheduler.add_job(guarded, "interval", seconds=job.period_s, id=job.id,
                               max_instances=1, coalesce=True, misfire_grace_time=None)

    def detector_tick(self) -> None:
        started = time.perf_counter()
        try:
            report = detector.run_pass(self.engine, utcnow(), max_misses=self.settings.max_catch_up_misses)
        except Exception as exc:  # a failed pass is retried on the next tick
            log.exception("miss detector pass failed")
            self.detector_stats.last_error = str(exc)
            return
        self.detector_stats.passes += 1
        self.detector_stats.misses += report.misses
        self.detector_stats.last_pass_seconds = time.perf_counter() - started
        if report.misses:
            log.info("detector recorded %d misses on %d heartbeats", report.misses, report.heartbeats)

    def retention_tick(self) -> None:
        try:
            deleted = retention.prune(self.engine, utcnow(), self.settings.event_retention_days)
        except Exception:
            log.exception("event retention failed")
            return
        if deleted:
            log.info("retention pruned %d events older than %d days", deleted, self.settings.event_retention_days)

    def purge_tick(self) -> None:
        try:
            deleted = purge.purge_events(self.engine)
        except Exception:
            log.exception("purging deleted heartbeats' events failed")
            return
        if deleted:
            log.info("purged %d events of deleted heartbeats", deleted)

    def start(self) -> None:
        self.writer.start()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)
        if self.alert_worker is not None:
            # Sends in progress keep their lease; after a restart they become due again.
            self.alert_worker.shutdown()
        self.writer.stop()
        self.leadership.release()
