"""Several workers, as the README offers: REDIS_URL plus GRANIAN_WORKERS=2.

- Check-ins reach both workers and every one answered 200 is stored.
- Redis dies (SIGKILL): check-ins never touch Redis, so they go on unaffected.
- A worker dies (SIGKILL): the other keeps serving and a new one takes its place
  (granian respawns it: dashboard/granian_workers.py).

The dashboard session across workers is in tests/e2e/test_multiworker.py (it needs
chromium). The Redis test kills this module's Redis, so it runs last.
"""

from __future__ import annotations

import http.client
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from tests.instances import PrivateRedis, private_redis
from tests.live_server import LiveServer, seed_heartbeat, start_live_server, stored_messages
from tests.load_client import PingLoad

pytestmark = pytest.mark.server


@dataclass
class TwoWorkers:
    server: LiveServer
    redis: PrivateRedis

    def worker_of(self, client_port: int) -> int | None:
        """The worker holding the server side of the connection from ``client_port``."""
        for child in psutil.Process(self.server.process.pid).children(recursive=True):
            for conn in child.net_connections(kind="tcp"):
                if conn.laddr and conn.laddr.port == self.server.port and conn.raddr and conn.raddr.port == client_port:
                    return child.pid
        return None


def start_two_workers(workdir: Path, redis: PrivateRedis) -> LiveServer:
    return start_live_server(workdir, REDIS_URL=redis.url, GRANIAN_WORKERS="2")


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoWorkers]:
    workdir = tmp_path_factory.mktemp("two-workers")
    with private_redis(workdir) as redis:
        server = start_two_workers(workdir, redis)
        try:
            yield TwoWorkers(server, redis)
        finally:
            server.stop()


def _connections_on_both_workers(app: TwoWorkers, per_worker: int) -> dict[int, list[http.client.HTTPConnection]]:
    """Open keep-alive connections until each worker holds ``per_worker`` of them."""
    by_worker: dict[int, list[http.client.HTTPConnection]] = {}
    for _ in range(200):
        if len(by_worker) == 2 and all(len(c) >= per_worker for c in by_worker.values()):
            break
        conn = http.client.HTTPConnection("127.0.0.1", app.server.port, timeout=10)
        conn.request("GET", "/api/health")
        assert conn.getresponse().read()
        worker = app.worker_of(conn.sock.getsockname()[1])
        assert worker is not None
        by_worker.setdefault(worker, []).append(conn)
    assert len(by_worker) == 2, f"every connection landed on one worker: {list(by_worker)}"
    return by_worker


def test_check_ins_through_both_workers_are_all_recorded(two_workers: TwoWorkers) -> None:
    heartbeat_ids = [seed_heartbeat(two_workers.server.database_url, interval=3600) for _ in range(10)]
    by_worker = _connections_on_both_workers(two_workers, per_worker=3)
    sent: dict[int, set[str]] = {}
    for worker, connections in by_worker.items():
        for index, conn in enumerate(connections):
            for n in range(50):
                message = f"w{worker}-c{index}-n{n}"
                conn.request("POST", f"/ping/{heartbeat_ids[n % len(heartbeat_ids)]}?message={message}")
                response = conn.getresponse()
                assert response.status == 200, response.read()
                response.read()
                sent.setdefault(worker, set()).add(message)
            conn.close()
    assert len(sent) == 2 and all(len(messages) >= 150 for messages in sent.values())
    stored = stored_messages(two_workers.server.database_url)
    for worker, messages in sent.items():
        assert messages <= stored, f"worker {worker}: {len(messages - stored)} acknowledged check-ins missing"


def test_check_ins_are_unaffected_when_redis_dies(two_workers: TwoWorkers) -> None:
    """Last in this module: it kills the module's Redis."""
    heartbeat_ids = [seed_heartbeat(two_workers.server.database_url, interval=3600) for _ in range(10)]
    load = PingLoad([two_workers.server.url], heartbeat_ids, threads=6)
    load.start()
    try:
        time.sleep(1.0)
        two_workers.redis.kill()
        killed_at = time.monotonic()
        time.sleep(3.0)
        health = httpx.get(f"{two_workers.server.url}/api/health", timeout=10)
    finally:
        load.stop()
    after = load.statuses(since=killed_at)
    assert after[200] >= 100, after
    assert set(load.statuses()) == {200} and load.errors == 0, (load.statuses(), load.unexpected)
    assert health.status_code == 200
    assert set(load.acknowledged) <= stored_messages(two_workers.server.database_url)
    assert two_workers.server.process.poll() is None, "the server died with Redis"


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_the_other_keeps_serving(tmp_path: Path) -> None:
    # Two workers without Redis are enough for check-ins, which never use it.
    server = start_live_server(tmp_path, GRANIAN_WORKERS="2")
    try:
        heartbeat_ids = [seed_heartbeat(server.database_url, interval=3600) for _ in range(10)]
        workers = psutil.Process(server.process.pid).children(recursive=True)
        assert len(workers) == 2
        load = PingLoad([server.url], heartbeat_ids, threads=4)
        load.start()
        try:
            time.sleep(1.0)
            os.kill(workers[-1].pid, signal.SIGKILL)
            killed_at = time.monotonic()
            time.sleep(6.0)
        finally:
            load.stop()
        assert server.process.poll() is None, "the server stopped when one worker died"
        replacements = psutil.Process(server.process.pid).children(recursive=True)
        assert len(replacements) == 2 and workers[-1].pid not in {p.pid for p in replacements}
        assert load.statuses(since=killed_at + 4.0)[200] > 0
        assert set(load.acknowledged) <= stored_messages(server.database_url)
    finally:
        server.stop()
