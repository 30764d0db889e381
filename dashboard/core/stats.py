"""Per-bucket statistics of a heartbeat, read from the hourly ``event_rollup`` rows.

Raw events are never scanned: every bucket width is a whole number of hours,
so a bucket is the sum of its hour rows, grouped in SQL with integer
arithmetic.  30 days at 1 h is at most 720 index-adjacent rows, however many
events the heartbeat has.

Buckets are aligned to the Unix epoch (bucket start = floor(t / width) * width)
and a bucket always counts all of its hours: the requested [start, end) is
rounded out to bucket boundaries, from the bucket containing ``start`` to the
one containing the last microsecond before ``end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from dashboard.core.errors import Invalid, TooLarge
from dashboard.core.heartbeats import get_heartbeat
from dashboard.timeutil import HOUR, from_micros, to_micros

EPOCH = from_micros(0)
INTERVAL_HOURS = {"1h": 1, "3h": 3, "12h": 12, "1d": 24, "3d": 72, "7d": 168, "30d": 720}
DEFAULT_SPAN = timedelta(hours=24)
MAX_BUCKETS = 1000

# ``hour_start >= :first`` makes the subtraction non-negative, so integer
# division truncates the same way (towards the floor) on SQLite and PostgreSQL.
_BUCKET_SUMS = text(
    "SELECT (hour_start - :first) / :width AS bucket, SUM(tick_count), SUM(run_count), "
    "SUM(complete_count), SUM(fail_count), SUM(miss_count), SUM(timeout_count), SUM(log_count), "
    "SUM(skip_count), SUM(duration_total_ms), SUM(duration_count) FROM event_rollup "
    "WHERE heartbeat_id = :heartbeat_id AND hour_start >= :first AND hour_start < :stop "
    "GROUP BY bucket"
)


@dataclass(frozen=True)
class Bucket:
    """Counts for [start, start + width).

    ``fail_count`` counts ``fail`` events, ``miss_count`` and ``timeout_count``
    the detector's misses and run timeouts; ``failure_count`` is all three,
    which is what the API calls ``fail_count``.  ``skip`` and ``log`` events are
    neither success nor failure.
    ``uptime_ratio`` is the good share of the results that say whether the job
    is healthy: (tick + complete) / (tick + complete + every failure), None when
    the bucket has none of those (``run`` alone says nothing either way).
    ``avg_duration_ms`` is the mean over complete/fail events that carried a
    duration, None without any.
    """

    start: datetime
    tick_count: int = 0
    run_count: int = 0
    complete_count: int = 0
    fail_count: int = 0
    miss_count: int = 0
    timeout_count: int = 0
    log_count: int = 0
    skip_count: int = 0
    uptime_ratio: float | None = None
    avg_duration_ms: float | None = None

    @property
    def failure_count(self) -> int:
        """Every failure, reported or detected."""
        return self.fail_count + self.miss_count + self.timeout_count


def _bucket(start_micros: int, sums: tuple[int, ...]) -> Bucket:
    tick, run, complete, fail, miss, timeout, log, skip, duration_total, duration_count = sums
    good, bad = tick + complete, fail + miss + timeout
    return Bucket(
        start=from_micros(start_micros),
        tick_count=tick,
        run_count=run,
        complete_count=complete,
        fail_count=fail,
        miss_count=miss,
        timeout_count=timeout,
        log_count=log,
        skip_count=skip,
        uptime_ratio=good / (good + bad) if good + bad else None,
        avg_duration_ms=duration_total / duration_count if duration_count else None,
    )


def bucket_range(interval: str, start: datetime, end: datetime) -> tuple[int, int, int]:
    """(first bucket start, bucket width, bucket count), all in epoch microseconds.

    Raises ``Invalid`` for an unknown interval or an empty or pre-1970 range and
    ``TooLarge`` beyond ``MAX_BUCKETS`` buckets.
    """
    hours = INTERVAL_HOURS.get(interval)
    if hours is None:
        raise Invalid("interval", f"must be one of {', '.join(INTERVAL_HOURS)}")
    start_micros, end_micros = to_micros(start), to_micros(end)
    if start_micros >= end_micros:
        raise Invalid("start_date", "must be before end_date")
    width = hours * HOUR
    first = start_micros // width * width
    last = (end_micros - 1) // width * width
    if first < 0:
        raise Invalid("start_date", "must not be before 1970-01-01T00:00:00Z")
    count = (last - first) // width + 1
    if count > MAX_BUCKETS:
        raise TooLarge(
            f"the range spans {count} buckets of {interval}; at most {MAX_BUCKETS} are returned at once, "
            "use a wider interval or a shorter range"
        )
    return first, width, count


def heartbeat_statistics(
    session: Session,
    heartbeat_id: str,
    *,
    now: datetime,
    interval: str = "1h",
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Bucket]:
    """Every bucket of [start, end) rounded out to whole buckets, empty ones as zeros.

    Defaults: ``end`` = ``now``, ``start`` = ``end`` - 24 h.
    """
    end = end if end is not None else now
    if end <= EPOCH:
        raise Invalid("end_date", "must be after 1970-01-01T00:00:00Z")
    start = start if start is not None else end - DEFAULT_SPAN
    heartbeat = get_heartbeat(session, heartbeat_id)
    first, width, count = bucket_range(interval, start, end)
    params = {"heartbeat_id": heartbeat.id, "first": first, "width": width, "stop": first + count * width}
    # PostgreSQL returns SUM(bigint) as numeric: normalise to int.
    sums = {int(row[0]): tuple(int(v) for v in row[1:]) for row in session.connection().execute(_BUCKET_SUMS, params)}
    empty = (0,) * 10
    return [_bucket(first + i * width, sums.get(i, empty)) for i in range(count)]
