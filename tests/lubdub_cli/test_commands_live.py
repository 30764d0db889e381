"""The ``lubdub`` command against a live server: run (failing, succeeding, long output), ping, status,
pause, resume, apply and export (export, then apply on an empty server, reproduces it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text

from tests.live_server import start_live_server
from tests.lubdub_cli.conftest import Live, make_key

pytestmark = pytest.mark.server


def lubdub(live: Live, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lubdub", *args], capture_output=True, text=True, timeout=120,
                          env=live.env(**env))


def api(live: Live, method: str, path: str, **kwargs: object) -> dict:  # type: ignore[type-arg]
    response = httpx.request(method, f"{live.url}/api/v1{path}", headers={"Authorization": f"Bearer {live.api_key}"},
                             timeout=30, **kwargs)  # type: ignore[arg-type]
    assert response.status_code < 300, response.text
    return response.json() if response.content else {}


def events(live: Live, ping_id: str) -> list[dict]:  # type: ignore[type-arg]
    return list(reversed(api(live, "GET", f"/heartbeat/{ping_id}/events", params={"limit": 50})))  # type: ignore[arg-type]


def new_heartbeat(live: Live, service: str, name: str, **fields: object) -> dict:  # type: ignore[type-arg]
    services = {s["name"]: s["id"] for s in api(live, "GET", "/service", params={"limit": 500})["items"]}
    service_id = services.get(service) or api(live, "POST", "/service", json={"name": service})["id"]
    return api(live, "POST", "/heartbeat", json={"service_id": service_id, "name": name, "interval": 3600, **fields})


def test_run_reports_a_succeeding_and_a_failing_job(live: Live) -> None:
    hb = new_heartbeat(live, "jobs", "nightly", slug="nightly")
    ok = lubdub(live, "run", hb["id"], "--", "sh", "-c", "echo all good")
    assert (ok.returncode, ok.stdout) == (0, "all good\n")
    failed = lubdub(live, "run", "nightly", "--", "sh", "-c", "echo broken >&2; exit 7")  # by slug, through the API
    assert (failed.returncode, failed.stderr) == (7, "broken\n")
    found = events(live, hb["id"])
    assert [(e["result"], e["exit_code"]) for e in found] == [("run", None), ("complete", 0), ("run", None), ("fail", 7)]
    assert found[0]["rid"] == found[1]["rid"] != found[2]["rid"] == found[3]["rid"]
    assert found[1]["message"] == "all good\n" and found[3]["message"] == "broken\n"
    assert found[1]["duration_ms"] is not None and found[3]["user_agent"] == "lubdub-cli"
    assert api(live, "GET", f"/heartbeat/{hb['id']}")["status"] == "down"


def test_run_keeps_the_end_of_a_long_output(live: Live) -> None:
    hb = new_heartbeat(live, "jobs", "chatty")
    done = lubdub(live, "run", hb["id"], "--", "sh", "-c", "for i in $(seq 1 5000); do echo line-$i; done")
    assert done.returncode == 0 and done.stdout.count("\n") == 5000
    message = events(live, hb["id"])[-1]["message"]
    # The server keeps 1,000 characters and says so (Ping-Body-Limit): the end of the log is what arrives.
    assert len(message) == 1000 and message.endswith("line-5000\n")


def test_ping_status_pause_and_resume(live: Live, tmp_path: Path) -> None:
    hb = new_heartbeat(live, "status-svc", "probe", tags="ci")
    assert lubdub(live, "ping", hb["id"]).returncode == 0
    assert lubdub(live, "ping", hb["id"], "--start", "--rid", "r1").returncode == 0
    assert lubdub(live, "ping", hb["id"], "--exit-code", "0", "--rid", "r1", "-m", "done").returncode == 0
    assert lubdub(live, "ping", hb["id"], "--start", "--fail").returncode == 2
    assert [e["result"] for e in events(live, hb["id"])] == ["tick", "run", "complete"]
    up = lubdub(live, "status", "--service", "status-svc")
    assert up.returncode == 0 and "probe" in up.stdout and "UP" in up.stdout
    assert lubdub(live, "ping", hb["id"], "--fail").returncode == 0
    down = lubdub(live, "status", "--tag", "ci")
    assert down.returncode == 1 and "DOWN" in down.stdout and "1 down" in down.stdout
    assert "paused" in lubdub(live, "pause", hb["id"]).stdout
    assert api(live, "GET", f"/heartbeat/{hb['id']}")["status"] == "paused"
    assert lubdub(live, "resume", hb["id"]).returncode == 0
    assert api(live, "GET", f"/heartbeat/{hb['id']}")["enabled"] is True
    assert lubdub(live, "status", LUBDUB_API_KEY="lbd_wrong").returncode == 2
    assert lubdub(live, "ping", "0b0b0b0b-0000-4000-8000-000000000000").returncode == 1


SPEC = """
services:
  - name: billing
    description: Nightly billing jobs
    channels: [Ops]
    heartbeats:
      - name: invoice-run
        interval: 3600
        grace: 300
        max_runtime: 1800
        slug: invoice-run
        tags: [prod, billing]
        description: Creates the invoices
        channels: [Pager]
      - name: report
        schedule: "0 9 * * 1-5"
        timezone: Europe/Berlin
        methods: [POST]
        manual_resume: false
  - name: web
    heartbeats:
      - name: sitemap
        interval: 86400
