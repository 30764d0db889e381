"""Healthchecks' pings, ping bodies, flips, channels and badges lists on Lubdub, and the public badges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from tests.factories import ping
from tests.healthchecks.test_checks_api import create


def test_pings_are_numbered_newest_first_with_healthchecks_types(hc: TestClient, engine: Engine, now: datetime) -> None:
    made = create(hc, name="x", timeout=60)
    uuid = made["uuid"]
    ping(engine, uuid, "run", at=now, rid="11111111-1111-4111-8111-111111111111", source_ip="203.0.113.7")
    ping(engine, uuid, "log", at=now + timedelta(seconds=1), message="a log line")
    ping(engine, uuid, "complete", at=now + timedelta(seconds=2, microseconds=500_000),
         rid="11111111-1111-4111-8111-111111111111", exit_code=0)
    ping(engine, uuid, "fail", at=now + timedelta(seconds=3), exit_code=3, message="boom")
    ping(engine, uuid, "skip", at=now + timedelta(seconds=4))
    pings = hc.get(f"/api/v3/checks/{uuid}/pings/").json()["pings"]
    assert [(p["type"], p["n"]) for p in pings] == [("log", 5), ("fail", 4), ("success", 3), ("log", 2), ("start", 1)]
    assert pings[2]["duration"] == 2.5 and pings[2]["rid"] == "11111111-1111-4111-8111-111111111111"
    assert pings[4] == {"type": "start", "date": "2026-11-02T12:00:00+00:00", "n": 1, "scheme": "http",
                        "remote_addr": "203.0.113.7", "method": "GET", "ua": "", "rid": "11111111-1111-4111-8111-111111111111",
                        "body_url": None}
    assert pings[1]["body_url"] == f"http://lubdub.test/api/v3/checks/{uuid}/pings/4/body"
    assert pings[1]["exitstatus"] == 3
    body = hc.get(f"/api/v3/checks/{uuid}/pings/4/body")
    assert (body.status_code, body.text, body.headers["content-type"].split(";")[0]) == (200, "boom", "text/plain")
    assert hc.get(f"/api/v3/checks/{uuid}/pings/2/body").text == "a log line"
    assert hc.get(f"/api/v3/checks/{uuid}/pings/1/body").status_code == 404  # no body
    assert hc.get(f"/api/v3/checks/{uuid}/pings/9999/body").status_code == 404
    assert hc.get(f"/api/v3/checks/{uuid}/pings/99999999999999999999999/body").status_code == 404
    assert hc.get(f"/api/v1/checks/{uuid}/pings").json()["pings"][1]["body_url"].startswith("http://lubdub.test/api/v1/")


def test_numbers_continue_past_pruned_events_and_detector_events_are_not_pings(hc: TestClient, engine: Engine,
                                                                               now: datetime) -> None:
    made = create(hc, name="x", timeout=60)
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("UPDATE heartbeat SET n_pings = 41 WHERE ping_id = :id"), {"id": made["uuid"]})
        conn.execute(text("INSERT INTO event (heartbeat_id, result, message, message_truncated, received_at) "
                          "SELECT id, 'miss', '', false, 1 FROM heartbeat WHERE ping_id = :id"), {"id": made["uuid"]})
    ping(engine, made["uuid"], at=now, message="hello")
    pings = hc.get(f"/api/v3/checks/{made['uuid']}/pings/").json()["pings"]
    assert [(p["type"], p["n"]) for p in pings] == [("success", 42)]
    assert hc.get(f"/api/v3/checks/{made['uuid']}/pings/42/body").text == "hello"


def test_flips_newest_first_filtered_by_seconds_start_end(hc: TestClient, hc_ro: TestClient, engine: Engine) -> None:
    made = create(hc, name="x", timeout=60)
    uuid = made["uuid"]
    base = datetime.now().astimezone() - timedelta(hours=2)
    ping(engine, uuid, "fail", at=base)                          # new → down
    ping(engine, uuid, at=base + timedelta(minutes=30))         # down → up
    ping(engine, uuid, "fail", at=base + timedelta(minutes=90))  # up → down
    flips = hc.get(f"/api/v3/checks/{uuid}/flips/").json()["flips"]
    assert [f["up"] for f in flips] == [0, 1, 0]
    assert flips[2]["timestamp"] == base.astimezone(UTC).replace(microsecond=0).isoformat()
    assert [f["up"] for f in hc.get(f"/api/v3/checks/{uuid}/flips/?seconds=3600").json()["flips"]] == [0]
    start = int((base + timedelta(minutes=10)).timestamp())
    end = int((base + timedelta(minutes=60)).timestamp())
    assert [f["up"] for f in hc.get(f"/api/v3/checks/{uuid}/flips/?start={start}&end={end}").json()["flips"]] == [1]
    assert hc.get(f"/api/v3/checks/{uuid}/flips/?seconds=0").json()["flips"] == flips
    unique_key = hc_ro.get("/api/v3/checks/").json()["checks"][0]["unique_key"]
    assert hc_ro.get(f"/api/v3/checks/{unique_key}/flips/").json()["flips"] == flips
    for bad in ("seconds=abc", "seconds=31536001", "seconds=-1", "start=-5", "start=1.5", "start=2020-01-01",
                "end=10000000001"):
        response = hc.get(f"/api/v3/checks/{uuid}/flips/?{bad}")
        assert response.status_code == 400 and bad.split("=")[0] in response.json()["error"], bad


@pytest.fixture
def site(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The whole app (badges live outside /api)."""
    monkeypatch.setenv("__REFLEX_SKIP_COMPILE", "true")
    from dashboard.dashboard import app

    with TestClient(app()) as client:
        yield client


