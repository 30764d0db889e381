"""Start the real app (`reflex run --env prod`) on a free port, for server and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from dashboard.config import PROJECT_ROOT
from dashboard.models import Heartbeat, Service

STARTUP_TIMEOUT_S = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    port: int
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            # The whole process group: reflex starts granian workers as children.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def server_env(port: int, database_url: str, **extra: str) -> dict[str, str]:
    venv_bin = str(PROJECT_ROOT / ".venv" / "bin")
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
        **extra,
    }
    if not env.get("NPM_CONFIG_REGISTRY"):
        registry = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True)
        if registry.returncode == 0 and registry.stdout.strip():
            env["NPM_CONFIG_REGISTRY"] = registry.stdout.strip()
    return env


def start_live_server(workdir: Path, database_url: str | None = None, **extra_env: str) -> LiveServer:
    port = free_port()
    database_url = database_url or f"sqlite:///{workdir / 'lubdub.db'}"
    env = server_env(port, database_url, **extra_env)
    subprocess.run([str(PROJECT_ROOT / ".venv/bin/python"), "-m", "dashboard", "migrate"],
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    log_path = workdir / f"server-{port}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [str(PROJECT_ROOT / ".venv/bin/reflex"), "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port), "--backend-host", "127.0.0.1"],
            cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", port, database_url, process, log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"server did not answer within {STARTUP_TIMEOUT_S}s:\n{server.log()[-3000:]}")


def create_api_key(server: LiveServer, *args: str) -> str:
    """``python -m dashboard create-api-key ARGS…`` against the server's database; the token."""
    done = subprocess.run([str(PROJECT_ROOT / ".venv/bin/python"), "-m", "dashboard", "create-api-key", *args],
                          cwd=PROJECT_ROOT, env=server_env(server.port, server.database_url), check=True,
                          capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def seed_heartbeat(database_url: str, interval: int = 10) -> str:
    """A new heartbeat in a new service; returns its check-in id (``ping_id``)."""
    engine = create_engine(database_url)
    service = Service(name=f"svc-{time.monotonic_ns()}")
    with engine.begin() as conn:
        conn.execute(Service.__table__.insert().values(**service.model_dump()))  # type: ignore[attr-defined]
        heartbeat = Heartbeat(service_id=service.id, name="nightly", interval=interval)
        conn.execute(Heartbeat.__table__.insert().values(**heartbeat.model_dump()))  # type: ignore[attr-defined]
    engine.dispose()
    return heartbeat.ping_id


def public_id_of(database_url: str, ping_id: str) -> str:
    """The public id (what dashboard URLs carry) of the heartbeat with this check-in id."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        public_id = conn.execute(text("SELECT public_id FROM heartbeat WHERE ping_id = :id"), {"id": ping_id}).scalar_one()
    engine.dispose()
    return str(public_id)


# Events name their heartbeat by its row id; tests hold its check-in id.
BY_PING_ID = "(SELECT id FROM heartbeat WHERE ping_id = :id)"


def stored_messages(database_url: str) -> set[str]:
    """The messages of every event in the database (the load client's pings carry unique ones)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT message FROM event"))}
    finally:
        engine.dispose()


def wait_for(predicate, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
