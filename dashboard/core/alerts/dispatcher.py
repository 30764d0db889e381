"""The outbox: turn status flips into deliveries, one per channel, exactly once.

The ping writer and the detector only insert a ``flip`` row (same transaction as
the change, ``processed_at`` NULL).  ``dispatch_pass`` claims those flips later,
in its own short transaction, decides whether people should hear about them,
and inserts one ``delivery`` per routed channel.  Nothing here talks to a
receiver, so a slow receiver can never hold up a check-in or the detector.

Exactly once, with any number of processes:
- a flip is claimed by ``UPDATE flip SET processed_at … WHERE id = … AND
  processed_at IS NULL``; only the process whose update hit the row inserts its
  deliveries, in the same transaction (on PostgreSQL a second claimer waits for
  the first one's commit, then finds ``processed_at`` set and matches nothing);
- ``delivery`` is unique on (flip_id, channel_id, seq), and inserts use
  ``ON CONFLICT DO NOTHING``: a flip cannot yield two alerts for one channel, nor
  a re-notification two copies.

Decisions (``flip.outcome``):
- down flip, threshold 1 → "alerted";
- down flip, threshold N > 1 → "alerted" once N consecutive fail/miss events
  happened since the flip; "suppressed" if the heartbeat recovered (a later flip
  exists) or was paused first; otherwise left unprocessed and looked at again on
  the next pass;
- recovery flip → "alerted" when the down flip before it was alerted, else
  "suppressed" (nobody was told it was down, so nobody needs to hear it is up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from dashboard.core.alerts.channels import ping_url_channels, route
from dashboard.core.alerts.payloads import HeartbeatFacts, build_payload
from dashboard.core.schedule import STATUS_DOWN, STATUS_UP
from dashboard.db import write_engine, write_lock
from dashboard.timeutil import from_micros, to_micros

ALERTED, SUPPRESSED = "alerted", "suppressed"
FLIP_BATCH = 200

_UNPROCESSED = text(
    "SELECT id, heartbeat_id, new_status, reason, created_at FROM flip "
    "WHERE processed_at IS NULL AND id > :after ORDER BY processed_at, id LIMIT :limit"
)
_HEARTBEATS = text(
    "SELECT h.id, h.public_id, h.ping_id, h.name, h.service_id, s.name AS service_name, h.enabled, "
    "h.alert_threshold, h.last_ping_at "
    "FROM heartbeat h JOIN service s ON s.id = h.service_id WHERE h.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_NEXT_FLIP = text(
    "SELECT created_at FROM flip WHERE heartbeat_id = :heartbeat_id AND id > :id ORDER BY id LIMIT 1"
)
_PREVIOUS_DOWN = text(
    "SELECT id, outcome FROM flip WHERE heartbeat_id = :heartbeat_id AND id < :id "
    "AND new_status = 'down' ORDER BY id DESC LIMIT 1"
)
_FAILURES_SINCE = text(
    "SELECT COUNT(*) FROM event WHERE heartbeat_id = :heartbeat_id AND received_at >= :since "
    "AND received_at < :until AND result IN ('fail', 'miss', 'timeout')"
)
_CLAIM = text(
    "UPDATE flip SET processed_at = :now, outcome = :outcome WHERE id = :id AND processed_at IS NULL"
)
INSERT_DELIVERY = text(
    "INSERT INTO delivery (flip_id, seq, channel_id, heartbeat_id, kind, status, attempts, payload, "
    "next_attempt_at, created_at) VALUES (:flip_id, :seq, :channel_id, :heartbeat_id, :kind, 'pending', 0, "
    ":payload, :now, :now) ON CONFLICT (flip_id, channel_id, seq) DO NOTHING"
)
_END_OF_TIME = 2**62


@dataclass
class DispatchReport:
    flips: int = 0
    deliveries: int = 0
    suppressed: int = 0
    waiting: int = 0  # below their threshold, looked at again next pass


@dataclass(frozen=True)
class _Flip:
    id: int
    heartbeat_id: str
    new_status: str
    reason: str
    created_at: int


@dataclass(frozen=True)
class _Decision:
    flip: _Flip
    outcome: str
    heartbeat: HeartbeatFacts
    failures: int


def _facts(row: Any) -> HeartbeatFacts:
    return HeartbeatFacts(
        id=row.id, public_id=row.public_id, ping_id=row.ping_id, name=row.name, service_id=row.service_id, service_name=row.service_name,
        last_ping_at=None if row.last_ping_at is None else from_micros(int(row.last_ping_at)),
    )


def _decide_down(conn: Connection, flip: _Flip, heartbeat: Any) -> tuple[str | None, int]:
    """(outcome, or None to look again later; consecutive failures so far)."""
    threshold = int(heartbeat.alert_threshold)
    if threshold <= 1:
        return ALERTED, 1
    next_flip = conn.execute(_NEXT_FLIP, {"heartbeat_id": flip.heartbeat_id, "id": flip.id}).scalar()
    failures = int(conn.execute(_FAILURES_SINCE, {
        "heartbeat_id": flip.heartbeat_id, "since": flip.created_at,
        "until": next_flip if next_flip is not None else _END_OF_TIME,
    }).scalar_one())
    if failures >= threshold:
        return ALERTED, failures
    if next_flip is not None or not heartbeat.enabled:
        return SUPPRESSED, failures
    return None, failures


def _decide_recovery(conn: Connection, flip: _Flip, decided_now: dict[int, str]) -> str | None:
    previous = conn.execute(_PREVIOUS_DOWN, {"heartbeat_id": flip.heartbeat_id, "id": flip.id}).first()
    if previous is None:
        return SUPPRESSED
    outcome = previous.outcome or decided_now.get(previous.id)
    if outcome is None:
        return None  # the down flip is not decided yet; decide this one after it
    return ALERTED if outcome == ALERTED else SUPPRESSED


def _decide(conn: Connection, flips: list[_Flip]) -> tuple[list[_Decision], int]:
    """What to do with each flip (read-only); flips still waiting for their threshold are left out.

    The decisions are final once made (they only depend on events and flips that
    are already committed), so they can be taken on a plain reader connection
    and applied in a short write transaction afterwards.
    """
    heartbeats = {row.id: row for row in conn.execute(_HEARTBEATS, {"ids": sorted({f.heartbeat_id for f in flips})})}
    decisions: list[_Decision] = []
    decided_now: dict[int, str] = {}
    waiting = 0
    for flip in flips:  # in id order, so a down flip is decided before its recovery
        heartbeat = heartbeats.get(flip.heartbeat_id)
        if heartbeat is None:
            continue  # deleted meanwhile; its flips go with it
        failures = 1
        if flip.new_status == STATUS_DOWN:
            outcome, failures = _decide_down(conn, flip, heartbeat)
        else:
            outcome = _decide_recovery(conn, flip, decided_now)
        if outcome is None:
            waiting += 1
            continue
        decided_now[flip.id] = outcome
        decisions.append(_Decision(flip, outcome, _facts(heartbeat), failures))
    return decisions, waiting


def insert_deliveries(
    conn: Connection, *, flip_id: int, seq: int, kind: str, heartbeat_id: str,
    channel_ids: list[str], payload: dict[str, Any], now: int,
) -> int:
    if not channel_ids:
        return 0
    encoded = json.dumps(payload)
    result = conn.execute(INSERT_DELIVERY, [
        {"flip_id": flip_id, "seq": seq, "channel_id": channel_id, "heartbeat_id": heartbeat_id,
         "kind": kind, "payload": encoded, "now": now}
        for channel_id in channel_ids
    ])
    return max(result.rowcount, 0)


def _apply(conn: Connection, decisions: list[_Decision], now: int, public_url: str) -> DispatchReport:
    """Claim each decided flip and queue its deliveries, inside the caller's write transaction."""
    report = DispatchReport()
    alerted: list[_Decision] = []
    for decision in decisions:
        claimed = conn.execute(_CLAIM, {"now": now, "outcome": decision.outcome, "id": decision.flip.id})
        if claimed.rowcount != 1:
            continue  # another dispatcher claimed it first, or the heartbeat was deleted
        report.flips += 1
        if decision.outcome == ALERTED:
            alerted.append(decision)
        else:
            report.suppressed += 1
    routes = route(conn, [decision.flip.heartbeat_id for decision in alerted])
    with_url = ping_url_channels(conn, {c for channels in routes.values() for c in channels})
    for decision in alerted:
        flip = decision.flip
        kind = "recovery" if flip.new_status == STATUS_UP else "alert"
        channel_ids = sorted(routes[flip.heartbeat_id])
        # Channels that asked for the check-in URL get a payload with it; the others without.
        for wants_url in (False, True):
            chosen = [c for c in channel_ids if (c in with_url) == wants_url]
            if not chosen:
                continue
            payload = build_payload(
                kind=kind, heartbeat=decision.heartbeat, status=flip.new_status, reason=flip.reason,
                changed_at=from_micros(flip.created_at), public_url=public_url,
                consecutive_failures=decision.failures if flip.new_status == STATUS_DOWN else None,
                with_ping_url=wants_url,
            )
            report.deliveries += insert_deliveries(
                conn, flip_id=flip.id, seq=0, kind=kind, heartbeat_id=flip.heartbeat_id,
                channel_ids=chosen, payload=payload, now=now,
            )
    return report


