"""The whole ASGI app in process (Reflex compile skipped): routing order and lifespan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient


@pytest.fixture
def client(engine, make_heartbeat, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("__REFLEX_SKIP_COMPILE", "true")
    from dashboard.dashboard import app

    with TestClient(app()) as test_client:  # entering runs the lifespan: writer + detector
        yield test_client


def test_check_ins_api_metrics_and_reflex_share_one_app(client: TestClient, make_heartbeat) -> None:  # type: ignore[no-untyped-def]
    hb = make_heartbeat()
    assert client.get(f"/ping/{hb.ping_id}").json() == {"ok": True, "status": "up"}
    assert client.post(f"/v1/heartbeat/{hb.ping_id}?result=fail").json() == {"ok": True, "status": "down"}
    assert client.get("/api/health").json() == {"status": "ok", "database": "ok"}
    assert client.get("/api/v1/service").status_code == 401
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Lubdub API"
    assert 'lubdub_checkins_total{result="fail"} 1' in client.get("/metrics").text
    # A job whose $ID is empty calls /ping: not Reflex's "pong" (a 200), but the check-in's 404.
    missing = client.get("/ping")
    assert missing.status_code == 404 and "no heartbeat id" in missing.json()["error"]["message"]
    assert client.get("/_health").status_code == 200  # Reflex's own health check still answers


def test_every_response_carries_the_security_headers(client: TestClient, make_heartbeat) -> None:  # type: ignore[no-untyped-def]
    hb = make_heartbeat()
    checkin = client.get(f"/ping/{hb.id}")
    assert checkin.headers["x-content-type-options"] == "nosniff"
    assert checkin.headers["referrer-policy"] == "no-referrer"  # check-in URLs are secrets
    for path in ("/api/health", "/api/v1/service", "/metrics", "/_health", "/api/openapi.json"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY", path
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'", path
        assert headers["referrer-policy"] == "no-referrer", path
    docs = client.get("/api/docs").headers["content-security-policy"]
    assert "script-src https://cdn.jsdelivr.net 'sha256-" in docs and "frame-ancestors 'none'" in docs


def test_head_on_health_answers_like_get_without_a_body(client: TestClient) -> None:
    response = client.head("/api/health")
    assert (response.status_code, response.content) == (200, b"")


def test_a_large_api_body_is_refused_with_the_api_error(client: TestClient, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_token

    headers = {"Authorization": f"Bearer {make_token(engine)}", "Content-Type": "application/json"}
    response = client.post("/api/v1/service", content=b"[" + b"1," * 600_000 + b"1]", headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert client.get("/api/v1/service", headers=headers).json()["total"] == 0


def test_metrics_can_require_a_token(engine, make_heartbeat, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from dashboard.config import reset_settings

    monkeypatch.setenv("__REFLEX_SKIP_COMPILE", "true")
    monkeypatch.setenv("METRICS_TOKEN", "s3cret-scrape-token")
    reset_settings()
    from dashboard.dashboard import app

    with TestClient(app()) as test_client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-scrape-token"},
                        {"Authorization": "Bearer s3cret-scrape-token-and-more"}):
            refused = test_client.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"] == "Bearer"
            assert refused.json()["error"]["code"] == "unauthorized"
        scraped = test_client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
        assert scraped.status_code == 200
        assert "lubdub_heartbeats" in scraped.text
