"""Healthchecks' management API on Lubdub: auth, checks CRUD, upsert, validation, shapes (api/healthchecks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from dashboard.core.alerts.channels import create_channel
from dashboard.core.contracts import ChannelCreate
from dashboard.db import session_scope
from tests.asgi import call
from tests.factories import make_service, make_token, ping

# Healthchecks' field order (Check.to_dict, from a real server's answers).
RW_KEYS = ["name", "slug", "tags", "desc", "grace", "n_pings", "status", "started", "last_ping", "next_ping",
           "manual_resume", "methods", "subject", "subject_fail", "start_kw", "success_kw", "failure_kw",
           "filter_subject", "filter_body", "filter_http_body", "filter_default_fail", "badge_url", "uuid", "ping_url",
           "update_url", "pause_url", "resume_url", "channels"]
RO_KEYS = RW_KEYS[:RW_KEYS.index("uuid")] + ["unique_key"]


def create(client: TestClient, **fields: object) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v3/checks/", json=fields)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def channel(engine: Engine, name: str) -> str:
    with session_scope(engine, write=True) as session:
        return create_channel(session, ChannelCreate(name=name, kind="webhook", config={"url": "http://127.0.0.1:9/"}),
                              datetime.now().astimezone()).id


# --- authentication -------------------------------------------------------------------


def test_keys_come_from_x_api_key_or_a_post_body_never_from_the_query_or_bearer(anon: TestClient, engine: Engine,
                                                                               project: str) -> None:
    token = make_token(engine, "editor", service_id=project)
    assert anon.get("/api/v3/checks/").json() == {"error": "missing api key"}
    assert anon.get("/api/v3/checks/", headers={"X-Api-Key": ""}).json() == {"error": "missing api key"}
    assert anon.get("/api/v3/checks/", headers={"x-api-key": "lbd_nope"}).json() == {"error": "wrong api key"}
    assert anon.get(f"/api/v3/checks/?api_key={token}").status_code == 401
    assert anon.get("/api/v3/checks/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert anon.get("/api/v3/checks/", headers={"X-Api-Key": token}).json() == {"checks": []}
    made = anon.post("/api/v3/checks/", json={"api_key": token, "name": "via body"})
    assert made.status_code == 201 and made.json()["name"] == "via body"
    # An empty header wins over a body key; a body that is not JSON holds no key.
    assert anon.post("/api/v3/checks/", headers={"X-Api-Key": ""}, json={"api_key": token}).status_code == 401
    assert anon.post("/api/v3/checks/", content=b"{nope").json() == {"error": "missing api key"}
    assert anon.delete(f"/api/v3/checks/{made.json()['uuid']}", headers={"content-type": "application/json"}).status_code == 401


def test_a_bad_header_key_is_refused_before_the_body_is_read(api_app: Starlette) -> None:
    answer = call(api_app, "POST", "/api/v3/checks/", chunks=[b'{"name": ', b'"x"}'],
                  headers={"x-api-key": "lbd_unknown", "content-type": "application/json"})
    assert (answer.status, answer.json(), answer.chunks_read) == (401, {"error": "wrong api key"}, 0)


def test_lubdubs_own_v1_keeps_bearer_keys_beside_healthchecks_v1_paths(api_app: Starlette, engine: Engine,
                                                                       project: str) -> None:
    token = make_token(engine, "editor", service_id=project)
    with TestClient(api_app) as client:
        assert client.get("/api/v1/checks/", headers={"X-Api-Key": token}).json() == {"checks": []}
        assert client.get("/api/v1/service", headers={"X-Api-Key": token}).status_code == 401
        assert client.get("/api/v1/service", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert client.get("/api/v2/status/").text == "OK"


# --- create, upsert, shapes -----------------------------------------------------------


def test_create_answers_healthchecks_shape_with_lubdub_values(hc: TestClient, engine: Engine) -> None:
    body = create(hc, name="Backups", slug="backups", tags="prod www prod", desc="Nightly", timeout=3600, grace=60)
    assert list(body) == [*RW_KEYS, "timeout"]
    assert body | {"uuid": None, "ping_url": None, "update_url": None, "pause_url": None, "resume_url": None,
                   "badge_url": None} == {
        "name": "Backups", "slug": "backups", "tags": "prod www", "desc": "Nightly", "grace": 60, "n_pings": 0,
        "status": "new", "started": False, "last_ping": None, "next_ping": None, "manual_resume": False,
        "methods": "", "subject": "", "subject_fail": "", "start_kw": "", "success_kw": "", "failure_kw": "",
        "filter_subject": False, "filter_body": False, "filter_http_body": False, "filter_default_fail": False,
        "badge_url": None, "uuid": None, "ping_url": None, "update_url": None, "pause_url": None, "resume_url": None,
        "channels": "", "timeout": 3600}
    uuid = body["uuid"]
    assert body["ping_url"] == f"http://lubdub.test/ping/{uuid}"
    assert body["update_url"] == f"http://lubdub.test/api/v3/checks/{uuid}"
    assert body["pause_url"].endswith("/pause") and body["resume_url"].endswith("/resume")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT interval, grace, tags, description, methods, manual_resume FROM heartbeat "
                                "WHERE ping_id = :id"), {"id": uuid}).one()
    assert tuple(row) == (3600, 60, "prod www", "Nightly", "GET,POST,HEAD,PUT", False)


def test_an_empty_body_makes_a_daily_check_with_an_hour_of_grace(hc: TestClient) -> None:
    body = create(hc)
    assert (body["timeout"], body["grace"], body["methods"]) == (86400, 3600, "")
    assert body["name"].startswith("unnamed-")


def test_cron_checks_show_schedule_and_tz_and_a_schedule_wins_over_a_timeout(hc: TestClient) -> None:
    body = create(hc, name="dump", schedule="0 3 * * *", tz="Europe/Riga", timeout=60)
    assert list(body) == [*RW_KEYS, "schedule", "tz"]
    assert (body["schedule"], body["tz"]) == ("0 3 * * *", "Europe/Riga")
    back = hc.post(f"/api/v3/checks/{body['uuid']}", json={"timeout": 600}).json()
    assert back["timeout"] == 600 and "schedule" not in back


def test_unique_updates_the_check_with_the_same_values_or_creates_one(hc: TestClient) -> None:
    first = hc.post("/api/v3/checks/", json={"name": "Upsert me", "tags": "up", "unique": ["name"]})
    again = hc.post("/api/v3/checks/", json={"name": "Upsert me", "tags": "up changed", "unique": ["name"]})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["uuid"] == first.json()["uuid"] and again.json()["tags"] == "up changed"
    # A unique field missing from the body means "create".
    other = hc.post("/api/v3/checks/", json={"tags": "x", "unique": ["name"]})
    assert other.status_code == 201 and other.json()["uuid"] != first.json()["uuid"]
    by_tags = hc.post("/api/v3/checks/", json={"name": "other", "tags": "changed  up", "unique": ["tags", "grace"],
                                              "grace": 3600})
    assert by_tags.status_code == 201  # tags are compared as stored ("up changed" ≠ "changed up")


def test_v1_and_v2_derive_the_slug_from_the_name_v3_does_not(hc: TestClient) -> None:
    assert hc.post("/api/v1/checks/", json={"name": "Made Via V1!"}).json()["slug"] == "made-via-v1"
    assert hc.post("/api/v2/checks/", json={"name": "Again", "slug": "explicit"}).json()["slug"] == "explicit"
    made = create(hc, name="Made Via V3")
    assert made["slug"] == ""
    assert hc.post(f"/api/v2/checks/{made['uuid']}", json={"name": "Renamed"}).json()["slug"] == "renamed"


@pytest.mark.parametrize(("body", "error"), [
    ({"timeout": 1.5}, "timeout is not a number"),
    ({"timeout": True}, "timeout is too small"),
    ({"timeout": "60"}, "timeout is not a number"),
    ({"timeout": 31_536_001}, "timeout is too large"),
    ({"grace": 59}, "grace is too small"),
    ({"name": None}, "name is not a string"),
    ({"timeout": None}, "timeout is not a number"),
    ({"name": "x" * 101}, "name is too long"),
    ({"slug": "Bad Slug"}, "slug does not match pattern"),
    ({"methods": "GET"}, "methods has unexpected value"),
    ({"manual_resume": 1}, "manual_resume is not a boolean"),
    ({"unique": "name"}, "unique is not an array"),
    ({"unique": ["desc"]}, "an item in 'unique' has unexpected value"),
    ({"tz": "Mars/Olympus"}, "tz is not a valid timezone"),
    ({"schedule": "61 * * * *"}, "schedule is not a valid cron or OnCalendar expression (minute 61 is out of range 0-59)"),
    ({"timeout": 1, "grace": 1, "name": 5}, "grace is too small"),  # Healthchecks' field order
    ({"name": "a\x00b"}, "name contains a NUL character"),
    ({"tags": "t" * 600}, "tags is too long"),
    ({"filter_body": True}, "filter_body is not supported by Lubdub (keyword filters on ping bodies)"),
    ({"success_kw": "OK"}, "success_kw is not supported by Lubdub (keyword filters on ping bodies)"),
])
def test_invalid_fields_are_healthchecks_400s_naming_the_first_bad_field(hc: TestClient, body: dict, error: str) -> None:  # type: ignore[type-arg]
    response = hc.post("/api/v3/checks/", json=body)
    assert (response.status_code, response.json()) == (400, {"error": f"json validation error: {error}"})
    assert hc.get("/api/v3/checks/").json() == {"checks": []}


def test_oncalendar_is_refused_by_name(hc: TestClient) -> None:
    response = hc.post("/api/v3/checks/", json={"schedule": "Mon *-*-* 09:00"})
    assert response.status_code == 400 and "OnCalendar" in response.json()["error"]


@pytest.mark.parametrize(("raw", "error"), [
    (b"{nope", "could not parse request body"),
    (b"[1, 2]", "json validation error: value is not an object"),
    (b'"text"', "json validation error: value is not an object"),
    (b'{"name": "\xff\xfe"}', "could not parse request body"),  # Healthchecks answers 500 here
    (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "could not parse request body: nested too deeply"),
    (b'{"name": "\\ud800"}', "json validation error: name is not valid text (lone surrogate)"),
])
def test_bodies_that_are_not_json_objects_are_400s(hc: TestClient, raw: bytes, error: str) -> None:
    response = hc.post("/api/v3/checks/", content=raw, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_a_body_over_the_cap_is_a_413(hc: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "1000")
    from dashboard.config import reset_settings

    reset_settings()
    response = hc.post("/api/v3/checks/", json={"desc": "d" * 2000})
    assert response.status_code == 413 and "larger than 1000 bytes" in response.json()["error"]


def test_a_duplicate_name_or_slug_in_the_project_is_a_409(hc: TestClient) -> None:
    create(hc, name="dup", slug="dup")
    assert hc.post("/api/v3/checks/", json={"name": "dup"}).status_code == 409
    response = hc.post("/api/v3/checks/", json={"name": "other", "slug": "dup"})
    assert response.status_code == 409 and "slug" in response.json()["error"]


# --- read-only keys, projects ---------------------------------------------------------


def test_read_only_keys_get_the_read_only_shape_and_may_not_write(hc: TestClient, hc_ro: TestClient) -> None:
    made = create(hc, name="Backups", timeout=3600)
    listed = hc_ro.get("/api/v3/checks/").json()["checks"]
    assert list(listed[0]) == [*RO_KEYS, "timeout"]
    unique_key = listed[0]["unique_key"]
    assert len(unique_key) == 40 and "uuid" not in listed[0]
    assert hc_ro.get(f"/api/v3/checks/{unique_key}").json() == listed[0]
    assert hc.get(f"/api/v3/checks/{unique_key}").json()["uuid"] == made["uuid"]
    assert hc_ro.get(f"/api/v3/checks/{made['uuid']}").json() == listed[0]
    refused = hc_ro.post(f"/api/v3/checks/{made['uuid']}/pause")
    assert refused.status_code == 403 and "viewer" in refused.json()["error"]
    assert hc_ro.post("/api/v3/checks/", json={"name": "x"}).status_code == 403
    assert hc.post(f"/api/v3/checks/{unique_key}", json={"name": "x"}).status_code == 405


def test_a_key_sees_only_its_project(keyed: Callable[..., TestClient], engine: Engine, project: str) -> None:
    other = make_service(engine, "other").id
    ours, theirs = keyed("editor", project), keyed("editor", other)
    mine = create(ours, name="mine")
    create(theirs, name="theirs")
    assert [c["name"] for c in ours.get("/api/v3/checks/").json()["checks"]] == ["mine"]
    for method, path in [("GET", ""), ("POST", ""), ("DELETE", ""), ("POST", "/pause"), ("GET", "/pings/"),
                         ("GET", "/flips/")]:
        assert theirs.request(method, f"/api/v3/checks/{mine['uuid']}{path}").status_code == 404, (method, path)
    assert theirs.post("/api/v3/checks/", json={"service": "project"}).status_code == 400


def test_an_unlimited_key_sees_every_project_and_creates_in_the_named_or_default_one(
        keyed: Callable[..., TestClient], engine: Engine, project: str) -> None:
    admin = keyed("admin")
    assert create(admin, name="a", service="project")["name"] == "a"
    create(admin, name="b")
    with engine.connect() as conn:
        placed = dict(conn.execute(text("SELECT h.name, s.name FROM heartbeat h JOIN service s ON s.id = h.service_id")).all())
    assert placed == {"a": "project", "b": "default"}
    assert sorted(c["name"] for c in admin.get("/api/v3/checks/").json()["checks"]) == ["a", "b"]
    response = admin.post("/api/v3/checks/", json={"service": "nowhere"})
    assert response.json() == {"error": "json validation error: service no service with this id or name"}


# --- list filters ---------------------------------------------------------------------


def test_list_filters_by_every_tag_and_by_slug(hc: TestClient) -> None:
    create(hc, name="Backups", slug="backups", tags="prod www")
    create(hc, name="DB dump", slug="db-dump", tags="prod db")

    def names(query: str) -> list[str]:
        return [c["name"] for c in hc.get(f"/api/v3/checks/{query}").json()["checks"]]

    assert names("?tag=prod") == ["Backups", "DB dump"]
    assert names("?tag=prod&tag=db") == ["DB dump"]
    assert names("?tag=pro") == [] and names("?tag=") == []
    assert names("?slug=backups") == ["Backups"] and names("?slug=") == ["Backups", "DB dump"]
    assert names("?slug=backups&tag=db") == []


def test_a_long_list_streams_in_batches(hc: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.api.healthchecks import app

    monkeypatch.setattr(app, "STREAM_BATCH", 3)
    for k in range(7):
        create(hc, name=f"c{k}")
    assert [c["name"] for c in hc.get("/api/v3/checks").json()["checks"]] == [f"c{k}" for k in range(7)]


# --- update, channels, pause, resume, delete ------------------------------------------


def test_update_changes_only_what_is_given(hc: TestClient) -> None:
    made = create(hc, name="Backups", tags="prod", desc="d", timeout=3600, grace=60)
    changed = hc.post(f"/api/v3/checks/{made['uuid']}", json={"tags": "prod www", "unique": ["name"]}).json()
    assert (changed["name"], changed["tags"], changed["desc"], changed["timeout"]) == ("Backups", "prod www", "d", 3600)
    assert hc.post(f"/api/v3/checks/{made['uuid']}", content=b"").json() == changed
    assert hc.post(f"/api/v3/checks/{made['uuid']}", json={"name": ""}).status_code == 400
    assert hc.post(f"/api/v3/checks/{made['uuid']}", json={"methods": "POST"}).json()["methods"] == "POST"
    missing = hc.post("/api/v3/checks/0b0b0b0b-0000-4000-8000-000000000000", json={})
    assert missing.status_code == 404 and "error" in missing.json()


def test_channels_are_set_by_id_by_name_all_or_none(hc: TestClient, engine: Engine) -> None:
    email, hook = channel(engine, "Email to Alice"), channel(engine, "Ops webhook")
    made = create(hc, name="x", channels="*")
    assert made["channels"] == ",".join(sorted([email, hook]))
    assert hc.post(f"/api/v3/checks/{made['uuid']}", json={"channels": ""}).json()["channels"] == ""
    mixed = hc.post(f"/api/v3/checks/{made['uuid']}", json={"channels": f"Ops webhook, {email}"}).json()
    assert mixed["channels"] == ",".join(sorted([email, hook]))
    assert hc.post(f"/api/v3/checks/{made['uuid']}", json={"channels": "nope"}).json() == \
        {"error": "invalid channel identifier: nope"}
    assert hc.post(f"/api/v3/checks/{made['uuid']}", json={"channels": "Ops webhook,"}).json() == \
        {"error": "empty channel identifier"}
    assert hc.get(f"/api/v3/checks/{made['uuid']}").json()["channels"] == mixed["channels"]
    assert hc.get("/api/v3/channels/").json() == {"channels": [
        {"id": email, "name": "Email to Alice", "kind": "webhook"}, {"id": hook, "name": "Ops webhook", "kind": "webhook"}]}


def test_pause_resume_and_delete(hc: TestClient, engine: Engine) -> None:
    made = create(hc, name="x", timeout=60)
    ping(engine, made["uuid"])
    paused = hc.post(f"/api/v3/checks/{made['uuid']}/pause")
    assert (paused.status_code, paused.json()["status"], paused.json()["next_ping"]) == (200, "paused", None)
    assert hc.post(f"/api/v3/checks/{made['uuid']}/pause").json()["status"] == "paused"
    assert hc.get(f"/api/v3/checks/{made['uuid']}/pause").status_code == 405
    assert hc.post(f"/api/v3/checks/{made['uuid']}/resume").json()["status"] == "up"
    not_paused = hc.post(f"/api/v3/checks/{made['uuid']}/resume")
    assert (not_paused.status_code, not_paused.json()) == (409, {"error": "check is not paused"})
    deleted = hc.delete(f"/api/v3/checks/{made['uuid']}")
    assert deleted.status_code == 200 and deleted.json()["name"] == "x" and deleted.json()["n_pings"] == 1
    assert hc.delete(f"/api/v3/checks/{made['uuid']}").status_code == 404


def test_a_paused_check_without_manual_resume_is_resumed_by_a_ping(hc: TestClient, engine: Engine) -> None:
    loose, strict = create(hc, name="loose", timeout=60), create(hc, name="strict", timeout=60, manual_resume=True)
    for made in (loose, strict):
        hc.post(f"/api/v3/checks/{made['uuid']}/pause")
        ping(engine, made["uuid"])
    assert hc.get(f"/api/v3/checks/{loose['uuid']}").json()["status"] == "up"
    assert hc.get(f"/api/v3/checks/{strict['uuid']}").json()["status"] == "paused"


def test_options_and_unknown_paths_and_methods(hc: TestClient) -> None:
    assert hc.options("/api/v3/checks/").status_code == 204
    assert hc.put("/api/v3/checks/").status_code == 405
    assert hc.get("/api/v3/nothing/").json() == {"error": "not found"}
    assert hc.get("/api/v3/checks/not-a-uuid").status_code == 404


# --- statuses and times ---------------------------------------------------------------


def test_status_next_ping_started_and_last_duration(hc: TestClient, engine: Engine, now: datetime) -> None:
    made = create(hc, name="x", timeout=60, grace=60)
    uuid = made["uuid"]
    ping(engine, uuid, at=now)
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        body = hc.get(f"/api/v3/checks/{uuid}").json()
    assert (body["status"], body["last_ping"], body["next_ping"]) == ("up", "2026-11-02T12:00:00+00:00",
                                                                     "2026-11-02T12:01:00+00:00")
    with time_machine.travel(now + timedelta(seconds=90), tick=False):
        assert hc.get(f"/api/v3/checks/{uuid}").json()["status"] == "grace"
    ping(engine, uuid, "run", at=now + timedelta(seconds=100), rid="r")
    with time_machine.travel(now + timedelta(seconds=101), tick=False):
        v3, v1 = hc.get(f"/api/v3/checks/{uuid}").json(), hc.get(f"/api/v1/checks/{uuid}").json()
    assert (v3["started"], v3["status"], v3["next_ping"]) == (True, "grace", "2026-11-02T12:01:00+00:00")
    assert v1["status"] == "started"
    ping(engine, uuid, at=now + timedelta(seconds=103, microseconds=500_000), rid="r")
    done = hc.get(f"/api/v3/checks/{uuid}").json()
    assert (done["started"], done["last_duration"], done["n_pings"]) == (False, 3, 3)
    assert list(done).index("last_duration") == list(done).index("badge_url") + 1
    ping(engine, uuid, "fail", at=now + timedelta(seconds=110))
    down = hc.get(f"/api/v3/checks/{uuid}").json()
    assert (down["status"], down["next_ping"], "last_duration" in down) == ("down", None, False)


def test_a_started_new_check_reports_its_start_as_next_ping(hc: TestClient, engine: Engine, now: datetime) -> None:
    made = create(hc, name="x")
    ping(engine, made["uuid"], "run", at=now)
    body = hc.get(f"/api/v3/checks/{made['uuid']}").json()
    assert (body["status"], body["started"], body["next_ping"]) == ("new", True, "2026-11-02T12:00:00+00:00")