def dispatch_pass(engine: Engine, now: datetime, *, public_url: str, batch: int = FLIP_BATCH) -> DispatchReport:
    """Turn every unprocessed flip that is ready into deliveries. Safe to run from many processes.

    Decisions are made on a reader connection, so a pass with nothing to do (the
    usual case, or only flips waiting for their threshold) never takes SQLite's
    write lock; each page of decided flips is applied in its own short write
    transaction.
    """
    now_micros = to_micros(now)
    total = DispatchReport()
    after = 0
    while True:
        with engine.connect() as reader:
            rows = reader.execute(_UNPROCESSED, {"after": after, "limit": batch}).all()
            if not rows:
                break
            flips = [_Flip(r.id, r.heartbeat_id, r.new_status, r.reason, int(r.created_at)) for r in rows]
            decisions, waiting = _decide(reader, flips)
        total.waiting += waiting
        if decisions:
            with write_lock(engine), write_engine(engine).begin() as conn:
                report = _apply(conn, decisions, now_micros, public_url)
            total.flips += report.flips
            total.deliveries += report.deliveries
            total.suppressed += report.suppressed
        if len(rows) < batch:
            break
        after = flips[-1].id
    return total


# --- re-notification --------------------------------------------------------------

_RENOTIFY_CHANNELS = text("SELECT id, renotify_minutes FROM channel WHERE renotify_minutes IS NOT NULL")
# Heartbeats down right now whose current down period was alerted.
_ALERTED_DOWN = text(
    "SELECT f.id AS flip_id, f.reason, f.created_at, f.processed_at, h.id, h.public_id, h.ping_id, h.name, "
    "h.service_id, s.name AS service_name, h.last_ping_at "
    "FROM heartbeat h JOIN service s ON s.id = h.service_id "
    "JOIN flip f ON f.id = (SELECT MAX(f2.id) FROM flip f2 WHERE f2.heartbeat_id = h.id) "
    "WHERE h.status = 'down' AND h.enabled = :yes AND f.new_status = 'down' AND f.outcome = 'alerted'"
)
_LAST_SEQ = text(
    "SELECT flip_id, channel_id, MAX(seq) AS seq FROM delivery WHERE flip_id IN :ids GROUP BY flip_id, channel_id"
).bindparams(bindparam("ids", expanding=True))


