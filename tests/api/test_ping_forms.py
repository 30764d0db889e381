"""Check-in URL forms (Healthchecks' too), slugs, exit codes, run ids, and bodies of every shape."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from dashboard.api.ping import ping_app
from tests.factories import make_heartbeat, make_service


@pytest.fixture
def client(running: object) -> Iterator[TestClient]:
    yield TestClient(ping_app)


def events(engine: Engine, heartbeat_id: str) -> list[tuple]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT result, message, exit_code, rid, duration_ms FROM event WHERE heartbeat_id = :id ORDER BY id"),
            {"id": heartbeat_id})]


def heartbeats_named(engine: Engine, name: str) -> list[tuple]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT id, slug, interval, grace, status FROM heartbeat WHERE name = :name"), {"name": name})]


@pytest.fixture
def hb(engine: Engine):  # type: ignore[no-untyped-def]
    service = make_service(engine, "jobs")
    return make_heartbeat(engine, service.id, "backup", interval=3600, slug="db-backup")


@pytest.fixture
def ping_key(engine: Engine, hb) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT ping_key FROM service WHERE name = 'jobs'")).scalar_one())


@pytest.mark.parametrize(("suffix", "expected"), [
    ("start", ("run", None)), ("fail", ("fail", None)), ("log", ("log", None)),
    ("0", ("complete", 0)), ("1", ("fail", 1)), ("255", ("fail", 255)), ("007", ("fail", 7)),
])
def test_healthchecks_suffixes(client: TestClient, engine: Engine, hb, suffix: str, expected: tuple) -> None:  # type: ignore[no-untyped-def,type-arg]
    response = client.post(f"/ping/{hb.ping_id}/{suffix}", content=b"the body is the message")
    assert response.status_code == 200, response.text
    assert events(engine, hb.id) == [(*expected[:1], "the body is the message", expected[1], None, None)]


def test_an_exit_code_over_255_is_400_naming_it(client: TestClient, engine: Engine, hb) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/ping/{hb.ping_id}/256")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"exit_code": "exit code 256 is out of range 0-255"}
    assert client.get(f"/ping/{hb.ping_id}?exit_code=-1").status_code == 400
    assert events(engine, hb.id) == []


def test_exit_code_and_rid_as_parameters(client: TestClient, engine: Engine, hb) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/ping/{hb.ping_id}/start?rid=run-1").status_code == 200
    assert client.post(f"/ping/{hb.ping_id}?exit_code=3&rid=run-1", json={"message": "boom"}).status_code == 200
    (_, (result, message, exit_code, rid, duration)) = events(engine, hb.id)
    assert (result, message, exit_code, rid) == ("fail", "boom", 3, "run-1") and duration is not None


def test_disagreeing_sources_are_400(client: TestClient, engine: Engine, hb) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (f"/ping/{hb.ping_id}/fail?result=complete", "result"),
        (f"/ping/{hb.ping_id}?result=tick&result=fail", "result"),
        (f"/ping/{hb.ping_id}?exit_code=1&result=complete", "result"),
        (f"/ping/{hb.ping_id}/0?exit_code=2", "exit_code"),
    ]
    for path, field in cases:
        response = client.get(path)
        assert response.status_code == 400, path
        assert set(response.json()["error"]["fields"]) == {field}, path
    # The same value twice is not a disagreement.
    assert client.get(f"/ping/{hb.ping_id}/fail?result=fail").status_code == 200
    assert [e[0] for e in events(engine, hb.id)] == ["fail"]


def test_a_rid_is_at_most_64_printable_characters(client: TestClient, hb) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/ping/{hb.ping_id}", params={"rid": "r" * 64}).status_code == 200
    assert client.get(f"/ping/{hb.ping_id}", params={"rid": "r" * 65}).json()["error"]["fields"] == {
        "rid": "rid must be at most 64 printable characters"}
    assert client.get(f"/ping/{hb.ping_id}", params={"rid": "a\nb"}).status_code == 400


# --- slugs -------------------------------------------------------------------------


def test_slug_urls_reach_the_heartbeat_with_the_same_suffixes(client: TestClient, engine: Engine, hb,
                                                             ping_key: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/ping/{ping_key}/db-backup").status_code == 200
    assert client.get(f"/ping/{ping_key}/db-backup/start").status_code == 200
    assert client.post(f"/ping/{ping_key}/db-backup/0", content=b"done").status_code == 200
    assert [e[0] for e in events(engine, hb.id)] == ["tick", "run", "complete"]


def test_create_makes_a_missing_heartbeat_in_the_keys_service(client: TestClient, engine: Engine, hb,
                                                             ping_key: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/ping/{ping_key}/new-job?create=1")
    assert response.status_code == 201 and response.json() == {"ok": True, "status": "up"}
    [(heartbeat_id, slug, interval, grace, status)] = heartbeats_named(engine, "new-job")
    assert (slug, interval, grace, status) == ("new-job", 86400, 3600, "up")
    assert [e[0] for e in events(engine, heartbeat_id)] == ["tick"]
    # Once it exists, the same URL answers 200.
    assert client.get(f"/ping/{ping_key}/new-job?create=1").status_code == 200
    assert len(heartbeats_named(engine, "new-job")) == 1


def test_slug_errors(client: TestClient, engine: Engine, hb, ping_key: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/ping/{ping_key}/missing").status_code == 404
    assert client.get(f"/ping/{ping_key}/missing?create=true").status_code == 404  # only create=1 creates
    assert client.get(f"/ping/{'z' * 22}/db-backup?create=1").status_code == 404  # unknown key
    bad = client.get(f"/ping/{ping_key}/Not_Lower?create=1")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"slug"}
    assert heartbeats_named(engine, "missing") == [] and heartbeats_named(engine, "Not_Lower") == []


def test_create_refuses_a_slug_whose_name_another_heartbeat_has(client: TestClient, engine: Engine, hb,
                                                               ping_key: str) -> None:  # type: ignore[no-untyped-def]
    make_heartbeat(engine, hb.service_id, "taken", interval=60)
    response = client.get(f"/ping/{ping_key}/taken?create=1")
    assert response.status_code == 409
    assert len(heartbeats_named(engine, "taken")) == 1


# --- paths that are not check-ins --------------------------------------------------


@pytest.mark.parametrize("path", ["/ping", "/ping/", "/ping//", "/v1/heartbeat/"])
def test_an_empty_id_is_a_404_saying_so(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "no heartbeat id" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/PING/{id}", "/ping/{id}/extra", "/ping/{id}/start/more", "/ping/a/b/c/d",
                                  "/ping/not-an-id"])
def test_other_odd_paths_get_the_json_404(client: TestClient, hb, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path.format(id=hb.id))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# --- bodies ------------------------------------------------------------------------


def test_curls_form_label_on_a_log_file_keeps_the_log(client: TestClient, engine: Engine, hb) -> None:  # type: ignore[no-untyped-def]
    log = b"Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: a=1&b=2\n"
    response = client.post(f"/ping/{hb.ping_id}?result=fail", content=log,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert events(engine, hb.id) == [("fail", log.decode(), None, None, None)]


def test_a_real_form_is_read_as_fields(client: TestClient, engine: Engine, hb) -> None:  # type: ignore[no-untyped-def]
    assert client.post(f"/ping/{hb.ping_id}", data={"result": "complete", "message": "ok", "rid": "7"}).status_code == 200
    assert events(engine, hb.id) == [("complete", "ok", None, "7", None)]


@pytest.mark.parametrize("body", [
    b"[" * 5000 + b"]" * 5000,
    b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"message": ["a"]}',
    b'{"message": {"a": 1}}',
    b'{"result": true}',
    b'{"rid": 5.5}',
    b"[1, 2]",
    b'"just a string"',
])
def test_json_that_is_not_an_object_of_strings_is_400(client: TestClient, engine: Engine, hb, body: bytes) -> None:  # type: ignore[no-untyped-def]
    response = client.post(f"/ping/{hb.ping_id}", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"].startswith("invalid_")
    assert events(engine, hb.id) == []


# Any body, content type and query string: a 2xx or a 4xx with the usual body, never a 5xx,
# and a 2xx is stored.
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["result", "message", "rid", "exit_code", "x"]), children, max_size=4),
    max_leaves=12,
)
_BODIES = st.one_of(
    st.binary(max_size=300),
    _JSON.map(lambda value: json.dumps(value).encode()),
    st.builds(lambda depth: b"[" * depth + b"]" * depth, st.integers(0, 20_000)),
)
_QUERY = st.lists(st.tuples(st.sampled_from(["result", "message", "rid", "exit_code", "create", "zz"]),
                            st.text(max_size=12)), max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=_BODIES,
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", "",
                                  "application/vnd.api+json", "multipart/form-data"]),
    query=_QUERY,
    suffix=st.sampled_from(["", "/start", "/fail", "/log", "/0", "/256", "/x"]),
)
def test_fuzzed_check_ins_never_fail_the_server(client: TestClient, engine: Engine, hb, body: bytes,
                                                content_type: str, query: list[tuple[str, str]],
                                                suffix: str) -> None:  # type: ignore[no-untyped-def]
    marker = str(uuid.uuid4())
    headers = {"content-type": content_type, "user-agent": marker} if content_type else {"user-agent": marker}
    response = client.post(f"/ping/{hb.ping_id}{suffix}", content=body, params=query, headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT COUNT(*) FROM event WHERE user_agent = :ua"), {"ua": marker}).scalar_one()
    assert stored == (1 if response.status_code == 200 else 0)
