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