def _due_renotifications(conn: Connection, now: datetime) -> list[tuple[Any, str, int]]:
    """(alerted-down row, channel id, re-notification number) for every one that is due."""
    periods = {row.id: timedelta(minutes=row.renotify_minutes) for row in conn.execute(_RENOTIFY_CHANNELS)}
    if not periods:
        return []
    down = conn.execute(_ALERTED_DOWN, {"yes": True}).all()
    if not down:
        return []
    routes = route(conn, [row.id for row in down])
    last_seq = {(r.flip_id, r.channel_id): r.seq for r in conn.execute(_LAST_SEQ, {"ids": [r.flip_id for r in down]})}
    due: list[tuple[Any, str, int]] = []
    for row in down:
        alerted_at = from_micros(int(row.processed_at))
        for channel_id in routes[row.id]:
            period = periods.get(channel_id)
            if period is None:
                continue
            seq = (now - alerted_at) // period
            if seq >= 1 and seq > last_seq.get((row.flip_id, channel_id), 0):
                due.append((row, channel_id, seq))
    return due


def renotify_pass(engine: Engine, now: datetime, *, public_url: str) -> int:
    """While a heartbeat stays down, queue a re-notification per channel every ``renotify_minutes``.

    Re-notification k for a channel is due ``k × renotify_minutes`` after the alert
    was dispatched; after downtime only the latest due one is sent.  Returns how
    many deliveries were queued.
    """
    with engine.connect() as reader:
        if not _due_renotifications(reader, now):
            return 0
    now_micros = to_micros(now)
    inserted = 0
    with write_lock(engine), write_engine(engine).begin() as conn:
        # Again inside the writing transaction: the heartbeat may have recovered meanwhile.
        due = _due_renotifications(conn, now)
        with_url = ping_url_channels(conn, {channel_id for _, channel_id, _ in due})
        for row, channel_id, seq in due:
            payload = build_payload(
                kind="renotify", heartbeat=_facts(row), status=STATUS_DOWN, reason=row.reason,
                changed_at=from_micros(int(row.created_at)), public_url=public_url, renotify_count=seq,
                with_ping_url=channel_id in with_url,
            )
            inserted += insert_deliveries(
                conn, flip_id=row.flip_id, seq=seq, kind="renotify", heartbeat_id=row.id,
                channel_ids=[channel_id], payload=payload, now=now_micros,
            )
    return inserted
