"""A heartbeat's event feed, read through the (heartbeat_id, received_at, id) index.

Events are ordered by (received_at, id).  Without a cursor the newest events
come first; with one the feed pages forward, oldest first, strictly after the
cursor, so passing the last item's ``received_at`` and ``id`` back returns every
event exactly once even when many share a timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, and_, col, or_, select

from dashboard.core.errors import Invalid, NotFound
from dashboard.core.heartbeats import get_heartbeat
from dashboard.models import JOB_RESULTS, Event, Flip, Heartbeat

MAX_LIMIT = 1000


def list_events(
    session: Session,
    heartbeat_id: str,
    *,
    limit: int = 50,
    after: datetime | None = None,
    after_id: int | None = None,
) -> list[Event]:
    """Up to ``limit`` events of a heartbeat.

    ``after`` alone: events received strictly after it.  ``after`` with
    ``after_id``: events strictly after the pair (after, after_id).  Neither:
    the newest events, newest first.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    if after_id is not None and after is None:
        raise Invalid("last_id", "needs last_received_at: it only breaks ties between equal timestamps")
    heartbeat = get_heartbeat(session, heartbeat_id)
    received_at, event_id = col(Event.received_at), col(Event.id)
    query = select(Event).where(col(Event.heartbeat_id) == heartbeat.id)
    if after is None:
        return list(session.exec(query.order_by(received_at.desc(), event_id.desc()).limit(limit)))

    if after_id is None:
        query = query.where(received_at > after)
    else:
        # Spelled without row values so SQLite and PostgreSQL both seek the index:
        # the ">=" conjunct bounds the range scan, the OR only filters its first rows.
        query = query.where(
            received_at >= after,
            or_(received_at > after, and_(received_at == after, event_id > after_id)),
        )
    return list(session.exec(query.order_by(received_at, event_id).limit(limit)))


def events_before(
    session: Session,
    heartbeat_id: str,
    *,
    before: datetime,
    before_id: int,
    limit: int = 50,
) -> list[Event]:
    """Up to ``limit`` events strictly older than (before, before_id), newest first.

    The backward twin of ``list_events``' forward paging, for the feed's
    "load older" button; same index, same tie-breaking on ``id``.
    """
    heartbeat = get_heartbeat(session, heartbeat_id)
    received_at, event_id = col(Event.received_at), col(Event.id)
    query = (
        select(Event)
        .where(
            col(Event.heartbeat_id) == heartbeat.id,
            received_at <= before,
            or_(received_at < before, and_(received_at == before, event_id < before_id)),
        )
        .order_by(received_at.desc(), event_id.desc())
        .limit(limit)
    )
    return list(session.exec(query))



# --- check-ins numbered as Healthchecks numbers pings -------------------------------

MAX_NUMBERED = 1000  # how far back a ping can be found by its number


@dataclass(frozen=True)
class NumberedPing:
    """A check-in event and its number: the heartbeat's n-th check-in ever (the newest is ``n_pings``)."""

    event: Event
    n: int


def numbered_pings(session: Session, heartbeat_id: str, *, limit: int = 100) -> list[NumberedPing]:
    """The newest ``limit`` check-ins (detector events left out), newest first, numbered.

    The heartbeat's counter is read in the same statement as the events, so the
    numbers agree with them even while check-ins arrive.
    """
    if not 1 <= limit <= MAX_NUMBERED:
        raise Invalid("limit", f"must be between 1 and {MAX_NUMBERED}")
    heartbeat = get_heartbeat(session, heartbeat_id)
    query = (
        select(Event, Heartbeat.n_pings)
        .join(Heartbeat, col(Heartbeat.id) == col(Event.heartbeat_id))
        .where(col(Event.heartbeat_id) == heartbeat.id, col(Event.result).in_(JOB_RESULTS))
        .order_by(col(Event.received_at).desc(), col(Event.id).desc())
        .limit(limit)
    )
    return [NumberedPing(event, n_pings - index) for index, (event, n_pings) in enumerate(session.exec(query))]


def ping_by_number(session: Session, heartbeat_id: str, n: int) -> Event:
    """The heartbeat's ``n``-th check-in, among the newest ``MAX_NUMBERED``; NotFound otherwise."""
    heartbeat = get_heartbeat(session, heartbeat_id)
    back = heartbeat.n_pings - n
    if n < 1 or not 0 <= back < MAX_NUMBERED:
        raise NotFound("no such ping (only the newest 1000 can be read)")
    for ping in numbered_pings(session, heartbeat.id, limit=min(MAX_NUMBERED, back + 10)):
        if ping.n == n:
            return ping.event
    raise NotFound("no such ping (it may have been pruned)")


# --- status changes ----------------------------------------------------------------

MAX_FLIPS = 1000


def list_flips(session: Session, heartbeat_id: str, *, since: datetime | None = None,
               until: datetime | None = None, limit: int = MAX_FLIPS) -> list[Flip]:
    """The heartbeat's status changes in [since, until), newest first, at most ``limit``."""
    heartbeat = get_heartbeat(session, heartbeat_id)
    query = select(Flip).where(col(Flip.heartbeat_id) == heartbeat.id)
    if since is not None:
        query = query.where(col(Flip.created_at) >= since)
    if until is not None:
        query = query.where(col(Flip.created_at) < until)
    return list(session.exec(query.order_by(col(Flip.created_at).desc(), col(Flip.id).desc()).limit(limit)))
