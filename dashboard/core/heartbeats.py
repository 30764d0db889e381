"""Heartbeats: create, read, list, update, pause/resume, delete.

Functions take the caller's session and only flush; the caller owns the
transaction (``session_scope(engine, write=True)`` for the writing ones).

Every write keeps the detector's stored deadline ``miss_at`` consistent with
the rest of the row (see ``Heartbeat``): NULL while new or paused, otherwise
the moment the detector must act.  Rows are read ``FOR UPDATE`` before a change
so, on PostgreSQL, a ping committed meanwhile is not overwritten with a deadline
computed from stale data (on SQLite the write transaction already serialises).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from dashboard.core import schedule
from dashboard.core.contracts import MAX_ALERT_THRESHOLD, HeartbeatCreate, HeartbeatUpdate
from dashboard.core.days_off import store_skip_dates
from dashboard.core.errors import Conflict, Invalid, NotFound
from dashboard.core.ids import parse_id
from dashboard.core.paging import Page, offset
from dashboard.core.purge import queue_purge
from dashboard.core.schedule import STATUS_NEW
from dashboard.core.services import get_service
from dashboard.core.tags import tags_filter
from dashboard.models import Heartbeat, Service, new_uuid
from dashboard.timeutil import to_micros

MAX_LIMIT = 500
_CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


@dataclass
class BulkResult:
    """Outcome of a bulk operation: ids acted on, and ids that matched nothing."""

    done: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)


def get_heartbeat(session: Session, heartbeat_id: str, *, for_update: bool = False) -> Heartbeat:
    """By the row's own id: what the engine and the dashboard's states hold, never a URL."""
    canonical = parse_id(heartbeat_id)
    heartbeat = session.get(Heartbeat, canonical, with_for_update=for_update) if canonical else None
    if heartbeat is None:
        raise NotFound("no heartbeat with this id")
    return heartbeat


_PUBLIC_ID = re.compile(r"[0-9a-f]{40}")


def find_heartbeat(session: Session, ref: str, *, public_ok: bool, for_update: bool = False) -> Heartbeat:
    """The heartbeat an outside reference names: its check-in id (``ping_id``), or —
    where ``public_ok``, i.e. for reading — its ``public_id``.

    The row's own id is not a reference: after a rotation it is the old, possibly
    leaked check-in id, which must name nothing any more.
    """
    query = None
    ping_id = parse_id(ref)
    if ping_id is not None:
        query = select(Heartbeat).where(col(Heartbeat.ping_id) == ping_id)
    elif public_ok and _PUBLIC_ID.fullmatch(ref.lower()):
        query = select(Heartbeat).where(col(Heartbeat.public_id) == ref.lower())
    found = session.exec(query.with_for_update() if for_update else query).first() if query is not None else None
    if found is None:
        raise NotFound("no heartbeat with this id")
    return found


def get_by_public_id(session: Session, public_id: str) -> Heartbeat:
    """The heartbeat a dashboard URL or form names (they only ever carry public ids)."""
    canonical = public_id.lower()
    found = session.exec(select(Heartbeat).where(col(Heartbeat.public_id) == canonical)).first() \
        if _PUBLIC_ID.fullmatch(canonical) else None
    if found is None:
        raise NotFound("no heartbeat with this id")
    return found


def rotate_ping_id(session: Session, heartbeat_id: str, now: datetime) -> Heartbeat:
    """A new check-in secret, at once: the old URL answers 404 from the commit on.

    History, public id and settings stay; only ``/ping/{id}`` (and the ``id``
    read-write keys see) changes.
    """
    heartbeat = get_heartbeat(session, heartbeat_id, for_update=True)
    heartbeat.ping_id = new_uuid()
    heartbeat.updated_at = now
    session.add(heartbeat)
    session.flush()
    return heartbeat


@dataclass(frozen=True)
class HeartbeatFilter:
    """Which heartbeats a list shows: in these services (None: every one), with all
    of these tags, with this slug (None: any)."""

    service_ids: frozenset[str] | None = None
    tags: tuple[str, ...] = ()
    slug: str | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.service_ids is not None:
            conditions.append(col(Heartbeat.service_id).in_(sorted(self.service_ids)))
        if self.tags:
            conditions.append(tags_filter(col(Heartbeat.tags), self.tags))
        if self.slug is not None:
            conditions.append(col(Heartbeat.slug) == self.slug)
        return conditions


def _page(session: Session, conditions: list[ColumnElement[bool]], page: int, limit: int) -> Page[Heartbeat]:
    skip = offset(page, limit, MAX_LIMIT)
    total = session.exec(select(func.count()).select_from(Heartbeat).where(*conditions)).one()
    query = select(Heartbeat).where(*conditions).order_by(col(Heartbeat.name), col(Heartbeat.id))
    return Page(list(session.exec(query.offset(skip).limit(limit))), page, limit, total)


def list_heartbeats(session: Session, service_id: str, *, page: int = 1, limit: int = 50,
                    tags: Sequence[str] = ()) -> Page[Heartbeat]:
    """One page of a service's heartbeats (those with all of ``tags``), ordered by name then id."""
    service = get_service(session, service_id)
    return _page(session, HeartbeatFilter(frozenset([service.id]), tuple(tags)).where(), page, limit)


