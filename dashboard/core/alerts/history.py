"""Alert history (the notifications log): deliveries with their attempts, newest first."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, text
from sqlmodel import Session

from dashboard.core.errors import Invalid, NotFound
from dashboard.core.ids import parse_id
from dashboard.core.paging import Page, offset
from dashboard.models import DELIVERY_STATUSES, Heartbeat
from dashboard.timeutil import from_micros

MAX_LIMIT = 500


@dataclass(frozen=True)
class AttemptView:
    attempt: int
    started_at: datetime
    finished_at: datetime
    ok: bool
    status_code: int | None
    error: str | None


@dataclass(frozen=True)
class DeliveryView:
    id: int
    kind: str
    status: str
    channel_id: str
    channel_name: str
    heartbeat_id: str | None
    heartbeat_name: str | None
    # How the heartbeat is named outside: its check-in id and its public id.
    heartbeat_ping_id: str | None
    heartbeat_public_id: str | None
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptView] = field(default_factory=list)


_COLUMNS = (
    "SELECT d.id, d.kind, d.status, d.channel_id, c.name AS channel_name, d.heartbeat_id, h.name AS heartbeat_name, "
    "h.ping_id AS heartbeat_ping_id, h.public_id AS heartbeat_public_id, "
    "d.payload, d.attempts, d.next_attempt_at, d.last_error, d.created_at, d.delivered_at "
    "FROM delivery d JOIN channel c ON c.id = d.channel_id LEFT JOIN heartbeat h ON h.id = d.heartbeat_id"
)
_ATTEMPTS = text(
    "SELECT delivery_id, attempt, started_at, finished_at, ok, status_code, error FROM delivery_attempt "
    "WHERE delivery_id IN :ids ORDER BY delivery_id, attempt"
).bindparams(bindparam("ids", expanding=True))


def _moment(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(int(micros))


def _views(session: Session, rows: Sequence) -> list[DeliveryView]:  # type: ignore[type-arg]
    conn = session.connection()
    attempts: dict[int, list[AttemptView]] = {row.id: [] for row in rows}
    if rows:
        for a in conn.execute(_ATTEMPTS, {"ids": list(attempts)}):
            attempts[a.delivery_id].append(AttemptView(
                a.attempt, from_micros(int(a.started_at)), from_micros(int(a.finished_at)), bool(a.ok),
                a.status_code, a.error,
            ))
    return [
        DeliveryView(
            id=row.id, kind=row.kind, status=row.status, channel_id=row.channel_id, channel_name=row.channel_name,
            heartbeat_id=row.heartbeat_id, heartbeat_name=row.heartbeat_name,
            heartbeat_ping_id=row.heartbeat_ping_id, heartbeat_public_id=row.heartbeat_public_id,
            reason=None if row.kind == "test" else json.loads(row.payload).get("reason"),
            attempts=row.attempts,
            next_attempt_at=_moment(row.next_attempt_at) if row.status == "pending" else None,
            last_error=row.last_error, created_at=from_micros(int(row.created_at)),
            delivered_at=_moment(row.delivered_at), attempt_log=attempts[row.id],
        )
        for row in rows
    ]


def list_deliveries(
    session: Session,
    *,
    status: str | None = None,
    heartbeat_id: str | None = None,
    channel_id: str | None = None,
    page: int = 1,
    limit: int = 50,
    services: frozenset[str] | None = None,
) -> Page[DeliveryView]:
    """Newest first, optionally only one status, heartbeat or channel; with ``services``,
    only deliveries about heartbeats of those services (no test sends)."""
    skip = offset(page, limit, MAX_LIMIT)
    where: list[str] = []
    params: dict[str, object] = {}
    if status is not None:
        if status not in DELIVERY_STATUSES:
            raise Invalid("status", f"must be one of {', '.join(DELIVERY_STATUSES)}")
        where.append("d.status = :status")
        params["status"] = status
    for name, raw in (("heartbeat_id", heartbeat_id), ("channel_id", channel_id)):
        if raw is not None:
            # A malformed id matches nothing, like an unknown one.
            where.append(f"d.{name} = :{name}")
            params[name] = parse_id(raw) or ""
    if services is not None:
        where.append("d.heartbeat_id IN (SELECT id FROM heartbeat WHERE service_id IN :services)")
        params["services"] = sorted(services) or [""]
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    conn = session.connection()
    expanding: list[BindParameter[Any]] = [bindparam("services", expanding=True)] if services is not None else []
    total = int(conn.execute(text(f"SELECT COUNT(*) FROM delivery d{condition}").bindparams(*expanding),
                             params).scalar_one())
    rows = conn.execute(
        text(f"{_COLUMNS}{condition} ORDER BY d.created_at DESC, d.id DESC LIMIT :limit OFFSET :skip")
        .bindparams(*expanding),
        {**params, "limit": limit, "skip": skip},
    ).all()
    return Page(items=_views(session, rows), page=page, limit=limit, total=total)


def heartbeat_deliveries(session: Session, heartbeat_id: str, *, limit: int = 50) -> list[DeliveryView]:
    """A heartbeat's newest deliveries (for its page); unknown heartbeat → NotFound."""
    canonical = parse_id(heartbeat_id)
    if canonical is None or session.get(Heartbeat, canonical) is None:
        raise NotFound("no heartbeat with this id")
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    rows = session.connection().execute(
        text(f"{_COLUMNS} WHERE d.heartbeat_id = :id ORDER BY d.created_at DESC, d.id DESC LIMIT :limit"),
        {"id": canonical, "limit": limit},
    ).all()
    return _views(session, rows)
