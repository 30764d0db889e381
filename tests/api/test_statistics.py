"""/api/v1/heartbeat/{id}/statistic: hand-computed buckets from hourly rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from dashboard.models import Heartbeat
from tests.factories import add_events, make_heartbeat, make_service

UTC = UTC


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def zero(start: str) -> dict[str, object]:
    return {
        "received_at": start,
        "tick_count": 0,
        "run_count": 0,
        "complete_count": 0,
        "fail_count": 0,
        "miss_count": 0,
        "timeout_count": 0,
        "skip_count": 0,
        "log_count": 0,
        "uptime_ratio": None,
        "avg_duration_ms": None,
    }


@pytest.fixture
def heartbeat(engine: Engine) -> Heartbeat:
    return make_heartbeat(engine, make_service(engine).id)


@pytest.fixture
def heartbeat_id(heartbeat: Heartbeat) -> str:
    """The row id events are written against."""
    return heartbeat.id


@pytest.fixture
def ping_id(heartbeat: Heartbeat) -> str:
    """The id API paths name it by (a read-write key sees the check-in id)."""
    return heartbeat.ping_id


def stats(client: TestClient, ping_id: str, **params: str) -> list[dict[str, object]]:
    response = client.get(f"/api/v1/heartbeat/{ping_id}/statistic", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_hourly_buckets_with_misses_counted_as_failures(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str) -> None:
    add_events(
        engine,
        heartbeat_id,
        [
            ("tick", at(2, 10, 0)),
            ("tick", at(2, 10, 59)),
            ("run", at(2, 12, 0)),
            ("fail", at(2, 12, 5), 300_000),
            ("miss", at(2, 12, 30)),
            ("miss", at(2, 12, 45)),
        ],
    )
    buckets = stats(
        client, ping_id, interval="1h", start_date="2026-11-02T10:00:00Z", end_date="2026-11-02T13:00:00Z"
    )
    assert buckets == [
        {**zero("2026-11-02T10:00:00.000000Z"), "tick_count": 2, "uptime_ratio": 1.0},
        zero("2026-11-02T11:00:00.000000Z"),
        {
            **zero("2026-11-02T12:00:00.000000Z"),
            "run_count": 1,
            "fail_count": 3,
            "miss_count": 2,
            "uptime_ratio": 0.0,
            "avg_duration_ms": 300_000.0,
        },
    ]


def test_three_hour_buckets_group_hours_from_the_epoch(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str) -> None:
    add_events(
        engine,
        heartbeat_id,
        [
            ("complete", at(2, 3, 0), 1000),
            ("complete", at(2, 4, 10), 2000),
            ("tick", at(2, 5, 59)),
            ("fail", at(2, 6, 0)),
            ("tick", at(2, 8, 0)),
        ],
    )
    # 04:30 lies in the 03:00 bucket and 07:00 in the 06:00 one: both are returned whole.
    buckets = stats(
        client, ping_id, interval="3h", start_date="2026-11-02T04:30:00Z", end_date="2026-11-02T07:00:00Z"
    )
    assert buckets == [
        {
            **zero("2026-11-02T03:00:00.000000Z"),
            "tick_count": 1,
            "complete_count": 2,
            "uptime_ratio": 1.0,
            "avg_duration_ms": 1500.0,
        },
        {**zero("2026-11-02T06:00:00.000000Z"), "tick_count": 1, "fail_count": 1, "uptime_ratio": 0.5},
    ]


def test_the_end_is_exclusive(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str) -> None:
    add_events(engine, heartbeat_id, [("tick", at(2, 12, 0))])
    buckets = stats(client, ping_id, start_date="2026-11-02T10:00:00Z", end_date="2026-11-02T12:00:00Z")
    assert [b["received_at"] for b in buckets] == ["2026-11-02T10:00:00.000000Z", "2026-11-02T11:00:00.000000Z"]
    assert all(b["tick_count"] == 0 for b in buckets)


def test_defaults_are_hourly_over_the_last_day(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str) -> None:
    add_events(engine, heartbeat_id, [("tick", at(1, 12, 0)), ("tick", at(2, 11, 59)), ("tick", at(1, 11, 59))])
    with time_machine.travel(at(2, 12), tick=False):
        buckets = stats(client, ping_id)
    assert len(buckets) == 24
    assert (buckets[0]["received_at"], buckets[-1]["received_at"]) == (
        "2026-11-01T12:00:00.000000Z",
        "2026-11-02T11:00:00.000000Z",
    )
    assert (buckets[0]["tick_count"], buckets[-1]["tick_count"]) == (1, 1)
    assert sum(b["tick_count"] for b in buckets) == 2  # type: ignore[misc]


def test_one_day_buckets_with_only_a_start(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str) -> None:
    add_events(engine, heartbeat_id, [("tick", at(1, 23, 0)), ("tick", at(2, 0, 0)), ("miss", at(2, 13, 0))])
    with time_machine.travel(at(2, 14), tick=False):
        buckets = stats(client, ping_id, interval="1d", start_date="2026-11-01T06:00:00Z")
    assert [(b["received_at"], b["tick_count"], b["fail_count"]) for b in buckets] == [
        ("2026-11-01T00:00:00.000000Z", 1, 0),
        ("2026-11-02T00:00:00.000000Z", 1, 1),
    ]


def test_exactly_1000_buckets_are_allowed(client: TestClient, ping_id: str) -> None:
    buckets = stats(
        client,
        ping_id,
        interval="1h",
        start_date="2026-01-01T00:00:00Z",
        end_date=(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=1000)).isoformat(),
    )
    assert len(buckets) == 1000


def test_more_than_1000_buckets_is_a_400(client: TestClient, heartbeat_id: str, ping_id: str) -> None:
    response = client.get(
        f"/api/v1/heartbeat/{ping_id}/statistic",
        params={"interval": "1h", "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-03-01T00:00:00Z"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "1000" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"interval": "2h"}, "interval"),
        ({"interval": "1H"}, "interval"),
        ({"start_date": "soon"}, "start_date"),
        ({"end_date": "2026-02-30T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-11-02T12:00:00Z", "end_date": "2026-11-02T12:00:00Z"}, "start_date"),
        ({"start_date": "2026-11-03T00:00:00Z", "end_date": "2026-11-02T00:00:00Z"}, "start_date"),
        ({"start_date": "1969-12-31T00:00:00Z", "end_date": "1970-01-02T00:00:00Z"}, "start_date"),
        ({"end_date": "0001-01-01T00:00:00Z"}, "end_date"),
    ],
)
def test_bad_parameters_are_422(client: TestClient, heartbeat_id: str, ping_id: str, params: dict[str, str], field: str) -> None:
    response = client.get(f"/api/v1/heartbeat/{ping_id}/statistic", params=params)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [field]