"""


def make_channels(url: str, key: str) -> None:
    for name in ("Ops", "Pager"):
        httpx.post(f"{url}/api/v1/channel", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                   json={"name": name, "kind": "webhook", "config": {"url": "https://hooks.example.com/x"}})


def test_apply_export_and_reproduce_on_an_empty_server(live: Live, tmp_path: Path) -> None:
    make_channels(live.url, live.api_key)
    spec = tmp_path / "lubdub.yaml"
    spec.write_text(SPEC)
    dry = lubdub(live, "apply", str(spec), "--dry-run")
    assert dry.returncode == 0 and "+ service 'billing'" in dry.stdout and "(dry run: none made)" in dry.stdout
    assert "billing" not in {s["name"] for s in api(live, "GET", "/service", params={"limit": 500})["items"]}
    applied = lubdub(live, "apply", str(spec))
    assert applied.returncode == 0, applied.stderr
    assert "+ link 'Pager' → heartbeat billing/invoice-run" in applied.stdout
    assert lubdub(live, "apply", str(spec)).stdout.strip() == "nothing to change"
    spec.write_text(SPEC.replace("grace: 300", "grace: 600").replace("channels: [Pager]", "channels: []"))
    changed = lubdub(live, "apply", str(spec))
    assert "~ heartbeat billing/invoice-run: grace 600" in changed.stdout
    assert "- link 'Pager' → heartbeat billing/invoice-run" in changed.stdout
    exported = lubdub(live, "export", "-o", str(tmp_path / "out.yaml"))
    assert exported.returncode == 0
    document = yaml.safe_load((tmp_path / "out.yaml").read_text())
    billing = next(s for s in document["services"] if s["name"] == "billing")
    assert billing["channels"] == ["Ops"]
    assert billing["heartbeats"][0] == {"name": "invoice-run", "interval": 3600, "grace": 600, "max_runtime": 1800,
                                        "slug": "invoice-run", "description": "Creates the invoices",
                                        "tags": ["prod", "billing"]}
    assert billing["heartbeats"][1] == {"name": "report", "schedule": "0 9 * * 1-5", "timezone": "Europe/Berlin",
                                        "methods": ["POST"], "manual_resume": False}
    refused = lubdub(live, "apply", str(spec), LUBDUB_URL="http://127.0.0.1:9")
    assert refused.returncode == 1

    empty = start_live_server(tmp_path / "empty")
    try:
        key = make_key(empty, "empty")
        make_channels(empty.url, key)
        copy = subprocess.run([sys.executable, "-m", "lubdub", "apply", str(tmp_path / "out.yaml")], capture_output=True,
                              text=True, timeout=120, env={**live.env(), "LUBDUB_URL": empty.url, "LUBDUB_API_KEY": key})
        assert copy.returncode == 0, copy.stderr
        again = subprocess.run([sys.executable, "-m", "lubdub", "export"], capture_output=True, text=True, timeout=120,
                               env={**live.env(), "LUBDUB_URL": empty.url, "LUBDUB_API_KEY": key})
        assert again.stdout == (tmp_path / "out.yaml").read_text()
    finally:
        empty.stop()


def test_prune_deletes_what_the_file_does_not_list(live: Live, tmp_path: Path) -> None:
    new_heartbeat(live, "prune-me", "old")
    current = lubdub(live, "export").stdout
    document = yaml.safe_load(current)
    document["services"] = [s for s in document["services"] if s["name"] != "prune-me"]
    spec = tmp_path / "pruned.yaml"
    spec.write_text(yaml.safe_dump(document))
    pruned = lubdub(live, "apply", str(spec), "--prune")
    assert pruned.returncode == 0 and "- service 'prune-me' and its 1 heartbeat(s)" in pruned.stdout
    assert "prune-me" not in lubdub(live, "export").stdout


def test_a_file_naming_a_missing_channel_changes_nothing(live: Live, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("services:\n  - name: other\n    channels: [Nope]\n")
    done = lubdub(live, "apply", str(spec))
    assert done.returncode == 1 and "no channel named 'Nope'" in done.stderr
    spec.write_text("services:\n  - name: x\n    heartbeats:\n      - name: y\n")
    assert "give interval" in lubdub(live, "apply", str(spec)).stderr
    engine = create_engine(live.server.database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM service WHERE name IN ('other', 'x')")).scalar() == 0
    engine.dispose()
