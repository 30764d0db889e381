"""The outbox: flips become one delivery per routed channel, exactly once; threshold; re-notify."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import text

from dashboard.core import detector
from dashboard.core.alerts.dispatcher import dispatch_pass, renotify_pass
from dashboard.db import session_scope, write_engine
from dashboard.models import Heartbeat
from tests.alerts.conftest import PUBLIC_URL, attach, deliveries, make_channel, rows
from tests.factories import ping

MINUTE = timedelta(minutes=1)


def dispatch(engine, when):  # type: ignore[no-untyped-def]
    return dispatch_pass(engine, when, public_url=PUBLIC_URL)


def set_threshold(engine, heartbeat_id: str, threshold: int) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine, write=True) as session:
        heartbeat = session.get(Heartbeat, heartbeat_id)
        heartbeat.alert_threshold = threshold
        session.add(heartbeat)


def test_a_fail_ping_queues_one_alert_per_channel_and_recovery_follows(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat("backup", interval=60)
    web = make_channel(engine, "webhook", {"url": "https://example.com/hook"}, name="web", now=now)
    mail = make_channel(engine, "email", {"to": ["ops@example.com"]}, name="mail", now=now)
    attach(engine, web, now, heartbeat_id=hb.id)
    attach(engine, mail, now, service_id=hb.service_id)
    ping(engine, hb.id, at=now)
    ping(engine, hb.id, "fail", at=now + timedelta(seconds=5))

    report = dispatch(engine, now + timedelta(seconds=6))
    assert (report.flips, report.deliveries) == (1, 2)
    queued = deliveries(engine)
    assert sorted(d.channel_id for d in queued) == sorted([web.id, mail.id])
    assert {(d.kind, d.status, d.attempts, d.seq) for d in queued} == {("alert", "pending", 0, 0)}

    payload = json.loads(rows(engine, "SELECT payload FROM delivery LIMIT 1")[0].payload)
    assert payload["status"] == "down" and payload["reason"] == "fail"
    assert payload["heartbeat"]["name"] == "backup" and payload["service"]["name"] == "default"
    assert payload["changed_at"] == "2026-11-02T12:00:05.000000Z"
    assert payload["last_check_in"] == "2026-11-02T12:00:05.000000Z"
    assert payload["dashboard_url"] == f"{PUBLIC_URL}/heartbeats/{hb.public_id}"

    # Dispatching again finds nothing new.
    assert dispatch(engine, now + timedelta(seconds=7)).flips == 0
    ping(engine, hb.id, at=now + timedelta(seconds=10))
    assert dispatch(engine, now + timedelta(seconds=11)).deliveries == 2
    assert [d.kind for d in deliveries(engine)] == ["alert", "alert", "recovery", "recovery"]


def test_a_detected_miss_is_alerted_and_only_once_per_down_period(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60)
    channel = make_channel(engine, "email", {"to": ["ops@example.com"]}, is_default=True, now=now)
    ping(engine, hb.id, at=now)
    for seconds in (60, 120, 180):
        detector.run_pass(engine, now + timedelta(seconds=seconds))
        dispatch(engine, now + timedelta(seconds=seconds))
    assert [(d.kind, d.channel_id) for d in deliveries(engine)] == [("alert", channel.id)]
    payload = json.loads(rows(engine, "SELECT payload FROM delivery")[0].payload)
    assert (payload["reason"], payload["changed_at"]) == ("miss", "2026-11-02T12:01:00.000000Z")


def test_heartbeats_without_channels_or_defaults_queue_nothing(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat()
    ping(engine, hb.id, "fail", at=now)
    assert dispatch(engine, now).flips == 1
    assert deliveries(engine) == []
    assert rows(engine, "SELECT outcome FROM flip")[0].outcome == "alerted"


def test_concurrent_dispatchers_queue_one_delivery_per_channel_per_flip(engine, make_heartbeat, now) -> None:
    channel = make_channel(engine, "email", {"to": ["ops@example.com"]}, is_default=True, now=now)
    heartbeats = [make_heartbeat(f"job-{k}", interval=60) for k in range(30)]
    for hb in heartbeats:
        ping(engine, hb.id, "fail", at=now)
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        for _ in range(5):
            dispatch_pass(engine, now, public_url=PUBLIC_URL, batch=7)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queued = deliveries(engine)
    assert len(queued) == 30
    assert {d.channel_id for d in queued} == {channel.id}
    assert len({d.flip_id for d in queued}) == 30


def test_the_unique_key_stops_a_second_alert_for_a_flip_and_channel(engine, make_heartbeat, now) -> None:
    """Even if a flip were somehow dispatched twice, the table refuses the copy."""
    channel = make_channel(engine, "email", {"to": ["ops@example.com"]}, is_default=True, now=now)
    hb = make_heartbeat()
    ping(engine, hb.id, "fail", at=now)
    dispatch(engine, now)
    with write_engine(engine).begin() as conn:
        conn.execute(text("UPDATE flip SET processed_at = NULL, outcome = NULL"))
    dispatch(engine, now)
    assert [d.channel_id for d in deliveries(engine)] == [channel.id]


def test_threshold_waits_for_n_consecutive_failures(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60)
    make_channel(engine, "email", {"to": ["ops@example.com"]}, is_default=True, now=now)
    set_threshold(engine, hb.id, 3)
    ping(engine, hb.id, at=now)
    ping(engine, hb.id, "fail", at=now + timedelta(seconds=1))
    assert dispatch(engine, now + timedelta(seconds=1)).waiting == 1
    ping(engine, hb.id, "fail", at=now + timedelta(seconds=2))
    assert dispatch(engine, now + timedelta(seconds=2)).waiting == 1
    assert deliveries(engine) == []
    # The third failure is a detected miss: it counts too.
    detector.run_pass(engine, now + timedelta(seconds=62))
    report = dispatch(engine, now + timedelta(seconds=62))
    assert (report.flips, report.deliveries, report.waiting) == (1, 1, 0)
    payload = json.loads(rows(engine, "SELECT payload FROM delivery")[0].payload)
    assert payload["consecutive_failures"] == 3
    # It recovers: the recovery is told too, since the down was.
    ping(engine, hb.id, at=now + timedelta(seconds=70))
    dispatch(engine, now + timedelta(seconds=70))
    assert [d.kind for d in deliveries(engine)] == ["alert", "recovery"]


def test_threshold_suppresses_a_blip_and_its_recovery(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=60)
    make_channel(engine, "email", {"to": ["ops@example.com"]}, is_default=True, now=now)
    set_threshold(engine, hb.id, 2)
    ping(engine, hb.id, at=now)
    ping(engine, hb.id, "fail", at=now + timedelta(seconds=1))
    ping(engine, hb.id, "complete", at=now + timedelta(seconds=2))
    report = dispatch(engine, now + timedelta(seconds=3))
    assert (report.flips, report.suppressed, report.deliveries) == (2, 2, 0)
    assert [r.outcome for r in rows(engine, "SELECT outcome FROM flip ORDER BY id")] == ["suppressed", "suppressed"]
    # A later failure streak starts a new count.
    ping(engine, hb.id, "fail", at=now + timedelta(seconds=4))
    ping(engine, hb.id, "fail", at=now + timedelta(seconds=5))
    assert dispatch(engine, now + timedelta(seconds=5)).deliveries == 1


def test_renotify_repeats_per_channel_while_down(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=3600)
    every_10 = make_channel(engine, "email", {"to": ["a@example.com"]}, name="every-10", renotify_minutes=10,
                            now=now)
    once = make_channel(engine, "email", {"to": ["b@example.com"]}, name="once", now=now)
    attach(engine, every_10, now, service_id=hb.service_id)
    attach(engine, once, now, service_id=hb.service_id)
    ping(engine, hb.id, "fail", at=now)
    dispatch(engine, now)

    assert renotify_pass(engine, now + 9 * MINUTE, public_url=PUBLIC_URL) == 0
    assert renotify_pass(engine, now + 10 * MINUTE, public_url=PUBLIC_URL) == 1
    assert renotify_pass(engine, now + 15 * MINUTE, public_url=PUBLIC_URL) == 0
    # After a long gap only the latest due re-notification goes out.
    assert renotify_pass(engine, now + 45 * MINUTE, public_url=PUBLIC_URL) == 1
    queued = [(d.kind, d.seq, d.channel_id) for d in deliveries(engine)]
    assert sorted(queued) == sorted([
        ("alert", 0, every_10.id), ("alert", 0, once.id), ("renotify", 1, every_10.id), ("renotify", 4, every_10.id),
    ])
    payload = json.loads(rows(engine, "SELECT payload FROM delivery WHERE kind = 'renotify' AND seq = 4")[0].payload)
    assert (payload["kind"], payload["renotify_count"], payload["status"]) == ("renotify", 4, "down")

    ping(engine, hb.id, at=now + 46 * MINUTE)
    dispatch(engine, now + 46 * MINUTE)
    assert renotify_pass(engine, now + 60 * MINUTE, public_url=PUBLIC_URL) == 0


def test_renotify_skips_paused_heartbeats(engine, make_heartbeat, now) -> None:
    hb = make_heartbeat(interval=3600)
    make_channel(engine, "email", {"to": ["a@example.com"]}, is_default=True, renotify_minutes=5, now=now)
    ping(engine, hb.id, "fail", at=now)
    dispatch(engine, now)
    with write_engine(engine).begin() as conn:
        conn.execute(text("UPDATE heartbeat SET enabled = :no"), {"no": False})
    assert renotify_pass(engine, now + 30 * MINUTE, public_url=PUBLIC_URL) == 0


def test_a_run_past_its_limit_is_alerted_as_a_down_with_reason_timeout(engine, make_heartbeat, now) -> None:
    from dashboard.core.alerts.payloads import render

    hb = make_heartbeat("export", interval=3600, max_runtime=60)
    web = make_channel(engine, "webhook", {"url": "https://example.com/hook"}, name="web", now=now)
    attach(engine, web, now, heartbeat_id=hb.id)
    ping(engine, hb.id, at=now)
    ping(engine, hb.id, "run", at=now + timedelta(seconds=1), rid="r1")
    detector.run_pass(engine, now + timedelta(seconds=62))
    assert dispatch(engine, now + timedelta(seconds=63)).deliveries == 1
    payload = json.loads(rows(engine, "SELECT payload FROM delivery")[0].payload)
    assert (payload["status"], payload["reason"], payload["changed_at"]) == ("down", "timeout", "2026-11-02T12:01:01.000000Z")
    assert "took longer than its run-time limit" in render(payload).body
    # Its late end is a recovery.
    ping(engine, hb.id, "complete", at=now + timedelta(seconds=90), rid="r1")
    assert dispatch(engine, now + timedelta(seconds=91)).deliveries == 1
    assert [d.kind for d in deliveries(engine)] == ["alert", "recovery"]