def test_badges_per_tag_and_per_check(hc: TestClient, engine: Engine, site: TestClient, now: datetime) -> None:
    web = create(hc, name="web", tags="prod www", timeout=60)
    db = create(hc, name="db", tags="prod db", timeout=60)
    ping(engine, web["uuid"])
    ping(engine, db["uuid"], "fail")
    listed = hc.get("/api/v3/badges/").json()["badges"]
    assert list(listed) == ["*", "db", "prod", "www"]
    assert set(listed["prod"]) == {"svg", "svg3", "json", "json3", "shields", "shields3"}

    def get(url: str):  # type: ignore[no-untyped-def]
        return site.get(url.removeprefix("http://lubdub.test"))

    assert get(listed["prod"]["json"]).json() == {"status": "down", "total": 2, "grace": 0, "down": 1}
    assert get(listed["www"]["json3"]).json() == {"status": "up", "total": 1, "grace": 0, "down": 0}
    assert get(listed["db"]["shields"]).json() == {"schemaVersion": 1, "label": "db", "message": "down",
                                                   "color": "critical"}
    svg = get(listed["*"]["svg"])
    assert svg.headers["content-type"] == "image/svg+xml" and "project" in svg.text and "down" in svg.text
    assert svg.headers["access-control-allow-origin"] == "*"
    forged = listed["prod"]["json"].replace("/prod.json", "/db.json")
    assert get(forged).status_code == 404
    one = get(web["badge_url"])
    assert one.status_code == 200 and ">web<" in one.text and ">up<" in one.text
    assert site.get("/badge/" + "0" * 40 + ".svg").status_code == 404
    assert site.post(web["badge_url"].removeprefix("http://lubdub.test")).status_code == 405


def test_an_unlimited_key_gets_badges_over_every_service(keyed, project: str, site: TestClient) -> None:  # type: ignore[no-untyped-def]
    admin = keyed("admin")
    create(admin, name="a", tags="t", service="project")
    create(admin, name="b", tags="t")
    listed = admin.get("/api/v3/badges/").json()["badges"]
    assert "/badge/all/" in listed["t"]["json"]
    assert site.get(listed["t"]["json"].removeprefix("http://lubdub.test")).json()["total"] == 2
