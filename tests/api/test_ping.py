"""The check-in endpoint, through real HTTP handling and the real group-commit writer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from dashboard.api.ping import ping_app


@pytest.fixture
def client(running: object) -> Iterator[TestClient]:
    # Not entered as a context manager: the bare ping app has no lifespan of its own.
    yield TestClient(ping_app)


def events(engine, heartbeat_id: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(conn.execute(
            text("SELECT result, message, message_truncated, method, duration_ms FROM event "
                 "WHERE heartbeat_id = :id ORDER BY id"), {"id": heartbeat_id}))


def heartbeat_row(engine, heartbeat_id: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM heartbeat WHERE id = :id"), {"id": heartbeat_id}).one()


def test_it_records_a_plain_tick_and_answers_status(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    response = client.get(f"/ping/{hb.ping_id}")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "status": "up"}
    assert events(engine, hb.id) == [("tick", "", False, "GET", None)]
    row = heartbeat_row(engine, hb.id)
    assert row.status == "up"
    assert row.next_due_at - row.last_ping_at == 60 * 1_000_000


def test_the_pinghome_alias_uses_the_same_handler(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    assert client.post(f"/v1/heartbeat/{hb.ping_id}?result=complete").json() == {"ok": True, "status": "up"}
    assert events(engine, hb.id)[0][0] == "complete"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"params": {"result": "fail", "message": "disk full"}}, ("fail", "disk full")),
        ({"json": {"result": "run", "message": "starting"}}, ("run", "starting")),
        ({"data": {"result": "complete", "message": "ok"}}, ("complete", "ok")),
        ({"content": b"plain text log", "headers": {"content-type": "text/plain"}}, ("tick", "plain text log")),
        ({"params": {"result": "FAIL"}, "content": b"stderr tail"}, ("fail", "stderr tail")),
    ],
)
def test_it_takes_result_and_message_from_query_json_form_or_text(client, engine, make_heartbeat, kwargs, expected) -> None:
    hb = make_heartbeat()
    assert client.post(f"/ping/{hb.ping_id}", **kwargs).status_code == 200
    assert events(engine, hb.id)[0][:2] == expected


def test_it_cuts_long_messages_and_flags_them(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    client.post(f"/ping/{hb.ping_id}", content=b"x" * 1500)
    (_, message, truncated, _, _), = events(engine, hb.id)
    assert len(message) == 1000 and truncated


def test_unknown_result_is_400_and_records_nothing(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    response = client.get(f"/ping/{hb.ping_id}?result=miss")
    assert response.status_code == 400
    assert "tick, run, complete, fail" in response.json()["error"]["message"]
    assert events(engine, hb.id) == []


def test_body_over_100_kb_is_413_and_records_nothing(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    assert client.post(f"/ping/{hb.ping_id}", content=b"x" * (100 * 1024 + 1)).status_code == 413
    assert events(engine, hb.id) == []


def test_a_body_labelled_json_that_is_not_json_is_the_message(client, engine, make_heartbeat) -> None:
    # healthchecks-io (PyPI) sends every body, log text included, as application/json.
    hb = make_heartbeat()
    response = client.post(f"/ping/{hb.ping_id}", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 200
    with engine.connect() as conn:
        assert conn.execute(text("SELECT result, message FROM event WHERE heartbeat_id = :id"),
                            {"id": hb.id}).one() == ("tick", "{nope")


@pytest.mark.parametrize("make_id", [lambda: str(uuid.uuid4()), lambda: "not-a-uuid", lambda: "1234"])
def test_unknown_or_malformed_ids_get_the_same_404(client, make_id) -> None:
    response = client.get(f"/ping/{make_id()}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_deleted_heartbeat_answers_404(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM heartbeat WHERE id = :id"), {"id": hb.id})
    assert client.get(f"/ping/{hb.ping_id}").status_code == 404


def test_method_outside_the_heartbeat_methods_is_405_with_allow(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat(methods="POST")
    response = client.get(f"/ping/{hb.ping_id}")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert client.delete(f"/ping/{hb.ping_id}").status_code == 405
    assert events(engine, hb.id) == []


def test_head_answers_200_without_body(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    response = client.head(f"/ping/{hb.ping_id}")
    assert response.status_code == 200 and response.content == b""
    assert events(engine, hb.id)[0][3] == "HEAD"


def test_put_works_when_enabled_on_the_heartbeat(client, make_heartbeat) -> None:
    hb = make_heartbeat(methods="GET,PUT")
    assert client.put(f"/ping/{hb.ping_id}").status_code == 200


def test_fail_turns_down_at_once_and_records_a_flip(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    client.get(f"/ping/{hb.ping_id}")
    assert client.get(f"/ping/{hb.ping_id}?result=fail").json()["status"] == "down"
    with engine.connect() as conn:
        flips = list(conn.execute(text("SELECT old_status, new_status, reason FROM flip")))
    assert flips == [("up", "down", "fail")]


def test_run_then_complete_records_a_duration(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    client.get(f"/ping/{hb.ping_id}?result=run")
    client.get(f"/ping/{hb.ping_id}?result=complete")
    run, complete = events(engine, hb.id)
    assert run[4] is None
    assert complete[4] is not None and complete[4] >= 0


def test_paused_heartbeat_records_the_event_and_changes_nothing(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat(enabled=False)
    assert client.get(f"/ping/{hb.ping_id}?result=fail").json() == {"ok": True, "status": "paused"}
    row = heartbeat_row(engine, hb.id)
    assert (row.status, row.last_ping_at, row.miss_at) == ("new", None, None)
    assert [e[0] for e in events(engine, hb.id)] == ["fail"]


def test_rollup_counts_follow_the_events(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    for result in ("tick", "tick", "run", "complete", "fail"):
        client.get(f"/ping/{hb.ping_id}?result={result}")
    with engine.connect() as conn:
        totals = conn.execute(text(
            "SELECT SUM(tick_count), SUM(run_count), SUM(complete_count), SUM(fail_count), SUM(duration_count) "
            "FROM event_rollup WHERE heartbeat_id = :id"), {"id": hb.id}).one()
    assert tuple(totals) == (2, 1, 1, 1, 1)


def test_writer_not_running_is_503_not_500(engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    response = TestClient(ping_app).get(f"/ping/{hb.ping_id}")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"


def test_counters_total_check_ins_by_result(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    for result in ("tick", "tick", "fail"):
        client.get(f"/ping/{hb.ping_id}?result={result}")
    with engine.connect() as conn:
        counters = dict(conn.execute(text("SELECT name, value FROM counter")).all())
    assert counters == {"checkins_tick": 2, "checkins_fail": 1}


def test_the_rate_limit_answers_429_with_retry_after_and_counts_refusals(engine, make_heartbeat, running) -> None:
    from dashboard.api.ping import checkins
    from dashboard.core.ratelimit import RateLimiter

    clock = [1000.0]
    checkins.attach(running.writer, RateLimiter(3, clock=lambda: clock[0]))
    client = TestClient(ping_app)
    hb, other = make_heartbeat("limited"), make_heartbeat("other")
    assert [client.get(f"/ping/{hb.ping_id}").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = client.get(f"/ping/{hb.ping_id}")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert client.get(f"/ping/{other.ping_id}").status_code == 200  # the limit is per heartbeat
    clock[0] += 60
    assert client.get(f"/ping/{hb.ping_id}").status_code == 200
    assert len(events(engine, hb.id)) == 4
    running.writer.stop()  # flushes the pending refusal count
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM counter WHERE name = 'checkins_rate_limited'")).scalar_one() == 2
    running.writer.start()


def test_everything_under_ping_is_answered_by_the_check_in_handler() -> None:
    from dashboard.api.ping import is_ping_path

    assert is_ping_path("/ping/abc") and is_ping_path("/v1/heartbeat/abc")
    assert is_ping_path("/ping") and is_ping_path("/ping/") and is_ping_path("/ping/abc/def")
    assert is_ping_path("/PING/abc")
    assert not is_ping_path("/pingu") and not is_ping_path("/api/v1/heartbeat/abc")


def test_sql_looking_input_is_stored_verbatim(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    message = "x'); DELETE FROM heartbeat; -- \" OR 1=1 \x01 ünïcode"
    assert client.get(f"/ping/{hb.ping_id}", params={"message": message}).status_code == 200
    assert events(engine, hb.id)[0][1] == message
    assert heartbeat_row(engine, hb.id).status == "up"


def test_nul_characters_are_replaced_so_any_database_can_store_them(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    assert client.post(f"/ping/{hb.ping_id}", content=b"before\x00after", headers={"user-agent": "a\x00b"}).status_code == 200
    assert events(engine, hb.id)[0][1] == "before\ufffdafter"


def test_lone_surrogates_from_json_escapes_are_replaced(client, engine, make_heartbeat) -> None:
    hb = make_heartbeat()
    body = b'{"message": "half a pair: \\ud800!"}'
    assert client.post(f"/ping/{hb.ping_id}", content=body, headers={"content-type": "application/json"}).status_code == 200
    assert events(engine, hb.id)[0][1] == "half a pair: ?!"