def search_heartbeats(session: Session, found: HeartbeatFilter, *, page: int = 1, limit: int = 50) -> Page[Heartbeat]:
    """One page of the heartbeats ``found`` selects across services, ordered by name then id."""
    return _page(session, found.where(), page, limit)


Cursor = tuple[datetime, str]


def heartbeat_batch(session: Session, found: HeartbeatFilter, after: Cursor | None, batch: int) -> list[Heartbeat]:
    """Up to ``batch`` heartbeats ``found`` selects, oldest first, strictly after the cursor
    (``created_at``, ``id``) of the last one seen; pass the last row's to continue."""
    query = select(Heartbeat).where(*found.where())
    if after is not None:
        created_at, row_id = after
        query = query.where(or_(col(Heartbeat.created_at) > created_at,
                                and_(col(Heartbeat.created_at) == created_at, col(Heartbeat.id) > row_id)))
    return list(session.exec(query.order_by(col(Heartbeat.created_at), col(Heartbeat.id)).limit(batch)))


def cursor_of(heartbeat: Heartbeat) -> Cursor:
    return heartbeat.created_at, heartbeat.id


def iter_heartbeats(session: Session, found: HeartbeatFilter, *, batch: int = 500) -> Iterator[list[Heartbeat]]:
    """Every heartbeat ``found`` selects, oldest first, ``batch`` at a time (memory stays flat)."""
    after: Cursor | None = None
    while rows := heartbeat_batch(session, found, after, batch):
        yield rows
        if len(rows) < batch:
            return
        after = cursor_of(rows[-1])


def _existing_service_id(session: Session, service_id: str) -> str:
    canonical = parse_id(service_id)
    if canonical is None or session.get(Service, canonical) is None:
        raise Invalid("service_id", "no service with this id")
    return canonical


