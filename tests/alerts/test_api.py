"""/api/v1 channel, link, test-send, alerting and delivery-log endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from dashboard.api.app import build_api
from dashboard.core.alerts.delivery import deliver_due
from dashboard.core.alerts.dispatcher import dispatch_pass
from dashboard.core.alerts.senders import SendOptions
from tests.alerts.conftest import PUBLIC_URL, rows
from tests.alerts.receivers import free_port
from tests.factories import make_token, ping

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def api_app(engine: Engine) -> Starlette:
    return Starlette(routes=[Mount("/api", app=build_api())])


@pytest.fixture
def client(api_app: Starlette, engine: Engine) -> Iterator[TestClient]:
    with TestClient(api_app, headers={"Authorization": f"Bearer {make_token(engine, 'read-write')}"}) as test_client:
        yield test_client


@pytest.fixture
def reader(api_app: Starlette, engine: Engine) -> Iterator[TestClient]:
    token = make_token(engine, "read-only", name="reader")
    with TestClient(api_app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def webhook(url: str = "https://hooks.example.com/T000/secret-path-9876", **fields: object) -> dict[str, object]:
    return {"name": "ops webhook", "kind": "webhook",
            "config": {"url": url, "secret": SECRET, "headers": {"Authorization": "Bearer abcdefghijklmnop"}},
            **fields}


def test_channel_crud_never_shows_secrets(client: TestClient, engine: Engine) -> None:
    created = client.post("/api/v1/channel", json=webhook(renotify_minutes=30))
    assert created.status_code == 201, created.text
    channel = created.json()
    assert channel["config"] == {
        "include_ping_url": False,
        "url": "https://hooks.example.com/****9876",
        "secret": "****cdef",
        "headers": {"Authorization": "****mnop"},
    }
    assert (channel["renotify_minutes"], channel["is_default"], channel["links"]) == (30, False, [])
    assert SECRET not in created.text and "abcdefghijklmnop" not in created.text

    listed = client.get("/api/v1/channel")
    assert [c["id"] for c in listed.json()] == [channel["id"]]
    assert SECRET not in listed.text

    # The edit form sends back what it was shown: the secrets are kept.
    edited = client.put(f"/api/v1/channel/{channel['id']}",
                        json={"name": "renamed", "config": channel["config"], "renotify_minutes": None})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["renotify_minutes"]) == ("renamed", None)
    [stored] = rows(engine, "SELECT config FROM channel")
    assert SECRET in stored.config and "Bearer abcdefghijklmnop" in stored.config

    assert client.delete(f"/api/v1/channel/{channel['id']}").status_code == 204
    gone = client.get(f"/api/v1/channel/{channel['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


def test_channel_errors_use_the_api_error_shape(client: TestClient, reader: TestClient) -> None:
    bad = client.post("/api/v1/channel", json=webhook(url="ftp://example.com"))
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {"config.url": "must be an http:// or https:// URL with a host"}
    unknown_kind = client.post("/api/v1/channel", json={**webhook(), "kind": "pigeon"})
    assert unknown_kind.status_code == 422 and "kind" in unknown_kind.json()["error"]["fields"]
    assert client.post("/api/v1/channel", json=webhook()).status_code == 201
    duplicate = client.post("/api/v1/channel", json=webhook())
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "conflict")
    assert client.put("/api/v1/channel/nope", json={"name": "x"}).status_code == 404
    assert client.post("/api/v1/channel", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    forbidden = reader.post("/api/v1/channel", json=webhook(name="other"))
    assert forbidden.status_code == 403
    assert reader.get("/api/v1/channel").status_code == 200


def test_attach_and_detach(client: TestClient, make_heartbeat) -> None:  # type: ignore[no-untyped-def]
    hb = make_heartbeat("backup")
    channel = client.post("/api/v1/channel", json={"name": "mail", "kind": "email",
                                                   "config": {"to": ["ops@example.com"]}}).json()
    link = f"/api/v1/channel/{channel['id']}/link"
    attached = client.post(link, json={"heartbeat_id": hb.ping_id})
    assert attached.status_code == 200, attached.text
    assert attached.json()["links"] == [
        {"service_id": None, "service_name": None, "heartbeat_id": hb.ping_id, "heartbeat_name": "backup"}]
    assert client.post(link, json={"heartbeat_id": hb.ping_id}).status_code == 409
    both = client.post(link, json={"heartbeat_id": hb.ping_id, "service_id": hb.service_id})
    assert both.status_code == 422
    missing = client.post(link, json={"service_id": "00000000-0000-4000-8000-000000000000"})
    assert missing.json()["error"]["fields"] == {"service_id": "no service with this id"}
    assert client.post(link, json={"service_id": hb.service_id}).status_code == 200

    alerting = client.get(f"/api/v1/heartbeat/{hb.ping_id}/alerting").json()
    assert alerting == {"heartbeat_id": hb.ping_id, "alert_threshold": 1,
                        "channels": [{"id": channel["id"], "name": "mail", "kind": "email", "via": "heartbeat"}]}
    changed = client.put(f"/api/v1/heartbeat/{hb.ping_id}/alerting", json={"alert_threshold": 3})
    assert changed.json()["alert_threshold"] == 3
    assert client.put(f"/api/v1/heartbeat/{hb.ping_id}/alerting", json={"alert_threshold": 0}).status_code == 422

    detached = client.request("DELETE", link, json={"heartbeat_id": hb.ping_id})
    assert detached.status_code == 200
    assert [x["service_id"] for x in detached.json()["links"]] == [hb.service_id]
    assert client.request("DELETE", link, json={"heartbeat_id": hb.ping_id}).status_code == 404


def test_send_test_answers_ok_or_the_exact_error(client: TestClient, receiver) -> None:  # type: ignore[no-untyped-def]
    good = client.post("/api/v1/channel", json={"name": "good", "kind": "webhook",
                                                "config": {"url": receiver.url}}).json()
    result = client.post(f"/api/v1/channel/{good['id']}/test")
    assert result.status_code == 200
    assert {k: v for k, v in result.json().items() if k != "delivery_id"} == \
        {"ok": True, "error": None, "status_code": 200}
    assert len(receiver.requests) == 1

    down = client.post("/api/v1/channel", json={"name": "down", "kind": "webhook",
                                                "config": {"url": f"http://127.0.0.1:{free_port()}/"}}).json()
    failed = client.post(f"/api/v1/channel/{down['id']}/test").json()
    assert (failed["ok"], failed["error"]) == (False, "ConnectError: [Errno 111] Connection refused")
    assert client.post("/api/v1/channel/nope/test").status_code == 404


def test_the_notifications_log(client: TestClient, engine: Engine, make_heartbeat, receiver, now) -> None:  # type: ignore[no-untyped-def]
    hb = make_heartbeat("backup")
    client.post("/api/v1/channel", json={"name": "hook", "kind": "webhook", "config": {"url": receiver.url},
                                         "is_default": True})
    ping(engine, hb.id, at=now)
    ping(engine, hb.id, "fail", at=now)
    dispatch_pass(engine, now, public_url=PUBLIC_URL)
    deliver_due(engine, now, SendOptions(timeout_s=5))

    [delivery] = client.get(f"/api/v1/heartbeat/{hb.ping_id}/deliveries").json()
    assert {k: delivery[k] for k in ("kind", "status", "channel_name", "heartbeat_name", "reason", "attempts")} == {
        "kind": "alert", "status": "delivered", "channel_name": "hook", "heartbeat_name": "backup",
        "reason": "fail", "attempts": 1}
    assert delivery["attempt_log"] == [{"attempt": 1, "started_at": "2026-11-02T12:00:00.000000Z",
                                        "finished_at": "2026-11-02T12:00:00.000000Z", "ok": True,
                                        "status_code": 200, "error": None}]
    page = client.get("/api/v1/delivery", params={"status": "delivered"}).json()
    assert (page["total"], page["items"][0]["id"]) == (1, delivery["id"])
    assert client.get("/api/v1/delivery", params={"status": "failed"}).json()["total"] == 0
    assert client.get("/api/v1/delivery", params={"status": "bogus"}).status_code == 422
    assert client.get("/api/v1/heartbeat/nope/deliveries").status_code == 404
