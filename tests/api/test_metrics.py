from datetime import timedelta

import time_machine
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard.api.metrics import metrics_endpoint
from dashboard.core import detector
from tests.factories import ping


def sample(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in metrics:\n{body}")


def test_metrics_report_status_counts_check_ins_and_misses(engine, make_heartbeat, running, now) -> None:
    up, down = make_heartbeat("up"), make_heartbeat("down", interval=10)
    make_heartbeat("new")
    make_heartbeat("paused", enabled=False)
    ping(engine, up.id, at=now + timedelta(days=3650))  # far in the future: stays up
    ping(engine, down.id, at=now - timedelta(seconds=35))
    ping(engine, down.id, "fail", at=now - timedelta(seconds=30))
    detector.run_pass(engine, now)

    with time_machine.travel(now, tick=False):
        response = TestClient(Starlette(routes=[Route("/metrics", metrics_endpoint)])).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    for status, count in {"up": 1, "down": 1, "new": 1, "paused": 1, "late": 0}.items():
        assert sample(body, f'lubdub_heartbeats{{status="{status}"}}') == count
    assert sample(body, 'lubdub_checkins_total{result="tick"}') == 2
    assert sample(body, 'lubdub_checkins_total{result="fail"}') == 1
    assert sample(body, "lubdub_misses_total") == 3  # deadlines at -20 s, -10 s and now
    assert sample(body, "lubdub_detector_lag_seconds") == 0
    assert "# TYPE lubdub_checkins_total counter" in body
