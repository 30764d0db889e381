"""/api/v1/heartbeat/{id}/events: newest first, or paging forward exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from dashboard.models import Heartbeat
from tests.factories import add_events, make_heartbeat, make_service

US = timedelta(microseconds=1)


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


def test_newest_first_by_default(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str, now: datetime) -> None:
    add_events(engine, heartbeat_id, [("run", now), ("complete", now + timedelta(seconds=90), 90_000), ("tick", now)])
    response = client.get(f"/api/v1/heartbeat/{ping_id}/events")
    assert response.status_code == 200
    feed = response.json()
    assert [e["result"] for e in feed] == ["complete", "tick", "run"]
    assert feed[0] == {
        "id": feed[0]["id"],
        "heartbeat_id": ping_id,
        "result": "complete",
        "message": "",
        "message_truncated": False,
        "received_at": "2026-11-02T12:01:30.000000Z",
        "method": "GET",
        "source_ip": None,
        "user_agent": None,
        "duration_ms": 90_000,
        "exit_code": None,
        "rid": None,
    }
    assert [e["result"] for e in client.get(f"/api/v1/heartbeat/{ping_id}/events?limit=2").json()] == [
        "complete",
        "tick",
    ]


def test_an_empty_feed_is_an_empty_array(client: TestClient, heartbeat_id: str, ping_id: str) -> None:
    assert client.get(f"/api/v1/heartbeat/{ping_id}/events").json() == []


def test_paging_forward_returns_every_event_exactly_once(
    client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str, now: datetime
) -> None:
    # 1,000 events over only 5 distinct timestamps, inserted out of order.
    add_events(engine, heartbeat_id, [("tick", now + (i * 7 % 5) * US) for i in range(1000)])
    url = f"/api/v1/heartbeat/{ping_id}/events"
    seen: list[dict[str, object]] = []
    params: dict[str, object] = {"limit": 64, "last_received_at": "2026-11-02T11:59:59Z"}
    while page := client.get(url, params=params).json():
        seen.extend(page)
        params = {"limit": 64, "last_received_at": page[-1]["received_at"], "last_id": page[-1]["id"]}
    assert len(seen) == 1000
    assert len({e["id"] for e in seen}) == 1000
    keys = [(e["received_at"], e["id"]) for e in seen]
    assert keys == sorted(keys)


def test_the_time_cursor_alone_is_strictly_after(
    client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str, now: datetime
) -> None:
    add_events(engine, heartbeat_id, [("run", now), ("tick", now + US), ("fail", now + 2 * US)])
    url = f"/api/v1/heartbeat/{ping_id}/events"
    after = client.get(url, params={"last_received_at": "2026-11-02T12:00:00.000000Z"}).json()
    assert [e["result"] for e in after] == ["tick", "fail"]
    # A timestamp without an offset is UTC; other offsets are converted.
    naive = client.get(url, params={"last_received_at": "2026-11-02T12:00:00.000001"}).json()
    offset = client.get(url, params={"last_received_at": "2026-11-02T13:00:00.000001+01:00"}).json()
    assert [e["result"] for e in naive] == [e["result"] for e in offset] == ["fail"]


def test_the_id_cursor_breaks_ties(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str, now: datetime) -> None:
    add_events(engine, heartbeat_id, [("run", now), ("tick", now), ("fail", now)])
    url = f"/api/v1/heartbeat/{ping_id}/events"
    everything = client.get(url, params={"last_received_at": "2026-11-02T11:00:00Z"}).json()
    first = everything[0]
    rest = client.get(url, params={"last_received_at": first["received_at"], "last_id": first["id"]}).json()
    assert [e["id"] for e in rest] == [e["id"] for e in everything[1:]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"last_received_at": "yesterday"}, "last_received_at"),
        ({"last_received_at": "2026-13-01T00:00:00Z"}, "last_received_at"),
        ({"last_received_at": "0001-01-01T00:00:00+01:00"}, "last_received_at"),
        ({"last_received_at": "2026-11-02T12:00:00Z", "last_id": -1}, "last_id"),
        ({"last_received_at": "2026-11-02T12:00:00Z", "last_id": 2**63}, "last_id"),
        ({"last_id": 5}, "last_id"),
    ],
)
def test_bad_parameters_are_422(client: TestClient, heartbeat_id: str, ping_id: str, params: dict[str, object], field: str) -> None:
    response = client.get(f"/api/v1/heartbeat/{ping_id}/events", params=params)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == [field]


def test_limit_bounds_are_inclusive(client: TestClient, engine: Engine, heartbeat_id: str, ping_id: str, now: datetime) -> None:
    add_events(engine, heartbeat_id, [("tick", now + i * US) for i in range(1001)])
    url = f"/api/v1/heartbeat/{ping_id}/events"
    assert len(client.get(url, params={"limit": 1000}).json()) == 1000
    assert len(client.get(url, params={"limit": 1}).json()) == 1