def _ensure_name_free(session: Session, service_id: str, name: str, exclude_id: str | None = None) -> None:
    query = select(Heartbeat.id).where(Heartbeat.service_id == service_id, Heartbeat.name == name)
    if exclude_id is not None:
        query = query.where(Heartbeat.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(f"the service already has a heartbeat named {name!r}")


def _ensure_slug_free(session: Session, service_id: str, slug: str | None, exclude_id: str | None = None) -> None:
    if slug is None:
        return
    query = select(Heartbeat.id).where(Heartbeat.service_id == service_id, Heartbeat.slug == slug)
    if exclude_id is not None:
        query = query.where(Heartbeat.id != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(f"the service already has a heartbeat with the slug {slug!r}")


def _cadence_fields(interval: int | None, cron_schedule: str | None) -> None:
    """A heartbeat runs on exactly one of the two."""
    if interval is None and cron_schedule is None:
        raise Invalid("interval", "give interval (seconds between check-ins) or schedule (a cron expression)")
    if interval is not None and cron_schedule is not None:
        raise Invalid("schedule", "give either interval or schedule, not both")


def _days_off_need_cron(cron_schedule: str | None, holidays: str | None, skip_dates: str | None) -> None:
    if cron_schedule is None:
        if holidays is not None:
            raise Invalid("holidays", "applies to cron heartbeats only: give a schedule")
        if skip_dates is not None:
            raise Invalid("skip_dates", "applies to cron heartbeats only: give a schedule")


def _flush(session: Session, name: str) -> None:
    # The pre-checks cover the normal case; this covers a concurrent insert of the
    # same name, or a concurrent delete of the service, on PostgreSQL.
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"could not save heartbeat {name!r}: it conflicts with a concurrent change") from exc


def create_heartbeat(session: Session, data: HeartbeatCreate, now: datetime) -> Heartbeat:
    """A new heartbeat: status ``new``, nothing due until its first check-in."""
    _cadence_fields(data.interval, data.schedule)
    skip_dates = store_skip_dates(data.skip_dates)
    _days_off_need_cron(data.schedule, data.holidays, skip_dates)
    service_id = _existing_service_id(session, data.service_id)
    _ensure_name_free(session, service_id, data.name)
    _ensure_slug_free(session, service_id, data.slug)
    heartbeat = Heartbeat(
        service_id=service_id,
        name=data.name,
        interval=data.interval,
        schedule=data.schedule,
        timezone=data.timezone,
        grace=data.grace,
        max_runtime=data.max_runtime,
        slug=data.slug,
        holidays=data.holidays,
        skip_dates=skip_dates,
        methods=",".join(data.methods),
        enabled=data.enabled,
        tags=data.tags,
        description=data.description,
        manual_resume=data.manual_resume,
        status=STATUS_NEW,
        created_at=now,
        updated_at=now,
    )
    session.add(heartbeat)
    _flush(session, data.name)
    return heartbeat


def _change_schedule(heartbeat: Heartbeat, change: Callable[[schedule.ScheduleState], None]) -> None:
    """Apply one of ``core.schedule``'s rules to the row."""
    state = heartbeat.schedule_state()
    change(state)
    heartbeat.store_schedule_state(state)


def _pause(heartbeat: Heartbeat) -> None:
    _change_schedule(heartbeat, schedule.pause)


def _resume(heartbeat: Heartbeat, now: datetime) -> None:
    _change_schedule(heartbeat, lambda state: schedule.resume(state, to_micros(now)))


def update_heartbeat(session: Session, heartbeat_id: str, data: HeartbeatUpdate, now: datetime) -> Heartbeat:
    """Change the fields present in ``data``; omitted ones keep their value.

    Pausing or resuming follows ``pause_heartbeat``/``resume_heartbeat`` (a resume
    uses the new cadence); a cadence, grace or run-time limit change on an enabled
    heartbeat moves its deadlines (``schedule.reschedule``).  ``schedule``
    switches to cron and ``interval`` back to a fixed interval.
    """
    heartbeat = get_heartbeat(session, heartbeat_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    _switch_cadence(heartbeat, changes)
    if "skip_dates" in changes:
        changes["skip_dates"] = store_skip_dates(changes["skip_dates"])
    _days_off_need_cron(changes.get("schedule", heartbeat.schedule), changes.get("holidays", heartbeat.holidays),
                        changes.get("skip_dates", heartbeat.skip_dates))
    if "service_id" in changes:
        changes["service_id"] = _existing_service_id(session, changes["service_id"])
    target_service = changes.get("service_id", heartbeat.service_id)
    target_name = changes.get("name", heartbeat.name)
    if (target_service, target_name) != (heartbeat.service_id, heartbeat.name):
        _ensure_name_free(session, target_service, target_name, exclude_id=heartbeat.id)
    target_slug = changes.get("slug", heartbeat.slug)
    if (target_service, target_slug) != (heartbeat.service_id, heartbeat.slug):
        _ensure_slug_free(session, target_service, target_slug, exclude_id=heartbeat.id)

    timing = ("interval", "schedule", "timezone", "holidays", "skip_dates", "grace", "max_runtime")
    schedule_changed = any(key in changes and changes[key] != getattr(heartbeat, key) for key in timing)
    previous = heartbeat.cadence
    for key in ("service_id", "name", "slug", "tags", "description", "manual_resume", *timing):
        if key in changes:
            setattr(heartbeat, key, changes[key])
    if "methods" in changes:
        heartbeat.methods = ",".join(changes["methods"])

    enabled = changes.get("enabled", heartbeat.enabled)
    if enabled and not heartbeat.enabled:
        _resume(heartbeat, now)
    elif not enabled and heartbeat.enabled:
        _pause(heartbeat)
    elif heartbeat.enabled and schedule_changed:
        _change_schedule(heartbeat, lambda state: schedule.reschedule(state, to_micros(now), previous))
    heartbeat.updated_at = now
    session.add(heartbeat)
    _flush(session, heartbeat.name)
    return heartbeat


def _switch_cadence(heartbeat: Heartbeat, changes: dict[str, object]) -> None:
    """Turn ``interval``/``schedule`` in ``changes`` into the full pair the row gets."""
    new_schedule = changes.get("schedule")
    if "interval" in changes and new_schedule is not None:
        raise Invalid("schedule", "give either interval or schedule, not both")
    if new_schedule is not None:
        changes["interval"] = None
    elif "interval" in changes:
        changes["schedule"] = None
        # Days off only mean something to a cron schedule: they go with it (and
        # giving some in the same change is refused below).
        changes.setdefault("holidays", None)
        changes.setdefault("skip_dates", None)
    elif "schedule" in changes:  # schedule: null without an interval
        if heartbeat.schedule is not None:
            raise Invalid("interval", "is required to switch from a cron schedule to an interval")
        del changes["schedule"]


def pause_heartbeat(session: Session, heartbeat_id: str, now: datetime) -> Heartbeat:
    """Stop expecting check-ins: no misses, no alerts. Pings are still recorded."""
    heartbeat = get_heartbeat(session, heartbeat_id, for_update=True)
    if heartbeat.enabled:
        _pause(heartbeat)
        heartbeat.updated_at = now
        session.flush()
    return heartbeat


def resume_heartbeat(session: Session, heartbeat_id: str, now: datetime) -> Heartbeat:
    """Expect check-ins again; a previously pinged heartbeat is up and due one
    full interval from ``now`` (``schedule.resume``)."""
    heartbeat = get_heartbeat(session, heartbeat_id, for_update=True)
    if not heartbeat.enabled:
        _resume(heartbeat, now)
        heartbeat.updated_at = now
        session.flush()
    return heartbeat


def set_alert_threshold(session: Session, heartbeat_id: str, threshold: int) -> Heartbeat:
    """Alert only once ``threshold`` consecutive fail/miss events happened (1 = on the flip)."""
    heartbeat = get_heartbeat(session, heartbeat_id, for_update=True)
    if not 1 <= threshold <= MAX_ALERT_THRESHOLD:
        raise Invalid("alert_threshold", f"must be between 1 and {MAX_ALERT_THRESHOLD}")
    heartbeat.alert_threshold = threshold
    session.add(heartbeat)
    session.flush()
    return heartbeat


def _unique_ids(raw_ids: Iterable[str], by: IdKind = "id") -> tuple[list[str], list[str]]:
    """(canonical ids in first-seen order, malformed ids as given)."""
    valid: dict[str, None] = {}
    malformed: list[str] = []
    for raw in raw_ids:
        canonical = (raw.lower() if _PUBLIC_ID.fullmatch(raw.lower()) else None) if by == "public_id" else parse_id(raw)
        if canonical is None:
            malformed.append(raw)
        else:
            valid.setdefault(canonical)
    return list(valid), malformed


IdKind = Literal["id", "ping_id", "public_id"]


def _locked(session: Session, ids: list[str], *, by: IdKind = "id") -> list[Heartbeat]:
    column = col(getattr(Heartbeat, by))
    found: list[Heartbeat] = []
    for start in range(0, len(ids), _CHUNK):
        query = select(Heartbeat).where(column.in_(ids[start : start + _CHUNK])).with_for_update()
        found.extend(session.exec(query))
    return found


def set_heartbeats_enabled(session: Session, heartbeat_ids: Iterable[str], enabled: bool, now: datetime, *,
                           by: IdKind = "id") -> BulkResult:
    """Pause (``enabled=False``) or resume many heartbeats, named by ``by``; ``done`` lists every one found."""
    ids, malformed = _unique_ids(heartbeat_ids, by)
    by_id = {getattr(hb, by): hb for hb in _locked(session, ids, by=by)}
    for heartbeat in by_id.values():
        if heartbeat.enabled == enabled:
            continue
        if enabled:
            _resume(heartbeat, now)
        else:
            _pause(heartbeat)
        heartbeat.updated_at = now
    session.flush()
    return BulkResult(
        done=[i for i in ids if i in by_id],
        not_found=[i for i in ids if i not in by_id] + malformed,
    )


def delete_heartbeat(session: Session, heartbeat_id: str, now: datetime) -> None:
    """Delete a heartbeat: its check-in URL answers 404 from the commit on; its
    rollups and flips go with it (ON DELETE CASCADE) and its events are purged in
    the background (see core/purge.py)."""
    heartbeat = get_heartbeat(session, heartbeat_id, for_update=True)
    session.exec(delete(Heartbeat).where(col(Heartbeat.id) == heartbeat.id))
    queue_purge(session, [heartbeat.id], now)


def delete_heartbeats(session: Session, heartbeat_ids: Iterable[str], now: datetime, *,
                      by: IdKind = "id") -> BulkResult:
    """Delete many heartbeats (as ``delete_heartbeat``), named by ``by`` (row, check-in or
    public id); malformed and unknown ids are reported in ``not_found``."""
    ids, malformed = _unique_ids(heartbeat_ids, by)
    found = _locked(session, ids, by=by)
    named = {getattr(hb, by): hb.id for hb in found}
    existing = set(named)
    row_ids = sorted(named.values())
    for start in range(0, len(row_ids), _CHUNK):
        session.exec(delete(Heartbeat).where(col(Heartbeat.id).in_(row_ids[start : start + _CHUNK])))
    queue_purge(session, row_ids, now)
    return BulkResult(
        done=[i for i in ids if i in existing],
        not_found=[i for i in ids if i not in existing] + malformed,
    )
