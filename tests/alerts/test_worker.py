"""The background side: several instances send one alert; a hanging receiver delays no miss."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import timedelta

from dashboard.config import get_settings
from dashboard.core import detector
from dashboard.core.alerts.senders import SendOptions
from dashboard.core.alerts.worker import AlertWorker
from dashboard.core.background import Background
from dashboard.timeutil import from_micros, utcnow
from tests.alerts.conftest import deliveries, make_channel, rows
from tests.factories import ping


def wait_until(condition, timeout: float, step: float = 0.02):  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it returns something truthy or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


def test_two_instances_send_one_alert_per_transition(engine, make_heartbeat, receiver, now) -> None:
    make_channel(engine, "webhook", {"url": receiver.url}, is_default=True, now=now)
    heartbeats = [make_heartbeat(f"job-{k}", interval=60) for k in range(5)]
    for hb in heartbeats:
        ping(engine, hb.id, at=now)
    deadline = now + timedelta(seconds=60)
    settings = get_settings()
    # Two whole instances, each with its own detector and alert worker and no
    # leadership to keep them apart: only the database decides who does what.
    workers = [AlertWorker(engine, settings, options=SendOptions(timeout_s=5), clock=lambda: deadline)
               for _ in range(2)]
    start = threading.Barrier(2)

    def instance(worker: AlertWorker) -> None:
        start.wait()
        for _ in range(10):
            detector.run_pass(engine, deadline)
            worker.tick()

    threads = [threading.Thread(target=instance, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wait_until(lambda: all(w.in_flight == 0 for w in workers), 10)
    for worker in workers:
        worker.shutdown(wait=True)

    assert len(rows(engine, "SELECT id FROM event WHERE result = 'miss'")) == 5
    assert [(d.kind, d.status) for d in deliveries(engine)] == [("alert", "delivered")] * 5
    assert sorted(json.loads(r.body)["heartbeat"]["id"] for r in receiver.requests) == sorted(hb.public_id for hb in heartbeats)


def test_a_hanging_receiver_does_not_delay_a_miss(engine, make_heartbeat, hanging) -> None:
    send_timeout = 4.0
    settings = replace(get_settings(), run_detector=True, detector_period_s=0.2)
    background = Background(engine, settings, alert_period_s=0.2, alert_options=SendOptions(timeout_s=send_timeout))
    worker = background.alert_worker
    assert worker is not None
    # More hanging channels than the worker has threads, and than APScheduler has.
    started = utcnow()
    for k in range(12):
        make_channel(engine, "webhook", {"url": hanging.url}, name=f"hangs-{k}", is_default=True, now=started)
    broken = make_heartbeat("broken", interval=3600)
    watched = make_heartbeat("watched", interval=10)
    ping(engine, broken.id, "fail", at=started)
    background.start()
    try:
        # Every send thread is now stuck on a receiver that never answers.
        assert hanging.wait_for(worker.send_threads, timeout=5)
        sends_began = utcnow()
        # "watched" is due half a second from now.
        ping(engine, watched.id, at=sends_began - timedelta(seconds=9.5))
        due_at = sends_began + timedelta(seconds=0.5)

        def miss_recorded():  # type: ignore[no-untyped-def]
            found = rows(engine, "SELECT received_at FROM event WHERE heartbeat_id = :id AND result = 'miss'",
                         id=watched.id)
            return (found, utcnow()) if found else None

        outcome = wait_until(miss_recorded, timeout=5)
        assert outcome, "the miss was never recorded"
        [miss], seen_at = outcome
        assert from_micros(miss.received_at) == due_at
        # SPEC §3: flagged within 2 s of its deadline, hanging sends notwithstanding.
        assert seen_at - due_at < timedelta(seconds=2)
        # ...and the sends really were hanging all along.
        assert seen_at - sends_began < timedelta(seconds=send_timeout)
        statuses = {d.status for d in deliveries(engine) if d.heartbeat_id == broken.id}
        assert "sending" in statuses
    finally:
        background.stop()

    # Once the timeout passes they are recorded as failed attempts, to be retried.
    assert wait_until(lambda: worker.in_flight == 0, timeout=send_timeout + 5)
    errors = {a.error for a in rows(engine, "SELECT error FROM delivery_attempt")}
    assert errors and all(error.startswith("timed out after 4 s") for error in errors)
