"""Sending queued deliveries: claim, send outside any transaction, record, back off.

A delivery moves ``pending → sending → delivered | pending (retry) | failed``:

- ``claim_due`` takes due deliveries in a short write transaction, each with a
  guarded ``UPDATE … WHERE status = … AND attempts = …`` that sets
  ``status = 'sending'``, bumps ``attempts`` and sets a lease.  Only the process
  whose update hit the row sends it.  A lease that runs out (the process died
  mid-send) makes the delivery due again; the lost attempt is logged as such.
- the send runs with no transaction open and a timeout (``senders``);
- ``record_attempt`` logs the attempt and either marks the delivery delivered,
  schedules the next try (``BACKOFF``), or gives up after ``MAX_ATTEMPTS``.

Delivery is at-least-once: a process killed after the receiver accepted but
before recording sends that message again on retry.  Webhook receivers can
de-duplicate on ``delivery_id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from dashboard.core.alerts.channels import get_channel, load_config
from dashboard.core.alerts.payloads import build_test_payload
from dashboard.core.alerts.senders import SendOptions, SendResult, send
from dashboard.db import session_scope, write_engine, write_lock
from dashboard.timeutil import to_micros

# Delay before try n+1 after try n failed: 10 s, 1 min, 5 min, 15 min; five tries in ~21 min.
BACKOFF = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
MAX_ATTEMPTS = 5
# Longer than any send can take (timeouts are 10 s per network step), so a live
# sender never loses its claim; short enough that a crash delays a retry little.
LEASE = timedelta(minutes=2)
INTERRUPTED = "interrupted: the process sending it stopped before recording a result (lease expired)"

_ANY_DUE = text(
    "SELECT 1 FROM delivery WHERE (status = 'pending' AND next_attempt_at <= :now) "
    "OR (status = 'sending' AND lease_until <= :now) LIMIT 1"
)
_DUE = (
    "SELECT id, kind, status, attempts FROM delivery "
    "WHERE (status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND lease_until <= :now) "
    "ORDER BY next_attempt_at, id LIMIT :limit"
)
_TAKE = text(
    "UPDATE delivery SET status = 'sending', attempts = attempts + 1, lease_until = :lease_until "
    "WHERE id = :id AND status = :status AND attempts = :attempts"
)
_GIVE_UP = text(
    "UPDATE delivery SET status = 'failed', lease_until = NULL, next_attempt_at = NULL, last_error = :error "
    "WHERE id = :id AND status = 'sending' AND attempts = :attempts"
)
_LOG_ATTEMPT = text(
    "INSERT INTO delivery_attempt (delivery_id, attempt, started_at, finished_at, ok, status_code, error) "
    "VALUES (:delivery_id, :attempt, :started_at, :finished_at, :ok, :status_code, :error) "
    "ON CONFLICT (delivery_id, attempt) DO UPDATE SET started_at = excluded.started_at, "
    "finished_at = excluded.finished_at, ok = excluded.ok, status_code = excluded.status_code, error = excluded.error"
)
_LOAD = text(
    "SELECT d.id, d.kind, d.attempts, d.payload, c.kind AS channel_kind, c.config "
    "FROM delivery d JOIN channel c ON c.id = d.channel_id WHERE d.id IN :ids ORDER BY d.id"
).bindparams(bindparam("ids", expanding=True))
# Success from any attempt wins, even one that outlived its lease.
_DELIVERED = text(
    "UPDATE delivery SET status = 'delivered', delivered_at = :now, lease_until = NULL, next_attempt_at = NULL, "
    "last_error = NULL WHERE id = :id AND status <> 'delivered'"
)
# A failure only counts for the attempt that still holds the claim.
_RETRY = text(
    "UPDATE delivery SET status = 'pending', next_attempt_at = :next_attempt_at, lease_until = NULL, "
    "last_error = :error WHERE id = :id AND status = 'sending' AND attempts = :attempt"
)
_INSERT_TEST = text(
    "INSERT INTO delivery (flip_id, seq, channel_id, heartbeat_id, kind, status, attempts, payload, "
    "next_attempt_at, lease_until, created_at) VALUES (NULL, 0, :channel_id, NULL, 'test', 'sending', 1, "
    ":payload, :now, :lease_until, :now) RETURNING id"
)


def max_attempts(kind: str) -> int:
    # A test send reports straight back to the person who clicked; retrying it later helps nobody.
    return 1 if kind == "test" else MAX_ATTEMPTS


def retry_delay(attempt: int) -> timedelta:
    """How long after failed try number ``attempt`` (1-based) the next one is due."""
    return BACKOFF[min(attempt, len(BACKOFF)) - 1]


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    kind: str
    attempt: int
    channel_kind: str
    config: dict[str, Any]
    payload: dict[str, Any]

    def message(self) -> dict[str, Any]:
        """The payload as sent: with the ids a receiver needs to de-duplicate retries."""
        return {**self.payload, "delivery_id": self.id, "attempt": self.attempt}


def _log_attempt(
    conn: Connection, delivery_id: int, attempt: int, started_at: datetime, finished_at: datetime, result: SendResult
) -> None:
    conn.execute(_LOG_ATTEMPT, {
        "delivery_id": delivery_id, "attempt": attempt, "started_at": to_micros(started_at),
        "finished_at": to_micros(finished_at), "ok": result.ok, "status_code": result.status_code,
        "error": result.error,
    })


def _take(conn: Connection, now: datetime, limit: int, lease: timedelta) -> list[int]:
    now_micros = to_micros(now)
    lock = " FOR UPDATE SKIP LOCKED" if conn.dialect.name == "postgresql" else ""
    taken: list[int] = []
    for row in conn.execute(text(_DUE + lock), {"now": now_micros, "limit": limit}).all():
        if row.status == "sending":
            # The last claim lapsed without a result: log the lost attempt first.
            _log_attempt(conn, row.id, row.attempts, now, now, SendResult(ok=False, error=INTERRUPTED))
            if row.attempts >= max_attempts(row.kind):
                conn.execute(_GIVE_UP, {"id": row.id, "attempts": row.attempts, "error": INTERRUPTED})
                continue
        hit = conn.execute(_TAKE, {
            "id": row.id, "status": row.status, "attempts": row.attempts,
            "lease_until": to_micros(now + lease),
        })
        if hit.rowcount == 1:
            taken.append(row.id)
    return taken


def claim_due(engine: Engine, now: datetime, limit: int, *, lease: timedelta = LEASE) -> list[ClaimedDelivery]:
    """Claim up to ``limit`` deliveries due at ``now``; the caller must send and record each."""
    if limit <= 0:
        return []
    with engine.connect() as reader:
        # Nothing due is the usual answer: find out without taking the write lock.
        if reader.execute(_ANY_DUE, {"now": to_micros(now)}).first() is None:
            return []
    with write_lock(engine), write_engine(engine).begin() as conn:
        taken = _take(conn, now, limit, lease)
        if not taken:
            return []
        rows = conn.execute(_LOAD, {"ids": taken}).all()
    return [
        ClaimedDelivery(
            id=row.id, kind=row.kind, attempt=row.attempts, channel_kind=row.channel_kind,
            config=json.loads(row.config), payload=json.loads(row.payload),
        )
        for row in rows
    ]


def record_attempt(
    engine: Engine, claimed: ClaimedDelivery, result: SendResult, started_at: datetime, finished_at: datetime
) -> str:
    """Log the attempt and move the delivery on; returns its status afterwards."""
    with write_lock(engine), write_engine(engine).begin() as conn:
        _log_attempt(conn, claimed.id, claimed.attempt, started_at, finished_at, result)
        params: dict[str, Any] = {"id": claimed.id, "attempt": claimed.attempt, "error": result.error}
        if result.ok:
            conn.execute(_DELIVERED, {"id": claimed.id, "now": to_micros(finished_at)})
            return "delivered"
        if claimed.attempt >= max_attempts(claimed.kind):
            conn.execute(_GIVE_UP, {**params, "attempts": claimed.attempt})
            return "failed"
        next_at = finished_at + retry_delay(claimed.attempt)
        conn.execute(_RETRY, {**params, "next_attempt_at": to_micros(next_at)})
        return "pending"


def send_claimed(
    engine: Engine, claimed: ClaimedDelivery, options: SendOptions, started_at: datetime, clock: Any = None
) -> tuple[SendResult, str]:
    """Send one claimed delivery (no transaction open meanwhile) and record the outcome.

    ``clock`` gives the finishing time (real time in production); by default the
    attempt is stamped as finishing when it started, which keeps tests exact.
    """
    result = send(claimed.channel_kind, claimed.config, claimed.message(), options)
    finished_at = clock() if clock is not None else started_at
    return result, record_attempt(engine, claimed, result, started_at, finished_at)


def deliver_due(engine: Engine, now: datetime, options: SendOptions, *, limit: int = 100) -> list[tuple[int, str]]:
    """Claim, send and record every due delivery, one after another, at ``now``.

    The synchronous form of what the background worker does in its thread pool;
    used by tests, which control ``now``.
    """
    outcomes: list[tuple[int, str]] = []
    for claimed in claim_due(engine, now, limit):
        _, status = send_claimed(engine, claimed, options, now)
        outcomes.append((claimed.id, status))
    return outcomes


@dataclass(frozen=True)
class TestOutcome:
    delivery_id: int
    result: SendResult


def send_test(engine: Engine, channel_id: str, now: datetime, options: SendOptions, *, public_url: str,
              clock: Any = None) -> TestOutcome:
    """Send a test message through a channel right now and wait for the answer.

    Logged like any delivery (kind "test"), but never retried.
    """
    with session_scope(engine, write=True) as session:
        channel = get_channel(session, channel_id)
        config = load_config(channel)
        payload = build_test_payload(channel.name, public_url, now)
        inserted = session.connection().execute(_INSERT_TEST, {
            "channel_id": channel.id, "payload": json.dumps(payload), "now": to_micros(now),
            "lease_until": to_micros(now + LEASE),
        })
        delivery_id = int(inserted.scalar_one())
        kind = channel.kind
    claimed = ClaimedDelivery(id=delivery_id, kind="test", attempt=1, channel_kind=kind, config=config,
                              payload=payload)
    result, _ = send_claimed(engine, claimed, options, now, clock)
    return TestOutcome(delivery_id, result)

