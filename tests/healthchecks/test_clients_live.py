"""Third-party Healthchecks clients, unchanged but for their base URLs and keys, against a live Lubdub.

- ``healthchecks-io`` 0.4.4 (PyPI), in its own venv under ~/.cache/lubdub-test-clients (it needs httpx<0.28);
- ``healthchecks-io-client`` 1.0.4 (npm), installed into the same cache;
- runitor's protocol, emulated exactly (runitor itself is not installable here): POST text/plain
  ``…/start?rid=R``, the command, then ``…/{exit code}?rid=R`` with the last ``Ping-Body-Limit``
  bytes of its output, 200 and 201 accepted, 408/429/5xx retried twice.

Skipped, loudly, only when a registry cannot be reached (never under CI=true).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.live_server import LiveServer, create_api_key, start_live_server

pytestmark = pytest.mark.server

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lubdub-test-clients"
CLIENTS = Path(__file__).parent / "clients"


def _unavailable(what: str, output: str) -> None:
    message = f"{what} could not be installed (is the registry reachable?):\n{output[-2000:]}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    print(f"\nSKIPPED LOUDLY: {message}", file=sys.stderr)
    pytest.skip(message)


def python_client() -> Path:
    """A venv with healthchecks-io 0.4.4; made once, kept in the cache."""
    venv = CACHE / "healthchecks-io-0.4.4"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "healthchecks-io==0.4.4"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _unavailable("healthchecks-io==0.4.4", done.stdout + done.stderr)
        (venv / ".installed").touch()
    return python


def node_client() -> Path:
    """A directory with healthchecks-io-client 1.0.4 in its node_modules."""
    folder = CACHE / "healthchecks-io-client-1.0.4"
    if not (folder / ".installed").exists():
        if shutil.which("npm") is None:
            _unavailable("npm", "npm is not on PATH")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"name": "lubdub-client-tests", "private": true}')
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "healthchecks-io-client@1.0.4"],
                              cwd=folder, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _unavailable("healthchecks-io-client@1.0.4", done.stdout + done.stderr)
        (folder / ".installed").touch()
    return folder


@dataclass
class Project:
    server: LiveServer
    admin: str
    service_id: str
    ping_key: str
    rw: str
    ro: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    server = start_live_server(Path(tmp_path_factory.mktemp("clients")))
    try:
        admin = create_api_key(server, "admin")
        headers = {"Authorization": f"Bearer {admin}"}
        service = httpx.post(f"{server.url}/api/v1/service", json={"name": "hc-project"}, headers=headers).json()
        httpx.post(f"{server.url}/api/v1/channel", headers=headers, json={
            "name": "Ops webhook", "kind": "webhook", "config": {"url": "https://hooks.example.com/ops"}})
        # A Healthchecks project's two keys: a read-write and a read-only one, limited to its service.
        rw = create_api_key(server, "project-rw", "--role", "editor", "--service", service["id"])
        ro = create_api_key(server, "project-ro", "--service", service["id"], "--read-only")
        yield Project(server, admin, service["id"], service["ping_key"], rw, ro)
    finally:
        server.stop()


def test_healthchecks_io_manages_and_pings_lubdub(project: Project) -> None:
    python = python_client()
    done = subprocess.run([str(python), str(CLIENTS / "hcio_session.py"), project.url, project.rw, project.ro,
                           project.ping_key], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["created"] == ["hcio demo", "new", True]
    assert seen["upsert_same_uuid"] is True
    assert seen["listed_by_tags"] == ["hcio demo"]
    assert seen["get"] == "hcio demo" and seen["update_desc"] == "updated by healthchecks-io"
    assert seen["pings_sent"] == [True, True, True, True]
    assert seen["pings"] == [["success", 4], ["fail", 3], ["success", 2], ["start", 1]]
    assert seen["status_after_pings"] == "up"
    assert seen["integrations"] == ["Ops webhook"]
    assert seen["badge_tags"] == ["*", "demo", "py"]
    assert seen["paused"] == "paused"
    assert seen["after_trap"] == ["up", 2]  # its start and its success
    listed = httpx.get(f"{project.url}/api/v3/checks/", headers={"X-Api-Key": project.rw}).json()["checks"]
    assert [(c["name"], c["started"]) for c in listed] == [("hcio cron", False)]  # the success closed the run
    assert seen["unknown_slug"] == "CheckNotFoundError"
    assert seen["read_only"] == [["hcio cron", True, 40], ["hcio demo", True, 40]]
    assert seen["read_only_get_by_unique_key"] in ("hcio cron", "hcio demo")
    assert seen["read_only_pause"] == "HCAPIAuthError"
    assert seen["deleted"] == "hcio demo" and seen["get_deleted"] == "CheckNotFoundError"


def test_the_npm_client_manages_and_pings_lubdub(project: Project) -> None:
    folder = node_client()
    env = {k: v for k, v in os.environ.items() if k != "HC_API_KEY"}  # the client prefers HC_API_KEY over its option
    env["NODE_PATH"] = str(folder / "node_modules")
    done = subprocess.run(["node", str(CLIENTS / "npm_session.js"), project.url, project.rw], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    # Flips: Lubdub records up→down and down→up, not Healthchecks' new→up (docs/healthchecks.md).
    assert seen == {"created": ["npm demo", "new"], "listed": ["npm demo"], "status": "down",
                    "updated": "updated via npm", "pings": ["fail", "success", "start"], "flips": [0],
                    "integrations": ["Ops webhook"], "paused": "paused", "deleted": "npm demo", "getDeleted": 404}


# --- runitor, emulated ----------------------------------------------------------------


def runitor(api_url: str, handle: str, command: list[str], *, create: bool = False) -> tuple[int, list[int]]:
    """runitor's sequence (internal/api.go, cmd/runitor/main.go); returns (exit code, statuses)."""
    rid = str(uuid.uuid4())
    params = {"rid": rid, **({"create": "1"} if create else {})}
    statuses: list[int] = []

    def post(suffix: str, body: bytes) -> httpx.Response:
        for attempt in range(3):
            response = httpx.post(f"{api_url.rstrip('/')}/{handle}{suffix}", params=params, content=body,
                                  headers={"Content-Type": "text/plain", "User-Agent": "runitor/v1.4.1"}, timeout=5)
            if response.status_code not in (408, 429, 500, 502, 503, 504) or attempt == 2:
                break
            time.sleep(0.2 * (attempt + 1))
        statuses.append(response.status_code)
        return response

    started = post("/start", b"")
    limit_header = started.headers.get("Ping-Body-Limit", "")
    limit = int(limit_header) if limit_header.isdigit() else 10_000
    job = subprocess.run(command, capture_output=True)
    output = job.stdout + job.stderr
    body = output if len(output) <= limit else output[-limit:]
    post("" if job.returncode == 0 else f"/{job.returncode}", body)
    return job.returncode, statuses


