"""Private PostgreSQL clusters and Redis servers for the outage tests.

The shared PostgreSQL (127.0.0.1:5432) and Redis (6379) serve everybody's tests,
so a test that stops its database or kills its Redis starts its own first: a
throw-away PostgreSQL cluster (``initdb`` into a temporary directory, run as the
``postgres`` user because ``initdb`` refuses root) or a ``redis-server``, each
on a free port bound to 127.0.0.1, and removes it afterwards.

Missing software is a reason to skip, except under ``CI=true`` where it fails.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_server import free_port

POSTGRES_BIN_ROOT = Path("/usr/lib/postgresql")


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``; under CI=true a missing layer is a failure instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: every layer must run)")
    pytest.skip(reason)


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server binaries, or None."""
    versions = sorted((p for p in POSTGRES_BIN_ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own: ``stop()`` and ``start()`` it at will."""

    bin_dir: Path
    root: Path
    port: int
    _as_owner: list[str]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "lubdub") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run([*self._as_owner, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args],
                       check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        self._pg_ctl("-o", options, "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (as an operator's restart does); ``immediate`` is a crash."""
        self._pg_ctl("-m", mode, "-w", "-t", "60", "stop")

    def is_running(self) -> bool:
        return subprocess.run([*self._as_owner, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "status"],
                              capture_output=True).returncode == 0

    def create_database(self, name: str = "lubdub") -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private cluster, removed afterwards (also when the test fails)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        skip_or_fail(f"PostgreSQL server binaries not installed under {POSTGRES_BIN_ROOT}")
        raise AssertionError("unreachable")
    as_owner: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the cluster belongs to the postgres user.
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            skip_or_fail("running as root and there is no `postgres` user to own a private cluster")
            raise AssertionError("unreachable") from None
        as_owner = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's tmp_path: its directories are private to root.
    root = Path(tempfile.mkdtemp(prefix="lubdub-pg-"))
    if as_owner:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    cluster = PrivatePostgres(bin_dir, root, free_port(), as_owner)
    try:
        subprocess.run([*as_owner, str(bin_dir / "initdb"), "-D", str(cluster.data_dir), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
                       check=True, capture_output=True, timeout=120)
        cluster.start()
        yield cluster
    finally:
        if cluster.data_dir.exists() and cluster.is_running():
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    root: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server is not None
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--logfile", str(self.root / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    client.close()
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL: the sudden death of Redis, not a clean shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


@contextmanager
def private_redis(root: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed (apt-get install redis-server)")
    instance = PrivateRedis(free_port(), root)
    instance.start()
    try:
        yield instance
    finally:
        instance.kill()
