"""Cron heartbeats through the API: fields, validation, switching kinds, preview."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from tests.factories import make_service, ping


@pytest.fixture
def service_id(engine: Engine) -> str:
    return make_service(engine).id


def create(client: TestClient, service_id: str, **fields: Any) -> Any:
    return client.post("/api/v1/heartbeat", json={"service_id": service_id, "name": "nightly", **fields})


def test_a_cron_heartbeat_carries_schedule_timezone_limit_and_slug(client: TestClient, service_id: str) -> None:
    response = create(client, service_id, schedule="30 2 * * *", timezone="Europe/Berlin", grace=600,
                      max_runtime=3600, slug="nightly-backup")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["interval"], body["schedule"], body["timezone"]) == (None, "30 2 * * *", "Europe/Berlin")
    assert (body["max_runtime"], body["slug"], body["runs_in_progress"]) == (3600, "nightly-backup", [])
    assert client.get(f"/api/v1/heartbeat/{body['id']}").json() == body


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"schedule": "61 * * * *"}, "schedule", "minute 61 is out of range 0-59"),
    ({"schedule": "0 0 30 2 *"}, "schedule", "never fires: February has no day 30"),
    ({"schedule": "* * *"}, "schedule", "needs 5 fields (minute hour day-of-month month day-of-week), got 3"),
    ({"schedule": "0 3 * * *", "timezone": "Mars/Base"}, "timezone",
     "unknown time zone 'Mars/Base'; use an IANA name such as Europe/Berlin"),
    ({"schedule": "0 3 * * *", "max_runtime": 5}, "max_runtime", "must be at least 10"),
    ({"schedule": "0 3 * * *", "slug": "Has Caps"}, "slug", "must be 1 to 100 lowercase letters, digits, - or _"),
    ({"schedule": 5}, "schedule", "must be a string"),
])
def test_bad_fields_are_named_with_the_reason(client: TestClient, service_id: str, fields: dict[str, Any],
                                              field: str, reason: str) -> None:
    response = create(client, service_id, **fields)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: reason}
    assert client.get(f"/api/v1/service/{service_id}/heartbeats").json()["total"] == 0


def test_switching_kinds_works_both_ways(client: TestClient, engine: Engine, service_id: str) -> None:
    heartbeat = create(client, service_id, interval=3600).json()
    url = f"/api/v1/heartbeat/{heartbeat['id']}"
    to_cron = client.put(url, json={"schedule": "@daily", "timezone": "Asia/Tokyo"}).json()
    assert (to_cron["interval"], to_cron["schedule"], to_cron["timezone"]) == (None, "@daily", "Asia/Tokyo")
    refused = client.put(url, json={"schedule": None})
    assert refused.status_code == 422 and set(refused.json()["error"]["fields"]) == {"interval"}
    both = client.put(url, json={"schedule": "0 1 * * *", "interval": 60})
    assert both.status_code == 422 and set(both.json()["error"]["fields"]) == {"schedule"}
    back = client.put(url, json={"interval": 120}).json()
    assert (back["interval"], back["schedule"]) == (120, None)
    cleared = client.put(url, json={"max_runtime": 60, "slug": "x"}).json()
    assert (cleared["max_runtime"], cleared["slug"]) == (60, "x")
    cleared = client.put(url, json={"max_runtime": None, "slug": None}).json()
    assert (cleared["max_runtime"], cleared["slug"]) == (None, None)


def test_a_cron_heartbeat_is_due_at_its_next_slot_after_a_check_in(client: TestClient, engine: Engine,
                                                                   service_id: str) -> None:
    heartbeat = create(client, service_id, schedule="0 9 * * 1-5", timezone="America/New_York").json()
    ping(engine, heartbeat["id"], at=datetime.fromisoformat("2026-03-06T14:30:00+00:00"))  # Friday 09:30 EST
    with time_machine.travel(datetime.fromisoformat("2026-03-07T00:00:00+00:00"), tick=False):
        body = client.get(f"/api/v1/heartbeat/{heartbeat['id']}").json()
    # Monday 09:00 — daylight saving starts on 2026-03-08, so that is 13:00 UTC.
    assert (body["status"], body["next_due_at"]) == ("up", "2026-03-09T13:00:00.000000Z")


def test_slugs_are_unique_within_a_service(client: TestClient, engine: Engine, service_id: str) -> None:
    assert create(client, service_id, interval=60, slug="db-backup").status_code == 201
    duplicate = client.post("/api/v1/heartbeat", json={"service_id": service_id, "name": "other", "interval": 60,
                                                        "slug": "db-backup"})
    assert duplicate.status_code == 409 and "slug" in duplicate.json()["error"]["message"]
    elsewhere = make_service(engine, "elsewhere").id
    assert client.post("/api/v1/heartbeat", json={"service_id": elsewhere, "name": "other", "interval": 60,
                                                   "slug": "db-backup"}).status_code == 201


def test_open_runs_are_listed(client: TestClient, engine: Engine, service_id: str) -> None:
    heartbeat = create(client, service_id, interval=3600).json()
    ping(engine, heartbeat["id"], "run", at=datetime.fromisoformat("2026-03-06T14:30:00+00:00"), rid="a")
    ping(engine, heartbeat["id"], "run", at=datetime.fromisoformat("2026-03-06T14:31:00+00:00"))
    runs = client.get(f"/api/v1/heartbeat/{heartbeat['id']}").json()["runs_in_progress"]
    assert runs == [
        {"rid": "a", "started_at": "2026-03-06T14:30:00.000000Z", "timed_out": False},
        {"rid": None, "started_at": "2026-03-06T14:31:00.000000Z", "timed_out": False},
    ]


# --- preview -------------------------------------------------------------------------


def test_the_preview_lists_slots_in_utc_and_describes_the_schedule(client: TestClient) -> None:
    response = client.get("/api/v1/schedule/preview", params={
        "schedule": "30 2 * * *", "timezone": "Europe/Berlin", "after": "2025-03-29T12:00:00Z", "count": 3})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "slots": ["2025-03-30T01:00:00.000000Z", "2025-03-31T00:30:00.000000Z", "2025-04-01T00:30:00.000000Z"],
        "description": "At 02:30, every day",
        "skipped": [],
    }


def test_preview_slots_are_strictly_after_after(client: TestClient) -> None:
    body = client.get("/api/v1/schedule/preview", params={"schedule": "0 * * * *", "after": "2026-01-01T10:00:00Z",
                                                          "count": 1}).json()
    assert body["slots"] == ["2026-01-01T11:00:00.000000Z"]


def test_preview_defaults_to_five_slots_from_now(client: TestClient) -> None:
    with time_machine.travel(datetime.fromisoformat("2026-05-05T05:05:00+00:00"), tick=False):
        body = client.get("/api/v1/schedule/preview", params={"schedule": "@hourly"}).json()
    assert body["slots"] == [f"2026-05-05T{h:02d}:00:00.000000Z" for h in range(6, 11)]


@pytest.mark.parametrize(("params", "field"), [
    ({"schedule": "61 * * * *"}, "schedule"),
    ({"schedule": "* * * * *", "timezone": "Nowhere"}, "timezone"),
    ({"schedule": "* * * * *", "count": 51}, "count"),
    ({"schedule": "* * * * *", "count": 0}, "count"),
    ({"schedule": "* * * * *", "after": "yesterday"}, "after"),
    ({}, "schedule"),
    ({"schedule": "x" * 101}, "schedule"),
])
def test_preview_errors_name_the_parameter(client: TestClient, params: dict[str, Any], field: str) -> None:
    response = client.get("/api/v1/schedule/preview", params=params)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {field}


def test_preview_needs_a_key(anon: TestClient) -> None:
    assert anon.get("/api/v1/schedule/preview", params={"schedule": "@daily"}).status_code == 401


def test_days_off_are_for_cron_heartbeats_and_validated(client: TestClient, service_id: str) -> None:
    ok = create(client, service_id, schedule="0 9 * * 1-5", timezone="Europe/Berlin", holidays="de-by",
                skip_dates=["2026-12-31", "2026-12-24", "2026-12-31"])
    assert ok.status_code == 201, ok.text
    assert (ok.json()["holidays"], ok.json()["skip_dates"]) == ("DE-BY", ["2026-12-24", "2026-12-31"])
    for fields, field, reason in [
        ({"interval": 60, "holidays": "DE"}, "holidays", "applies to cron heartbeats only: give a schedule"),
        ({"schedule": "@daily", "holidays": "ZZ"}, "holidays",
         "unknown country 'ZZ'; use an ISO 3166 code such as DE, or DE-BY for a region"),
        ({"schedule": "@daily", "holidays": "DE-XX"}, "holidays", None),
        ({"schedule": "@daily", "skip_dates": ["2026-02-30"]}, "skip_dates", "'2026-02-30' is not a date like 2026-12-24"),
        ({"schedule": "@daily", "skip_dates": "2026-01-01"}, "skip_dates", "must be a list"),
    ]:
        response = client.post("/api/v1/heartbeat", json={"service_id": service_id, "name": f"x{field}", **fields})
        assert response.status_code == 422, fields
        assert set(response.json()["error"]["fields"]) == {field}
        if reason:
            assert response.json()["error"]["fields"][field] == reason
    # Switching to an interval drops the days off with the schedule.
    back = client.put(f"/api/v1/heartbeat/{ok.json()['id']}", json={"interval": 3600}).json()
    assert (back["holidays"], back["skip_dates"]) == (None, [])


def test_the_preview_leaves_out_days_off_and_says_why(client: TestClient) -> None:
    body = client.get("/api/v1/schedule/preview", params={
        "schedule": "0 9 * * *", "timezone": "Europe/Berlin", "holidays": "DE", "skip_dates": "2026-12-27",
        "after": "2026-12-23T12:00:00Z", "count": 3}).json()
    assert body["slots"] == ["2026-12-24T08:00:00.000000Z", "2026-12-28T08:00:00.000000Z", "2026-12-29T08:00:00.000000Z"]
    assert body["skipped"] == [
        {"slot": "2026-12-25T08:00:00.000000Z", "reason": "Christmas Day (DE)"},
        {"slot": "2026-12-26T08:00:00.000000Z", "reason": "Second Day of Christmas (DE)"},
        {"slot": "2026-12-27T08:00:00.000000Z", "reason": "skip date"},
    ]
    bad = client.get("/api/v1/schedule/preview", params={"schedule": "@daily", "holidays": "Atlantis"})
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"holidays"}
