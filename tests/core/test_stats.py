"""Statistics buckets from hourly rollups: alignment, rounding out, sums, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from dashboard.core import stats
from dashboard.core.errors import Invalid, TooLarge
from dashboard.db import session_scope
from dashboard.timeutil import to_micros
from tests.factories import add_events, add_rollup, make_heartbeat, make_service

UTC = UTC
H = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_bucket_range_aligns_to_the_epoch_and_rounds_out() -> None:
    first, width, count = stats.bucket_range("3h", at(2, 4, 30), at(2, 10, 1))
    # 3 h buckets from the epoch start at 00, 03, 06, 09 UTC; [04:30, 10:01) touches 03, 06, 09.
    assert (first, width, count) == (to_micros(at(2, 3)), 3 * 3_600_000_000, 3)
    # An end exactly on a boundary excludes the bucket starting there.
    assert stats.bucket_range("1h", at(2, 4), at(2, 6))[2] == 2


def test_thirty_day_buckets_follow_the_epoch_not_the_calendar() -> None:
    first, _, count = stats.bucket_range("30d", at(2, 0), at(3, 0))
    # 2026-11-02 is day 20759 after the epoch; 20759 // 30 * 30 = 20730 -> 2026-10-04.
    assert datetime.fromtimestamp(first / 1e6, UTC) == datetime(2026, 10, 4, tzinfo=UTC)
    assert count == 1


def test_bucket_range_limits() -> None:
    with pytest.raises(Invalid) as unknown:
        stats.bucket_range("2h", at(1, 0), at(2, 0))
    assert unknown.value.field == "interval"
    with pytest.raises(Invalid):
        stats.bucket_range("1h", at(2, 0), at(2, 0))
    assert stats.bucket_range("1h", at(1, 0), at(1, 0) + 1000 * H)[2] == 1000
    with pytest.raises(TooLarge):
        stats.bucket_range("1h", at(1, 0), at(1, 0) + 1000 * H + timedelta(microseconds=1))
    with pytest.raises(Invalid):
        stats.bucket_range("1d", datetime(1969, 12, 31, 23, tzinfo=UTC), at(1, 0))


def test_buckets_sum_their_hours_and_empty_ones_are_zero(engine: Engine) -> None:
    hb = make_heartbeat(engine, make_service(engine).id).id
    add_events(
        engine,
        hb,
        [
            ("tick", at(2, 3, 5)),
            ("tick", at(2, 4, 59)),
            ("run", at(2, 5, 0)),
            ("complete", at(2, 5, 1), 1000),
            ("fail", at(2, 5, 2), 3000),
            ("miss", at(2, 5, 59)),
            ("tick", at(2, 9, 0)),  # outside the range
            ("tick", at(2, 2, 59)),  # outside the range
        ],
    )
    with session_scope(engine) as session:
        buckets = stats.heartbeat_statistics(session, hb, now=at(3, 0), interval="3h", start=at(2, 3), end=at(2, 9))
    assert [b.start for b in buckets] == [at(2, 3), at(2, 6)]
    first, second = buckets
    assert (first.tick_count, first.run_count, first.complete_count) == (2, 1, 1)
    assert (first.fail_count, first.miss_count, first.failure_count) == (1, 1, 2)  # the fail and the miss
    assert first.uptime_ratio == pytest.approx(3 / 5)
    assert first.avg_duration_ms == pytest.approx(2000)
    assert second == stats.Bucket(start=at(2, 6))


def test_defaults_cover_the_last_24_hours(engine: Engine) -> None:
    hb = make_heartbeat(engine, make_service(engine).id).id
    with session_scope(engine) as session:
        add_rollup(session.connection(), hb, to_micros(at(2, 11)), tick=4)
    with session_scope(engine) as session:
        buckets = stats.heartbeat_statistics(session, hb, now=at(2, 12, 30))
    # [01-11 12:30, 11-02 12:30) rounded out to hours: 12:00 .. 12:00 next day = 25 buckets.
    assert len(buckets) == 25
    assert (buckets[0].start, buckets[-1].start) == (at(1, 12), at(2, 12))
    assert [b.tick_count for b in buckets if b.tick_count] == [4]
    assert buckets[-2].start == at(2, 11) and buckets[-2].uptime_ratio == 1.0


def test_run_only_buckets_have_no_uptime_ratio(engine: Engine) -> None:
    hb = make_heartbeat(engine, make_service(engine).id).id
    add_events(engine, hb, [("run", at(2, 3))])
    with session_scope(engine) as session:
        (bucket,) = stats.heartbeat_statistics(session, hb, now=at(3, 0), start=at(2, 3), end=at(2, 4))
    assert (bucket.run_count, bucket.uptime_ratio, bucket.avg_duration_ms) == (1, None, None)