def test_runitors_protocol_by_uuid_and_by_slug(project: Project) -> None:
    headers = {"X-Api-Key": project.rw}
    check = httpx.post(f"{project.url}/api/v3/checks/", headers=headers, json={"name": "runitor job"}).json()
    code, statuses = runitor(f"{project.url}/ping", check["uuid"],
                             ["sh", "-c", "for i in $(seq 1 400); do echo line-$i; done"])
    assert (code, statuses) == (0, [200, 200])
    after = httpx.get(f"{project.url}/api/v3/checks/{check['uuid']}", headers=headers).json()
    assert (after["status"], after["started"], after["n_pings"]) == ("up", False, 2)
    assert "last_duration" in after or after["n_pings"] == 2
    pings = httpx.get(f"{project.url}/api/v3/checks/{check['uuid']}/pings/", headers=headers).json()["pings"]
    body = httpx.get(pings[0]["body_url"], headers=headers).text
    assert len(body) <= 1000 and body.endswith("line-400\n")  # the end of the output, within the limit announced
    assert pings[0]["rid"] == pings[1]["rid"] and pings[0]["duration"] is not None
    code, statuses = runitor(f"{project.url}/ping", f"{project.ping_key}/made-by-runitor", ["sh", "-c", "exit 3"],
                             create=True)
    assert (code, statuses) == (3, [201, 200])
    made = httpx.get(f"{project.url}/api/v3/checks/?slug=made-by-runitor", headers=headers).json()["checks"]
    assert [(c["name"], c["status"]) for c in made] == [("made-by-runitor", "down")]
